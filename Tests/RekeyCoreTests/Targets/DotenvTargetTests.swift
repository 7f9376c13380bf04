import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct DotenvTargetTests {
    private static let signingKey = "INNGEST_SIGNING_KEY"
    private static let fallback = "INNGEST_SIGNING_KEY_FALLBACK"
    private static let eventKey = "INNGEST_EVENT_KEY"

    @Test func summaryNamesTheFile() {
        #expect(DotenvTarget(path: "/srv/api/.env").summary == "dotenv /srv/api/.env")
    }

    @Test func readReportsAbsentEmptyAndPresent() async throws {
        let text = "\(Self.signingKey)=signkey-test-aa\n\(Self.fallback)=\n\(Self.eventKey)=\"\"\n"
        try await withDotenvFile(text) { path in
            let states = try await DotenvTarget(path: path).read([
                Self.signingKey, Self.fallback, Self.eventKey, "PORT",
            ])
            #expect(states[Self.signingKey] == .present(Secret("signkey-test-aa")))
            #expect(states[Self.fallback] == .empty)
            #expect(states[Self.eventKey] == .empty)
            #expect(states["PORT"] == .absent)
            #expect(states.count == 4)
        }
    }

    @Test func presentValuesComeBackAsRedactedSecrets() async throws {
        try await withDotenvFile("export \(Self.signingKey)='signkey-test-0123abcd' # current\n") { path in
            let states = try await DotenvTarget(path: path).read([Self.signingKey])
            guard case .present(let secret) = try #require(states[Self.signingKey]) else {
                Issue.record("expected a present value")
                return
            }
            #expect(secret.exposeValue() == "signkey-test-0123abcd")
            #expect("\(secret)" == "<redacted>")
            #expect(!"\(states)".contains("0123abcd"))
            #expect(!String(reflecting: states).contains("0123abcd"))
        }
    }

    @Test func applyInsertsFallbackAfterSigningKeyAndKeepsEverythingElse() async throws {
        let original = """
            # Inngest\r
            export \(Self.signingKey)="signkey-prod-aa" # rotated by rekey\r
            \(Self.eventKey)=ek-old\r
            \r
            PORT=3000
            """
        try await withDotenvFile(original) { path in
            try await DotenvTarget(path: path).apply([
                .set(name: Self.fallback, value: Secret("signkey-prod-aa")),
                .set(name: Self.signingKey, value: Secret("signkey-prod-bb")),
                .set(name: Self.eventKey, value: Secret("ek-new")),
                .set(name: "NEW_SETTING", value: Secret("on")),
            ])
            let expected = """
                # Inngest\r
                export \(Self.signingKey)="signkey-prod-bb" # rotated by rekey\r
                export \(Self.fallback)=signkey-prod-aa\r
                \(Self.eventKey)=ek-new\r
                \r
                PORT=3000\r
                NEW_SETTING=on
                """
            #expect(try contents(path) == expected)
        }
    }

    @Test func applyThenInverseRestoresTheFileByteForByte() async throws {
        let original = "# app\nexport \(Self.signingKey)='signkey-prod-aa'\nPORT=3000"
        try await withDotenvFile(original) { path in
            let target = DotenvTarget(path: path)
            try await target.apply([
                .set(name: Self.signingKey, value: Secret("signkey-prod-bb")),
                .set(name: Self.fallback, value: Secret("signkey-prod-aa")),
            ])
            #expect(try contents(path) != original)
            try await target.apply([
                .remove(name: Self.fallback),
                .set(name: Self.signingKey, value: Secret("signkey-prod-aa")),
            ])
            #expect(try FileIO.read(path) == Array(original.utf8))
        }
    }

    @Test func applyRemovesEveryAssignment() async throws {
        try await withDotenvFile("A=1\n\(Self.fallback)=x\nB=2\nexport \(Self.fallback)=\"x\"\n") { path in
            try await DotenvTarget(path: path).apply([.remove(name: Self.fallback)])
            #expect(try contents(path) == "A=1\nB=2\n")
        }
    }

    @Test func applyKeepsTheModeAndLeavesNoTemporaryFile() async throws {
        try await withDotenvFile("\(Self.signingKey)=signkey-prod-aa\n", mode: 0o640) { path in
            try await DotenvTarget(path: path).apply([.set(name: Self.signingKey, value: Secret("signkey-prod-bb"))])
            #expect(try contents(path) == "\(Self.signingKey)=signkey-prod-bb\n")
            #expect(try FileIO.mode(path) == 0o640)
            let directory = FileIO.parentDirectory(of: path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [FileIO.baseName(of: path)])
        }
    }

    @Test func applyRefusesAnEmptyValueWithoutTouchingTheFile() async throws {
        let original = "\(Self.signingKey)=signkey-prod-aa\n"
        try await withDotenvFile(original) { path in
            try backdate(path)
            let before = try fileIdentity(path)
            let error = await #expect(throws: DotenvTargetError.self) {
                try await DotenvTarget(path: path).apply([
                    .set(name: Self.signingKey, value: Secret("signkey-prod-bb")),
                    .set(name: Self.fallback, value: Secret("")),
                ])
            }
            #expect(error == .emptyValueRefused(name: Self.fallback, path: path))
            #expect(
                error?.description
                    == "refusing to write an empty value for \(Self.fallback) in '\(path)': remove the variable instead"
            )
            #expect(try FileIO.read(path) == Array(original.utf8))
            #expect(try fileIdentity(path) == before)
        }
    }

    @Test func applyDoesNotRewriteWhenNothingChanges() async throws {
        let original = "# keep\nexport \(Self.signingKey)=\"signkey-prod-aa\" # c\n"
        try await withDotenvFile(original) { path in
            try backdate(path)
            let before = try fileIdentity(path)
            try await DotenvTarget(path: path).apply([
                .set(name: Self.signingKey, value: Secret("signkey-prod-aa")),
                .remove(name: Self.fallback),
            ])
            #expect(try fileIdentity(path) == before)
            #expect(try FileIO.read(path) == Array(original.utf8))
        }
    }

    @Test func applyingTheSameChangesTwiceWritesOnce() async throws {
        try await withDotenvFile("\(Self.signingKey)=signkey-prod-aa\n") { path in
            let target = DotenvTarget(path: path)
            let changes: [VariableChange] = [
                .set(name: Self.signingKey, value: Secret("signkey-prod-bb")),
                .set(name: Self.fallback, value: Secret("signkey-prod-aa")),
            ]
            try await target.apply(changes)
            let afterFirst = try contents(path)
            try backdate(path)
            let identity = try fileIdentity(path)
            try await target.apply(changes)
            #expect(try contents(path) == afterFirst)
            #expect(try fileIdentity(path) == identity)
        }
    }

    @Test func applyWritesThroughASymbolicLink() async throws {
        try await withDotenvFile("\(Self.signingKey)=signkey-prod-aa\n") { path in
            let link = FileIO.parentDirectory(of: path) + "/linked.env"
            #expect(symlink(path, link) == 0)
            try await DotenvTarget(path: link).apply([.set(name: Self.signingKey, value: Secret("signkey-prod-bb"))])
            var info = stat()
            #expect(lstat(link, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFLNK)
            #expect(try contents(path) == "\(Self.signingKey)=signkey-prod-bb\n")
        }
    }

    @Test func applyRefusesAnEditThatWouldNotLoadBack() async throws {
        // The unclosed quote would swallow the new value's opening quote.
        let original = "BROKEN=\"never closed\n\(Self.signingKey)=signkey-prod-aa\n"
        try await withDotenvFile(original) { (path: String) async throws in
            let error = await #expect(throws: DotenvTargetError.self) {
                try await DotenvTarget(path: path).apply([
                    .set(name: Self.signingKey, value: Secret("needs quoting"))
                ])
            }
            #expect(error == .editWouldNotLoadBack(name: Self.signingKey, path: path))
            #expect(error?.description.contains("needs quoting") == false)
            #expect(try FileIO.read(path) == Array(original.utf8))
        }
    }

    @Test func aMissingFileIsReported() async throws {
        try await withDotenvFile("") { path in
            let missing = path + ".missing"
            let target = DotenvTarget(path: missing)
            let readError = await #expect(throws: DotenvTargetError.self) { _ = try await target.read(["A"]) }
            #expect(readError == .fileMissing(path: missing))
            #expect(readError?.description == "dotenv '\(missing)': file does not exist")
            let applyError = await #expect(throws: DotenvTargetError.self) {
                try await target.apply([.set(name: "A", value: Secret("v"))])
            }
            #expect(applyError == .fileMissing(path: missing))
            #expect(!FileIO.exists(missing))
        }
    }

    @Test func aNonUTF8FileIsRefusedUntouched() async throws {
        try await withDotenvFile("") { path in
            let bytes: [UInt8] = [0x41, 0x3D, 0xFF, 0xFE, 0x0A]
            try FileIO.writeAtomically(bytes, to: path)
            let target = DotenvTarget(path: path)
            let error = await #expect(throws: DotenvTargetError.self) {
                try await target.apply([.set(name: "B", value: Secret("v"))])
            }
            #expect(error == .notUTF8(path: path))
            #expect(try FileIO.read(path) == bytes)
        }
    }

    // MARK: - Helpers

    /// Runs `body` with the path of a fresh dotenv file holding `text`, alone in a new temporary directory.
    private func withDotenvFile(
        _ text: String,
        mode: mode_t = 0o600,
        _ body: (String) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("rekey-dotenv-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/app.env"
        try FileIO.writeAtomically(Array(text.utf8), to: path, newFileMode: mode)
        try await body(path)
    }

    private func contents(_ path: String) throws -> String {
        try FileIO.readText(path)
    }

    /// Moves the modification time into the past, so that any rewrite would show.
    private func backdate(_ path: String) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)],
            ofItemAtPath: path
        )
    }

    /// Inode and modification time: both change when the file is replaced.
    private func fileIdentity(_ path: String) throws -> FileIdentity {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return FileIdentity(
            inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0,
            modified: attributes[.modificationDate] as? Date ?? .distantPast
        )
    }
}

private struct FileIdentity: Equatable {
    var inode: UInt64
    var modified: Date
}
