import Foundation
import RekeyCore
import RekeySandbox
import Testing

/// Inngest may answer an app's resync `pending` and finish it later: `resync-apps` follows the app's latest
/// sync to its outcome instead of counting `pending` as a failure, and pauses (resumably) if it never ends.
@Suite struct PendingSyncEndToEndTests {
    @Test func aPendingSyncIsFollowedToItsOutcome() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        try await SandboxStore(path: sandbox.statePath).mutate { $0.options.syncPendingMilliseconds = 1_500 }
        let result = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("the platform answered 'pending': following the sync"), "\(result.stdout)")
        #expect(try invariants.violations(fixture: sandbox) == [])
        let state = try SandboxStore(path: sandbox.statePath).snapshot()
        let active = try #require(state.activeSigningKey)
        for app in state.apps {
            let last = try #require(app.syncs.last)
            #expect(last.status == .success && last.signingKeyFingerprint == active.fingerprint)
        }
    }

    @Test func aSyncStillPendingAtTheTimeoutPausesAndResumeFinishes() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        // The gate's timeout (which bounds the wait for a sync too) down to 1 s; syncs pending for 10 minutes.
        var playbook = try JSONValue.parse(try FileIO.read(sandbox.playbook))
        if case .object(var root) = playbook, case .object(var options)? = root["options"] {
            options["confirmRedeploy"] = ["mode": "verify-or-approve", "timeout": "1s", "interval": "1s"]
            root["options"] = .object(options)
            playbook = .object(root)
        }
        try FileIO.writeAtomically(Array(playbook.serialized().utf8), to: sandbox.playbook)
        try await SandboxStore(path: sandbox.statePath).mutate { $0.options.syncPendingMilliseconds = 600_000 }

        let paused = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
            "--non-interactive",
        ])
        #expect(paused.status == 3, "\(paused)")
        #expect(paused.stdout.contains("its sync is still pending"), "\(paused.stdout)")
        let status = try await RekeyProcess.run(["status", sandbox.journal, "--json"])
        let decoded = try JSONDecoder().decode(RotationStatus.self, from: Data(status.stdout.utf8))
        #expect(decoded.steps.first { $0.id == .resyncApps }?.state == .waiting, "\(status.stdout)")

        // The platform finishes the sync; resuming resyncs (harmless) and goes on.
        try await SandboxStore(path: sandbox.statePath).mutate { $0.options.syncPendingMilliseconds = nil }
        let resumed = try await RekeyProcess.run(["resume", sandbox.journal, "--non-interactive"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try invariants.violations(fixture: sandbox) == [])
    }
}
