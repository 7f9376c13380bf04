import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Files rekey creates are 0600; files it replaces keep their mode and owner; its temporary files live
/// next to the file they replace and never outlive a write.
@Suite struct FileModesTests {
    @Test func aNewFileIsOwnerOnly() throws {
        let directory = try TemporaryDirectory("rekey-modes")
        defer { directory.remove() }
        try FileIO.writeAtomically(Array("x".utf8), to: directory.file("new.json"))
        #expect(try FileIO.mode(directory.file("new.json")) == 0o600)
        #expect(try leftovers(in: directory.path).isEmpty)
    }

    @Test func aReplacedFileKeepsItsMode() throws {
        let directory = try TemporaryDirectory("rekey-modes")
        defer { directory.remove() }
        let path = directory.file("app.env")
        _ = FileManager.default.createFile(atPath: path, contents: Data("A=1\n".utf8))
        chmod(path, 0o640)
        try FileIO.writeAtomically(Array("A=2\n".utf8), to: path)
        #expect(try FileIO.mode(path) == 0o640)
        #expect(try FileIO.readText(path) == "A=2\n")
    }

    @Test(.enabled(if: getuid() == 0, "changing a file's owner needs root"))
    func aReplacedFileKeepsItsOwner() async throws {
        let directory = try TemporaryDirectory("rekey-modes")
        defer { directory.remove() }
        let path = directory.file("app.env")
        _ = FileManager.default.createFile(atPath: path, contents: Data("INNGEST_SIGNING_KEY=old\n".utf8))
        #expect(chown(path, 4321, 4322) == 0)
        chmod(path, 0o640)
        try await DotenvTarget(path: path).apply([
            .set(name: "INNGEST_SIGNING_KEY", value: Secret("signkey-prod-" + String(repeating: "ab", count: 32)))
        ])
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_uid == 4321)
        #expect(info.st_gid == 4322)
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(try leftovers(in: directory.path).isEmpty)
    }

    @Test func aFailedReplaceLeavesTheFileAndNoTemporaryFile() throws {
        let directory = try TemporaryDirectory("rekey-modes")
        defer { directory.remove() }
        // The destination is a directory: the rename fails after the temporary file was written.
        try FileManager.default.createDirectory(atPath: directory.file("plan.json"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(
            atPath: directory.file("plan.json/keep"), withIntermediateDirectories: false)
        #expect(throws: FileIOError.self) {
            try FileIO.writeAtomically(Array("{}".utf8), to: directory.file("plan.json"))
        }
        #expect(FileIO.isDirectory(directory.file("plan.json/keep")))
        #expect(try leftovers(in: directory.path).isEmpty)
    }

    private func leftovers(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".rekey-") }
    }
}
