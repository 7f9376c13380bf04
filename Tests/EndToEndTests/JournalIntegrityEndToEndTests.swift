import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Damaged journals fail closed; a locked journal refuses a second process.
@Suite struct JournalIntegrityEndToEndTests {
    /// A sandbox with a journal stopped before confirm-redeploy (about 27 records).
    private func stoppedRotation() async throws -> SandboxFixture {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
        ])
        guard run.status == 0 else { throw FixtureError(message: "\(run)") }
        return sandbox
    }

    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func write(_ lines: [String], _ path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    enum Damage: String, CaseIterable {
        case editMiddle, editLast, deleteMiddle, deleteLast, reorder, editPlan
    }

    @Test(arguments: Damage.allCases)
    func damagedJournalIsRefusedNamingTheLine(damage: Damage) async throws {
        let sandbox = try await stoppedRotation()
        defer { sandbox.remove() }
        var all = try lines(sandbox.journal)
        let middle = all.count / 2
        let expectedLine: Int
        switch damage {
        case .editMiddle:
            all[middle] = all[middle].replacingOccurrences(of: "\"seq\":\(middle)", with: "\"seq\":\(middle) ")
            expectedLine = middle + 1
        case .editLast:
            all[all.count - 1] = all[all.count - 1].replacingOccurrences(of: "step-done", with: "step-dune")
            expectedLine = all.count
        case .deleteMiddle:
            all.remove(at: middle)
            expectedLine = middle + 1
        case .deleteLast:
            all.removeLast()
            expectedLine = all.count + 1
        case .reorder:
            all.swapAt(middle, middle + 1)
            expectedLine = middle + 1
        case .editPlan:
            all[0] = all[0].replacingOccurrences(of: "production", with: "productioN")
            expectedLine = 1
        }
        try write(all, sandbox.journal)

        let verify = try await RekeyProcess.run(["log", sandbox.journal, "--verify"])
        #expect(verify.status == 65, "\(damage): \(verify)")
        #expect(verify.stderr.contains("line \(expectedLine)"), "\(damage): \(verify.stderr)")
        let resume = try await RekeyProcess.run(["resume", sandbox.journal])
        #expect(resume.status == 65, "\(damage): \(resume)")
        #expect(resume.stderr.contains("line \(expectedLine)"))
        let status = try await RekeyProcess.run(["status", sandbox.journal])
        #expect(status.status == 65)
    }

    @Test func intactJournalVerifies() async throws {
        let sandbox = try await stoppedRotation()
        defer { sandbox.remove() }
        let verify = try await RekeyProcess.run(["log", sandbox.journal, "--verify"])
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.contains("hash chain intact"))
        #expect(
            try await RekeyProcess.run(["log", sandbox.journal]).stdout.contains(
                "intent create-signing-key/signing-key"))
    }

    /// The lock file's anchor names a record by seq and hash: next to a longer journal (another rotation's
    /// lock file copied there, or a journal swapped for another one), the record it names must match.
    @Test func anotherRotationsLockFileFailsVerificationOfALongerJournal() async throws {
        let sandbox = try await stoppedRotation()
        defer { sandbox.remove() }
        let other = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { other.remove() }
        let run = try await RekeyProcess.run([
            "run", other.playbook, "--journal", other.journal, "--until", "create-event-keys",
        ])
        #expect(run.status == 0, "\(run)")
        #expect(try lines(other.journal).count < lines(sandbox.journal).count)
        try Data(contentsOf: URL(fileURLWithPath: other.journal + ".lock"))
            .write(to: URL(fileURLWithPath: sandbox.journal + ".lock"))
        let anchored = try lines(other.journal).count

        let verify = try await RekeyProcess.run(["log", sandbox.journal, "--verify"])
        #expect(verify.status == 65, "\(verify)")
        #expect(verify.stderr.contains("line \(anchored)"), "\(verify.stderr)")
        for command in [["resume", sandbox.journal], ["status", sandbox.journal]] {
            let result = try await RekeyProcess.run(command)
            #expect(result.status == 65, "\(command): \(result)")
        }
    }

    @Test func tornLastLineIsReportedAndResumeContinues() async throws {
        let sandbox = try await stoppedRotation()
        defer { sandbox.remove() }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sandbox.journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"v":1,"seq":99,"type":"inte"#.utf8))
        try handle.close()
        let status = try await RekeyProcess.run(["status", sandbox.journal])
        #expect(status.status == 0)
        #expect(status.stdout.contains("incomplete"))
        let resume = try await RekeyProcess.run(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        #expect(resume.status == 0, "\(resume)")
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"]).status == 0)
        #expect(try await RekeyProcess.run(["log", sandbox.journal]).stdout.contains("torn"))
    }

    @Test func secondProcessOnALockedJournalExits75NamingTheHolder() async throws {
        // Manual redeploys: the first resume waits at confirm-redeploy, holding the lock.
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
        ])
        #expect(run.status == 0, "\(run)")
        let holder = try RekeyProcess.start(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        defer { holder.kill() }
        // Wait until the holder is waiting for the redeploy (it has the lock by then).
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let log = (try? String(contentsOfFile: sandbox.journal, encoding: .utf8)) ?? ""
            if log.contains("step-started\",\"step\":\"confirm-redeploy")
                || log.contains(#""step":"confirm-redeploy","type":"step-started""#)
            {
                break
            }
            usleep(50_000)
        }
        for command in [
            ["resume", sandbox.journal], ["abort", sandbox.journal],
            ["approve", sandbox.journal, "rotate-signing-key"],
        ] {
            let second = try await RekeyProcess.run(command)
            #expect(second.status == 75, "\(command): \(second)")
            #expect(second.stderr.contains("pid \(holder.process.processIdentifier)"), "\(second.stderr)")
        }
        holder.kill()
        _ = try await holder.finish()
    }
}
