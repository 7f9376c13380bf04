import Foundation
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A process killed between writing a temporary file and renaming it leaves `.NAME.rekey-XXXXXX` behind,
/// holding keys. The next write of NAME, and every run and resume, removes such files: only rekey's exact
/// pattern, only regular files of this user that no live writer holds and that are older than the sweep.
@Suite struct StaleTemporariesTests {
    static let key = "INNGEST_SIGNING_KEY=signkey-prod-" + String(repeating: "ab", count: 32) + "\n"

    /// Creates `name` in `directory` holding a key, last modified an hour ago.
    @discardableResult
    private func plant(_ name: String, in directory: TemporaryDirectory, age: TimeInterval = 3600) throws -> String {
        let path = directory.file(name)
        try Data(Self.key.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: path)
        return path
    }

    private func names(_ directory: TemporaryDirectory) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
    }

    @Test func aWriteRemovesRekeysOwnStaleTemporariesAndNothingElse() throws {
        let directory = try TemporaryDirectory("rekey-sweep")
        defer { directory.remove() }
        let target = directory.file("api.env")
        try Data("A=1\n".utf8).write(to: URL(fileURLWithPath: target))
        let stale = try plant(".api.env.rekey-Ab12Cd", in: directory)
        let alsoStale = try plant(".api.env.rekey-ZZ99zz", in: directory)
        var kept: Set<String> = ["api.env"]
        for decoy in [
            ".api.env.rekey-Ab12C", ".api.env.rekey-Ab12Cde", ".api.env.rekey-Ab12C!", ".worker.env.rekey-Ab12Cd",
            "api.env.rekey-Ab12Cd", ".api.env.rekeyAb12Cd", ".api.env.tmp-Ab12Cd",
        ] {
            try plant(decoy, in: directory)
            kept.insert(decoy)
        }
        let victim = try plant("victim.txt", in: directory)
        kept.insert("victim.txt")
        #expect(symlink(victim, directory.file(".api.env.rekey-Link01")) == 0)
        kept.insert(".api.env.rekey-Link01")
        try FileManager.default.createDirectory(
            atPath: directory.file(".api.env.rekey-Dir001"), withIntermediateDirectories: false)
        kept.insert(".api.env.rekey-Dir001")
        // A writer in another process still working on its temporary file holds a lock on it.
        let live = try plant(".api.env.rekey-Live01", in: directory)
        kept.insert(".api.env.rekey-Live01")
        let liveFD = open(live, O_RDONLY)
        defer { close(liveFD) }
        #expect(flock(liveFD, LOCK_EX) == 0)
        if getuid() == 0 {
            let foreign = try plant(".api.env.rekey-Other1", in: directory)
            #expect(chown(foreign, 4321, 4321) == 0)
            kept.insert(".api.env.rekey-Other1")
        }

        try FileIO.writeAtomically(Array("A=2\n".utf8), to: target)

        #expect(try names(directory) == kept)
        #expect(!FileIO.exists(stale) && !FileIO.exists(alsoStale))
        #expect(try FileIO.readText(target) == "A=2\n")
        #expect(try FileIO.readText(victim) == Self.key)
    }

    @Test func aTemporaryNewerThanTheWriteIsKept() throws {
        let directory = try TemporaryDirectory("rekey-sweep")
        defer { directory.remove() }
        let target = directory.file("api.env")
        try Data("A=1\n".utf8).write(to: URL(fileURLWithPath: target))
        try plant(".api.env.rekey-Newer1", in: directory, age: -60)
        try FileIO.writeAtomically(Array("A=2\n".utf8), to: target)
        #expect(try names(directory) == ["api.env", ".api.env.rekey-Newer1"])
    }

    @Test func sweepingATargetRemovesItsStaleTemporariesWithoutWritingIt() throws {
        let directory = try TemporaryDirectory("rekey-sweep")
        defer { directory.remove() }
        let target = directory.file("api.env")
        try Data("A=1\n".utf8).write(to: URL(fileURLWithPath: target))
        let before = try FileManager.default.attributesOfItem(atPath: target)[.modificationDate] as? Date
        try plant(".api.env.rekey-Ab12Cd", in: directory)
        try plant(".api.env.rekey-Fresh1", in: directory, age: 0)
        #expect(FileIO.removeStaleTemporaries(of: target) == 2)
        #expect(try names(directory) == ["api.env"])
        #expect(try FileManager.default.attributesOfItem(atPath: target)[.modificationDate] as? Date == before)
        #expect(FileIO.removeStaleTemporaries(of: directory.file("missing/app.env")) == 0)
    }

    /// What `run`, `resume` and `abort` sweep: beside every file the playbook's rotation replaces, and the
    /// journals a killed run was creating in the default journal directory.
    @Test func aPlaybooksSweepCoversItsTargetsItsStateAndJournalsBeingCreated() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(PlaybookFixture.validDocument)
        try FileManager.default.createDirectory(
            atPath: fixture.path(".rekey"), withIntermediateDirectories: false)
        var planted: [String] = []
        for name in [
            "apps/.api.env.rekey-Ab12Cd", "apps/.worker.env.rekey-Ab12Cd", ".sandbox.json.rekey-Ab12Cd",
            ".rekey/.rot-20261204-abcdef.jsonl.rekey-Ab12Cd",
        ] {
            let path = fixture.path(name)
            try Data(Self.key.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: path)
            planted.append(path)
        }
        try fixture.write(".rekey/.notes.txt.rekey-Ab12Cd", "kept: no journal's name")
        #expect(StaleTemporaries.remove(near: playbook) == 4)
        #expect(planted.allSatisfy { !FileIO.exists($0) })
        #expect(FileIO.exists(fixture.path(".rekey/.notes.txt.rekey-Ab12Cd")))
    }
}
