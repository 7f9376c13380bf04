import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

@Suite struct SealKeyTests {
    private static let validBase64 = Data(repeating: 7, count: 32).base64EncodedString()

    @Test func parsesBase64OfThirtyTwoBytesIgnoringSurroundingWhitespace() throws {
        let key = try SealKey.parse(base64: "  \(Self.validBase64)\n", source: "REKEY_SEAL_KEY")
        #expect(key.id.count == 12)
        #expect(try SealKey.parse(base64: Self.validBase64, source: "x").id == key.id)
        #expect(SealKey.random().id != key.id)
    }

    @Test(arguments: [
        ("", "REKEY_SEAL_KEY is empty; it must hold base64 of 32 random bytes ('openssl rand -base64 32')"),
        (
            "not base64!",
            "REKEY_SEAL_KEY is not base64; it must hold base64 of 32 random bytes ('openssl rand -base64 32')"
        ),
        (
            Data(repeating: 1, count: 16).base64EncodedString(),
            "REKEY_SEAL_KEY holds 16 bytes, not 32; create a key with 'openssl rand -base64 32'"
        ),
    ])
    func refusesMalformedKeysWithAOneLineFix(text: String, message: String) {
        #expect(throws: SealError.self) { try SealKey.parse(base64: text, source: "REKEY_SEAL_KEY") }
        do {
            _ = try SealKey.parse(base64: text, source: "REKEY_SEAL_KEY")
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func neverPrintsTheKeyBytes() throws {
        let key = try SealKey.parse(base64: Self.validBase64, source: "x")
        for text in ["\(key)", String(reflecting: key), "\(Mirror(reflecting: key).children.map(\.value))"] {
            #expect(!text.contains(Self.validBase64))
            #expect(!text.contains("7, 7, 7"))
        }
    }

    @Test func resolvePrefersTheFileThenTheEnvironment() throws {
        let directory = try TemporaryDirectory("rekey-seal-key")
        defer { directory.remove() }
        let file = directory.file("key")
        let other = Data(repeating: 9, count: 32).base64EncodedString()
        try writeKeyFile(file, other, mode: 0o600)
        let environment = [SealKey.environmentVariable: Self.validBase64]
        let fromFile = try #require(try SealKey.resolve(file: file, environment: environment))
        let fromEnvironment = try #require(try SealKey.resolve(file: nil, environment: environment))
        #expect(fromFile.id == (try SealKey.parse(base64: other, source: "x")).id)
        #expect(fromEnvironment.id == (try SealKey.parse(base64: Self.validBase64, source: "x")).id)
        #expect(try SealKey.resolve(file: nil, environment: [:]) == nil)
    }

    @Test(arguments: [0o600, 0o400] as [mode_t])
    func acceptsAKeyFileOnlyItsOwnerCanRead(mode: mode_t) throws {
        let directory = try TemporaryDirectory("rekey-seal-key")
        defer { directory.remove() }
        try writeKeyFile(directory.file("key"), Self.validBase64 + "\n", mode: mode)
        #expect(
            try SealKey.load(file: directory.file("key")).id
                == (try SealKey.parse(base64: Self.validBase64, source: "x")).id)
    }

    @Test func acceptsThirtyTwoRawBytes() throws {
        let directory = try TemporaryDirectory("rekey-seal-key")
        defer { directory.remove() }
        let raw = [UInt8](repeating: 0xFE, count: 32)
        _ = FileManager.default.createFile(atPath: directory.file("key"), contents: Data(raw))
        chmod(directory.file("key"), 0o600)
        #expect(try SealKey.load(file: directory.file("key")).id == (try SealKey(bytes: raw)).id)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o606] as [mode_t])
    func refusesAKeyFileOthersCanReadOrWrite(mode: mode_t) throws {
        let directory = try TemporaryDirectory("rekey-seal-key")
        defer { directory.remove() }
        let file = directory.file("key")
        try writeKeyFile(file, Self.validBase64, mode: mode)
        #expect(throws: SealError.keyFileTooOpen(path: file, mode: UInt32(mode))) { try SealKey.load(file: file) }
        let message = SealError.keyFileTooOpen(path: file, mode: UInt32(mode)).description
        #expect(message.contains("mode 0\(String(mode, radix: 8))"))
        #expect(message.hasSuffix("run 'chmod 600 \(file)'"))
    }

    @Test func refusesAMissingFileAndADirectory() throws {
        let directory = try TemporaryDirectory("rekey-seal-key")
        defer { directory.remove() }
        #expect(throws: SealError.self) { try SealKey.load(file: directory.file("absent")) }
        do {
            _ = try SealKey.load(file: directory.file("absent"))
        } catch {
            #expect(error.description.hasPrefix("cannot read seal key file '\(directory.file("absent"))'"))
        }
        #expect(throws: SealError.keyFileNotRegular(path: directory.path)) { try SealKey.load(file: directory.path) }
    }

    @Test func refusesAKeyFileOfTheWrongLength() throws {
        let directory = try TemporaryDirectory("rekey-seal-key")
        defer { directory.remove() }
        try writeKeyFile(directory.file("key"), Data(repeating: 3, count: 31).base64EncodedString(), mode: 0o600)
        #expect(throws: SealError.keyWrongLength(source: "seal key file '\(directory.file("key"))'", count: 31)) {
            try SealKey.load(file: directory.file("key"))
        }
    }

    private func writeKeyFile(_ path: String, _ text: String, mode: mode_t) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, mode) == 0)
    }
}
