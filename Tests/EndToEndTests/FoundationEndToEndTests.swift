import Foundation
import RekeyCore
import Testing

/// The foundation's promises, checked with the built binary as a user would run it.
@Suite struct FoundationEndToEndTests {
    @Test func demoRunsAllNineStepsWithoutATerminal() async throws {
        let dir = FileManager.default.temporaryDirectory.path + "/rekey-demo-test-" + UUID().uuidString.prefix(6)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try await RekeyProcess.run(["demo", "--dir", dir])
        #expect(result.status == 0, "\(result)")
        for (index, step) in StepID.inngestProcedure.enumerated() {
            #expect(result.stdout.contains("[\(index + 1)/9] \(step)"), "missing step \(step)")
        }
        #expect(result.stdout.contains("point of no return"))
        #expect(result.stdout.contains("Journal: \(dir)/rotation.jsonl"))
        #expect(result.stdout.contains("Rotation finished"))
        #expect(FileManager.default.fileExists(atPath: dir + "/rotation.jsonl"))
    }

    @Test func untilConfirmRedeployThenResumeWithApprovalFinishes() async throws {
        let sandbox = try SandboxFixture()
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)

        let first = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy"]
        )
        #expect(first.status == 0, "\(first)")
        let status = try await RekeyProcess.run(["status", sandbox.journal, "--json"])
        #expect(status.status == 0, "\(status)")
        let parsed = try JSONDecoder().decode(RotationStatus.self, from: Data(status.stdout.utf8))
        #expect(parsed.steps.prefix(4).allSatisfy { $0.state == .done })
        #expect(parsed.steps.dropFirst(4).allSatisfy { $0.state == .pending })
        #expect(parsed.state == .inProgress)

        let text = try await RekeyProcess.run(["status", sandbox.journal])
        #expect(text.stdout.contains("stage-event-keys") && text.stdout.contains("done"))

        let resumed = try await RekeyProcess.run(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        #expect(resumed.status == 0, "\(resumed)")
        let final = try JSONDecoder().decode(
            RotationStatus.self,
            from: Data(try await RekeyProcess.run(["status", sandbox.journal, "--json"]).stdout.utf8)
        )
        #expect(final.state == .finished)
        #expect(final.steps.allSatisfy { $0.state == .done })
        #expect(try invariants.violations(fixture: sandbox) == [])
    }

    @Test func pointOfNoReturnWithoutApprovalPausesWithTheCommandToContinue() async throws {
        let sandbox = try SandboxFixture()
        defer { sandbox.remove() }
        let result = try await RekeyProcess.run(["run", sandbox.playbook, "--journal", sandbox.journal])
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout.contains("rekey resume \(sandbox.journal) --approve rotate-signing-key"))
        // Nothing past the gate happened: the old key is still there.
        #expect(try sandbox.state().signingKeys.count == 2)
    }

    @Test func abortAfterStagingRestoresTheSandboxAndFilesExactly() async throws {
        let sandbox = try SandboxFixture()
        defer { sandbox.remove() }
        let before = try sandbox.state()
        let filesBefore = try sandbox.files().filter { $0.key.hasPrefix("apps/") }

        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
        ])
        #expect(run.status == 0, "\(run)")
        #expect(try sandbox.files().filter { $0.key.hasPrefix("apps/") } != filesBefore)

        let abort = try await RekeyProcess.run(["abort", sandbox.journal, "--yes"])
        #expect(abort.status == 0, "\(abort)")
        #expect(try sandbox.files().filter { $0.key.hasPrefix("apps/") } == filesBefore)
        let after = try sandbox.state()
        #expect(after.signingKeys == before.signingKeys)
        #expect(after.eventKeys == before.eventKeys)
        let status = try await RekeyProcess.run(["status", sandbox.journal])
        #expect(status.stdout.contains("aborted"))
    }

    @Test func abortAfterThePointOfNoReturnIsRefused() async throws {
        let sandbox = try SandboxFixture()
        defer { sandbox.remove() }
        let run = try await RekeyProcess.run(
            [
                "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key", "--until",
                "resync-apps",
            ]
        )
        #expect(run.status == 0, "\(run)")
        let journalBefore = try Data(contentsOf: URL(fileURLWithPath: sandbox.journal))
        let abort = try await RekeyProcess.run(["abort", sandbox.journal, "--yes"])
        #expect(abort.status == 1, "\(abort)")
        #expect(abort.stderr.contains("point of no return"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: sandbox.journal)) == journalBefore)
    }

    @Test func resumeOfAFinishedRotationSaysSoAndExitsZero() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        #expect(
            try await RekeyProcess.run([
                "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
            ]).status == 0)
        let again = try await RekeyProcess.run(["resume", sandbox.journal])
        #expect(again.status == 0)
        #expect(again.stderr.contains("already finished"))
    }
}
