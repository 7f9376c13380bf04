import Foundation
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Reads are bounded and touch only regular files; a replace never destroys something that is not a
/// regular file.
@Suite(.timeLimit(.minutes(1))) struct FileIOTests {
    @Test func aReadStopsAtItsLimit() throws {
        let directory = try TemporaryDirectory("rekey-fileio")
        defer { directory.remove() }
        let path = directory.file("big.json")
        try Data(repeating: 0x20, count: 1000).write(to: URL(fileURLWithPath: path))
        #expect(try FileIO.read(path, limit: 1000).count == 1000)
        #expect {
            try FileIO.read(path, limit: 999)
        } throws: { error in
            guard let error = error as? FileIOError else { return false }
            return error.problem == .tooLarge(limit: 999) && error.description.contains("larger than 999 bytes")
        }
    }

    @Test func whatIsNotARegularFileIsRefusedBeforeItIsRead() throws {
        let directory = try TemporaryDirectory("rekey-fileio")
        defer { directory.remove() }
        let fifo = directory.file("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [(fifo, FileKind.fifo), (directory.path, .directory), ("/dev/null", .characterDevice)] {
            #expect {
                try FileIO.read(path)
            } throws: { error in
                (error as? FileIOError)?.problem == .notRegular(kind)
            }
        }
        #expect(FileIO.kind(of: fifo) == .fifo)
        #expect(FileIO.kind(of: directory.file("absent")) == nil)
    }

    @Test func aFileReadWithoutFollowingLinksRefusesALink() throws {
        let directory = try TemporaryDirectory("rekey-fileio")
        defer { directory.remove() }
        let file = directory.file("a.json")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: file))
        #expect(symlink(file, directory.file("link.json")) == 0)
        #expect(try FileIO.read(directory.file("link.json")) == Array("{}".utf8))
        #expect {
            try FileIO.read(directory.file("link.json"), followingLinks: false)
        } throws: { error in
            (error as? FileIOError)?.problem == .notRegular(.symbolicLink)
        }
    }

    @Test func aReplaceRefusesWhatIsNotARegularFileAndLeavesIt() throws {
        let directory = try TemporaryDirectory("rekey-fileio")
        defer { directory.remove() }
        let victim = directory.file("victim.txt")
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let link = directory.file("plan.json")
        #expect(symlink(victim, link) == 0)
        let fifo = directory.file("fifo.json")
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [(link, FileKind.symbolicLink), (fifo, .fifo)] {
            #expect {
                try FileIO.writeAtomically(Array("{}".utf8), to: path)
            } throws: { error in
                (error as? FileIOError)?.problem == .notRegular(kind)
            }
            #expect(FileIO.kind(of: path) == kind)
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                "fifo.json", "plan.json", "victim.txt",
            ])
    }
}
