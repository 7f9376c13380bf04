import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The lock file is never followed, and the journal is locked by its inode, whatever name reaches it.
@Suite struct JournalFilesEndToEndTests {
    /// The bytes of `path`, or `nil` when nothing is there.
    private func bytes(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }

    /// Runs `rekey run` with `journal` up to stage-signing-keys, leaving a new, inactive signing key.
    private func startedRotation(_ sandbox: SandboxFixture, journal: String) async throws {
        let run = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", journal, "--until", "stage-signing-keys"], timeout: 60)
        guard run.status == 0 else { throw FixtureError(message: "\(run)") }
    }

    enum PlantedLock: String, CaseIterable {
        case symlink, hardLink
    }

    @Test(arguments: PlantedLock.allCases)
    func aPlantedLockFileIsNeitherFollowedNorWritten(planted: PlantedLock) async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let victim = sandbox.directory + "/victim.txt"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let started = sandbox.directory + "/started.jsonl"
        try await startedRotation(sandbox, journal: started)
        let journalBefore = bytes(started)

        for (command, journal) in [
            (["run", sandbox.playbook, "--journal", sandbox.journal], sandbox.journal),
            (["resume", started], started), (["abort", started], started),
        ] {
            let lock = journal + ".lock"
            try? FileManager.default.removeItem(atPath: lock)
            switch planted {
            case .symlink: #expect(symlink(victim, lock) == 0)
            case .hardLink: #expect(link(victim, lock) == 0)
            }
            let result = try await RekeyProcess.run(command, timeout: 60)
            #expect(result.status == 65 && !result.signaled, "\(planted) \(command[0]): \(result)")
            #expect(result.stderr.contains(lock), "\(result.stderr)")
            #expect(bytes(victim) == Data("precious\n".utf8), "\(planted) \(command[0]): the lock's target was written")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.journal))
        #expect(bytes(started) == journalBefore)
    }

    /// A rotation whose resume waits at confirm-redeploy (apps redeploy by hand), holding the lock.
    private func heldRotation(_ sandbox: SandboxFixture) async throws -> RekeyProcess.Running {
        let run = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy"], timeout: 60)
        guard run.status == 0 else { throw FixtureError(message: "\(run)") }
        let holder = try RekeyProcess.start(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let log = (try? String(contentsOfFile: sandbox.journal, encoding: .utf8)) ?? ""
            if log.contains(#""step":"confirm-redeploy","type":"step-started""#) { break }
            usleep(50_000)
        }
        return holder
    }

    @Test func aSecondProcessThroughAHardLinkExits75NamingTheHolder() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let holder = try await heldRotation(sandbox)
        defer { holder.kill() }
        let other = sandbox.directory + "/other-name.jsonl"
        #expect(link(sandbox.journal, other) == 0)
        for command in [["resume", other], ["abort", other], ["approve", other, "rotate-signing-key"]] {
            let second = try await RekeyProcess.run(command, timeout: 20)
            #expect(second.status == 75 && !second.signaled, "\(command): \(second)")
            #expect(second.stderr.contains("pid \(holder.process.processIdentifier)"), "\(second.stderr)")
        }
        holder.kill()
        _ = try await holder.finish()
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"], timeout: 30).status == 0)
    }

    @Test func aJournalReachedThroughASymlinkIsRefusedAsASymlink() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let run = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy"], timeout: 60)
        #expect(run.status == 0, "\(run)")
        let link = sandbox.directory + "/link.jsonl"
        #expect(symlink(sandbox.journal, link) == 0)
        let before = try sandbox.files()
        for command in [["resume", link, "--approve", "rotate-signing-key"], ["abort", link]] {
            let result = try await RekeyProcess.run(command, timeout: 20)
            #expect(result.status == 65 && !result.signaled, "\(command): \(result)")
            #expect(result.stderr.contains("symbolic link"), "\(result.stderr)")
        }
        #expect(try sandbox.files() == before)
    }
}
