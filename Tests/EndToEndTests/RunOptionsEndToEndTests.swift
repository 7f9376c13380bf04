import Foundation
import RekeyCore
import RekeySandbox
import Testing

/// `--no-wait`, `--force`, and apps that can't be reached during their redeploy.
@Suite struct RunOptionsEndToEndTests {
    @Test func noWaitPausesAtOnceAndResumesAfterEachRedeploy() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        let started = Date()
        let first = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key", "--no-wait"]
        )
        #expect(first.status == 3, "\(first)")
        #expect(Date().timeIntervalSince(started) < 90, "--no-wait must not poll for the playbook's 2 minutes")
        #expect(first.stdout.contains("not confirmed"))
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        // Past the gate; drop-fallback then waits for the next redeploy.
        let second = try await RekeyProcess.run([
            "resume", sandbox.journal, "--no-wait", "--approve", "rotate-signing-key",
        ])
        #expect(second.status == 3, "\(second)")
        #expect(second.stdout.contains("INNGEST_SIGNING_KEY_FALLBACK"))
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let third = try await RekeyProcess.run(["resume", sandbox.journal, "--no-wait"])
        #expect(third.status == 0, "\(third)")
        #expect(try invariants.violations(fixture: sandbox) == [])
    }

    @Test func unreachableAppsAreWaitedForNotAnOutage() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let result = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key", "--no-wait"],
            environment: ["REKEY_SANDBOX_FAULTS": "rate=1,kinds=reset,ops=inspect", "REKEY_RETRY_BASE_DELAY": "0.001"]
        )
        // Not 69 (platform unavailable): an app that refuses connections is still redeploying.
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout.contains("can't be reached"))
        let resumed = try await RekeyProcess.run(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        #expect(resumed.status == 0, "\(resumed)")
    }

    @Test func anUnfinishedRotationInTheDefaultDirectoryBlocksANewOneUnlessForced() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let first = try await RekeyProcess.run(["run", sandbox.playbook, "--until", "stage-signing-keys"])
        #expect(first.status == 0, "\(first)")
        let second = try await RekeyProcess.run(["run", sandbox.playbook, "--until", "create-signing-key"])
        #expect(second.status == 1, "\(second)")
        #expect(second.stderr.contains("an earlier rotation of this environment is unfinished"))
        #expect(second.stderr.contains("--force"))
        let journals = try FileManager.default.contentsOfDirectory(atPath: sandbox.directory + "/.rekey")
            .filter { $0.hasSuffix(".jsonl") }
        #expect(journals.count == 1, "the refused run must not create a journal")
    }

    @Test func anExistingInactiveSigningKeyIsRefusedOrAdoptedWithForce() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        // Someone already clicked "Create new signing key" in the dashboard.
        let store = SandboxStore(path: sandbox.statePath)
        let created = try await store.mutate { try $0.createSigningKey().id }
        let invariants = try RotationInvariants(fixture: sandbox)

        let refused = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"]
        )
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("already has an inactive signing key (\(created)"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.journal))

        let forced = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key", "--force"]
        )
        #expect(forced.status == 0, "\(forced)")
        #expect(forced.stderr.contains("--force: the existing inactive signing key \(created)"))
        let state = try sandbox.state()
        #expect(state.signingKeys.map(\.id) == [created])
        #expect(state.signingKeys.first?.active == true)
        #expect(try invariants.violations(fixture: sandbox).filter { !$0.contains("old one") } == [])
    }
}
