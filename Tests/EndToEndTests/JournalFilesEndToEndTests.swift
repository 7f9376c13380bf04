import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// rekey never destroys a file it did not create: an existing `--journal` is replaced only when it is an
/// unfinished journal of the same playbook, and only once planning succeeded; links, devices, FIFOs and
/// directories are refused before anything is created; the lock file is never followed; and the journal
/// is locked by its inode, whatever name reaches it.
@Suite struct JournalFilesEndToEndTests {
    /// The bytes of `path`, or `nil` when nothing is there.
    private func bytes(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }

    /// The first line of a journal cut inside its playbook snapshot: what an older rekey left when it died
    /// while writing a journal's plan record.
    private func tornPlanRecord(of journal: String) throws -> Data {
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        let first = try #require(text.split(separator: "\n").first)
        let cut = try #require(first.range(of: #""text":"#))
        return Data((String(first[..<cut.upperBound]) + #""{\n  \"version\": 1"#).utf8)
    }

    /// Another state directory: the environment registry there does not know the rotations started with
    /// the default one, so a second rotation of the same sandbox gets past it (to planning, or to the lock).
    private func elsewhere(_ sandbox: SandboxFixture) -> [String: String] {
        ["REKEY_STATE_DIR": sandbox.directory + "/other-state"]
    }

    /// Runs `rekey run` with `journal` up to stage-signing-keys, leaving a new, inactive signing key; with
    /// its own state directory (``elsewhere(_:)``).
    private func startedRotation(_ sandbox: SandboxFixture, journal: String) async throws {
        let run = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", journal, "--until", "stage-signing-keys"],
            environment: elsewhere(sandbox), timeout: 60)
        guard run.status == 0 else { throw FixtureError(message: "\(run)") }
    }

    enum Occupant: String, CaseIterable {
        case notes, empty, otherPlaybooksTornJournal, completeJournal
    }

    @Test(arguments: Occupant.allCases)
    func anExistingFileThatIsNotAnUnfinishedJournalOfThisPlaybookIsLeftAsItIs(occupant: Occupant) async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let content: Data
        let expected: String
        switch occupant {
        case .notes:
            content = Data("my notes, no newline".utf8)
            expected = "not a journal"
        case .empty:
            content = Data()
            expected = "empty"
        case .otherPlaybooksTornJournal:
            let other = try SandboxFixture(apps: 1, eventKeys: 1)
            defer { other.remove() }
            try await startedRotation(other, journal: other.journal)
            content = try tornPlanRecord(of: other.journal)
            expected = "another playbook"
        case .completeJournal:
            let other = try SandboxFixture(apps: 1, eventKeys: 1)
            defer { other.remove() }
            try await startedRotation(other, journal: other.journal)
            content = try #require(bytes(other.journal))
            expected = "already exists"
        }
        try content.write(to: URL(fileURLWithPath: sandbox.journal))
        let before = try sandbox.files()

        let result = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"], timeout: 60)
        #expect(result.status == 65 && !result.signaled, "\(occupant): \(result)")
        #expect(result.stderr.contains(sandbox.journal) && result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(bytes(sandbox.journal) == content, "\(occupant): the file was changed")
        #expect(try sandbox.files() == before, "\(occupant): something was created or changed")
    }

    @Test func anUnfinishedJournalOfThisPlaybookIsReplacedOnlyOncePlanningSucceeded() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        // A first rotation leaves an inactive signing key, so planning a second one fails.
        let first = sandbox.directory + "/first.jsonl"
        try await startedRotation(sandbox, journal: first)
        let stillborn = try tornPlanRecord(of: first)
        try stillborn.write(to: URL(fileURLWithPath: sandbox.journal))

        let refused = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"], timeout: 60)
        #expect(refused.status == 1 && refused.stderr.contains("inactive signing key"), "\(refused)")
        #expect(bytes(sandbox.journal) == stillborn, "planning failed: the unfinished journal must stay as it was")

        let aborted = try await RekeyProcess.run(
            ["abort", first, "--yes"], environment: elsewhere(sandbox), timeout: 60)
        #expect(aborted.status == 0, "\(aborted)")
        let run = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"], timeout: 60)
        #expect(run.status == 0, "\(run)")
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"], timeout: 30).status == 0)
    }

    enum Special: String, CaseIterable {
        case directory, fifo, danglingSymlink, symlinkToAFile, device
    }

    @Test(arguments: Special.allCases)
    func aJournalPathThatIsNotARegularFileIsRefusedWithNothingChanged(special: Special) async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        // Outside the sandbox, whose files the test compares (reading a FIFO would block).
        let place = FileManager.default.temporaryDirectory.path + "/rekey-special-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: place, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: place) }
        let journal = place + "/rotation.jsonl"
        let victim = place + "/victim.txt"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let expected: String
        switch special {
        case .directory:
            try FileManager.default.createDirectory(atPath: journal, withIntermediateDirectories: false)
            expected = "is a directory"
        case .fifo:
            #expect(mkfifo(journal, 0o600) == 0)
            expected = "FIFO"
        case .danglingSymlink:
            #expect(symlink(place + "/nowhere.jsonl", journal) == 0)
            expected = "symbolic link"
        case .symlinkToAFile:
            #expect(symlink(victim, journal) == 0)
            expected = "symbolic link"
        case .device:
            // A private copy of /dev/null (root only); elsewhere, a FIFO stands in for a special file.
            if mknod(journal, S_IFCHR | 0o600, makedev(1, 3)) == 0 {
                expected = "character device"
            } else {
                #expect(mkfifo(journal, 0o600) == 0)
                expected = "FIFO"
            }
        }
        let before = try sandbox.files()
        let listing = try FileManager.default.contentsOfDirectory(atPath: place).sorted()

        for command in [
            ["run", sandbox.playbook, "--journal", journal, "--approve", "rotate-signing-key"],
            ["resume", journal], ["abort", journal], ["status", journal], ["log", journal, "--verify"],
        ] {
            let result = try await RekeyProcess.run(command, timeout: 30)
            #expect(result.status == 65 && !result.signaled, "\(special) \(command[0]): \(result)")
            #expect(result.stderr.contains(expected), "\(special) \(command[0]): \(result.stderr)")
            #expect(result.stderr.contains(journal), "names the path: \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: place).sorted() == listing)
        #expect(bytes(victim) == Data("precious\n".utf8))
        #expect(try sandbox.files() == before, "\(special): the rotation started")
    }

    private func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
        dev_t(((major & 0xFFF) << 8) | (minor & 0xFF))
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

        for (command, journal, environment) in [
            (["run", sandbox.playbook, "--journal", sandbox.journal], sandbox.journal, [:]),
            (["resume", started], started, elsewhere(sandbox)),
            (["abort", started, "--yes"], started, elsewhere(sandbox)),
        ] {
            let lock = journal + ".lock"
            try? FileManager.default.removeItem(atPath: lock)
            switch planted {
            case .symlink: #expect(symlink(victim, lock) == 0)
            case .hardLink: #expect(link(victim, lock) == 0)
            }
            let result = try await RekeyProcess.run(command, environment: environment, timeout: 60)
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
