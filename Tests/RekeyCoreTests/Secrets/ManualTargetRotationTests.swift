import Foundation
import RekeySandbox
import Testing

@testable import RekeyCore

/// A person sets a manual target's values: rekey pauses with instructions, `reveal` journals who saw
/// which value, and verification or `--approve` closes the item.
@Suite struct ManualTargetRotationTests {
    @Test func pausesWithNamesAndFingerprintsAndJournalsTheRequest() async throws {
        let harness = try RotationHarness(kinds: ["billing": .manual], verify: ["billing": "approval"])
        defer { harness.remove() }
        let recorder = EventRecorder()
        let outcome = try await harness.start(harness.session(observer: recorder))
        guard case .paused(let step, let reason) = outcome.result else {
            Issue.record("expected a pause, got \(outcome.result)")
            return
        }
        #expect(step == .stageSigningKeys)
        #expect(
            reason.contains(
                "app 'billing' waits for a person to set INNGEST_SIGNING_KEY, "
                    + "INNGEST_SIGNING_KEY_FALLBACK in the billing dashboard"))
        #expect(reason.contains("rekey reveal \(harness.journal) --app billing --var NAME"))

        let pause = try #require(try harness.records().last { $0.type == .paused && $0.item == "billing" })
        let variables = try #require(pause.data.outcome?.variables)
        #expect(Set(variables.keys) == [InngestVariables.signingKey, InngestVariables.signingKeyFallback])
        #expect(variables.values.allSatisfy { $0 != nil })
        let lines = recorder.guidedLines
        #expect(lines.contains("Change app 'billing' by hand in the billing dashboard:"))
        #expect(
            lines.contains { $0.contains("rekey reveal \(harness.journal) --app billing --var INNGEST_SIGNING_KEY") })
        // Other apps went ahead; nothing shows a value.
        #expect(try harness.records().contains { $0.type == .done && $0.step == .stageSigningKeys && $0.item == "api" })
        let scrubber = SecretScrubber(try harness.secrets())
        #expect(!scrubber.appears(in: try harness.journalBytes()))
        #expect(!scrubber.appears(in: Array((lines + [reason]).joined().utf8)))
    }

    @Test func approveConfirmsOnlyARequestThePersonWasShown() async throws {
        let harness = try RotationHarness(kinds: ["billing": .manual], verify: ["billing": "approval"])
        defer { harness.remove() }
        // Approving before anything was asked confirms nothing.
        let early = try await harness.start(harness.session(), approve: [.rotateSigningKey, .stageSigningKeys])
        guard case .paused(.stageSigningKeys, _) = early.result else {
            Issue.record("expected a pause at stage-signing-keys, got \(early.result)")
            return
        }
        let next = try await harness.resume(harness.session(), approve: [.rotateSigningKey, .stageSigningKeys])
        guard case .paused(let step, _) = next.result else {
            Issue.record("expected the next manual pause, got \(next.result)")
            return
        }
        #expect(step == .stageEventKeys)
        let done = try #require(
            try harness.records().last { $0.type == .done && $0.step == .stageSigningKeys && $0.item == "billing" })
        #expect(
            done.data.outcome?.detail == "set by hand in the billing dashboard; confirmed by tester "
                + "(--approve stage-signing-keys)")
    }

    @Test func verificationClosesTheItemOnceThePersonSetTheValues() async throws {
        let harness = try RotationHarness(kinds: ["billing": .manual])
        defer { harness.remove() }
        let first = try await harness.start(harness.session())
        guard case .paused(.stageSigningKeys, _) = first.result else {
            Issue.record("expected a pause, got \(first.result)")
            return
        }
        // The person looks the values up (reveal) and sets them in the dashboard.
        for variable in [InngestVariables.signingKey, InngestVariables.signingKeyFallback] {
            let reveal = try await harness.reveal("billing", variable)
            try harness.setByHand("billing", variable, try await reveal.reveal(by: "alice"))
        }
        let second = try await harness.resume(harness.session())
        guard case .paused(.stageEventKeys, _) = second.result else {
            Issue.record("expected the event-key pause, got \(second.result)")
            return
        }
        let done = try #require(
            try harness.records().last { $0.type == .done && $0.step == .stageSigningKeys && $0.item == "billing" })
        #expect(done.data.outcome?.detail == "set by hand in the billing dashboard; verified by platform")
    }

    @Test func revealJournalsWhoSawWhichValueButNeverTheValue() async throws {
        let harness = try RotationHarness(kinds: ["billing": .manual], verify: ["billing": "approval"])
        defer { harness.remove() }
        _ = try await harness.start(harness.session())
        let reveal = try await harness.reveal("billing", InngestVariables.signingKey)
        #expect(reveal.step == .stageSigningKeys)
        #expect(reveal.location == "the billing dashboard")
        let secret = try await reveal.reveal(by: "alice")
        let state = try SandboxStore(path: harness.scaffold.statePath).snapshot()
        let new = try #require(state.signingKeys.first { !$0.active })
        #expect(secret == new.key)
        #expect(reveal.fingerprint == new.fingerprint)

        let record = try #require(try harness.records().last)
        #expect(record.type == .reveal)
        #expect(record.item == "billing")
        #expect(record.step == .stageSigningKeys)
        #expect(record.data.by == "alice")
        #expect(record.data.variable == InngestVariables.signingKey)
        #expect(record.data.fingerprint == new.fingerprint)
        #expect(!SecretScrubber([secret]).appears(in: try harness.journalBytes()))
        // A reveal changes no state: the rotation resumes where it was.
        let status = try RotationSession.replay(try JournalReader.read(path: harness.journal))
        #expect(status.currentStep == .stageSigningKeys)
    }

    @Test func revealShowsOnlyWhatAManualTargetWasAskedFor() async throws {
        let harness = try RotationHarness(kinds: ["billing": .manual], verify: ["billing": "approval"])
        defer { harness.remove() }
        _ = try await harness.start(harness.session())
        await #expect(throws: RevealError.unknownApp("ghost", known: harness.scaffold.appNames)) {
            try await harness.reveal("ghost", InngestVariables.signingKey)
        }
        await #expect(throws: RevealError.notManual(app: "api", kind: "dotenv")) {
            try await harness.reveal("api", InngestVariables.signingKey)
        }
        await #expect(throws: RevealError.nothingRequested(app: "billing", variable: InngestVariables.eventKey)) {
            try await harness.reveal("billing", InngestVariables.eventKey)
        }
    }

    @Test func abortAsksThePersonToRestoreAndAcceptsTheirConfirmation() async throws {
        let harness = try RotationHarness(kinds: ["billing": .manual], verify: ["billing": "approval"])
        defer { harness.remove() }
        _ = try await harness.start(harness.session())
        _ = try await harness.resume(harness.session(), approve: [.stageSigningKeys])
        func abort(_ confirmed: Set<StepID>) async throws -> RotationSession.Outcome {
            try await harness.unlocked {
                try await harness.session().abort(
                    journalPath: harness.journal, by: "tester",
                    approvals: ApprovalSource(preApproved: confirmed, actor: "tester"))
            }
        }
        // Rollback runs backwards: the event key first, then the signing keys; each request is shown once
        // (the abort pauses) before a confirmation counts.
        let both: Set<StepID> = [.stageEventKeys, .stageSigningKeys]
        let first = try await abort(both)
        guard case .paused(.stageEventKeys, let reason) = first.result else {
            Issue.record("expected the abort to wait for the person, got \(first.result)")
            return
        }
        #expect(reason.contains("then 'rekey abort \(harness.journal)'"))
        let second = try await abort(both)
        guard case .paused(.stageSigningKeys, _) = second.result else {
            Issue.record("expected the abort to wait for the signing keys, got \(second.result)")
            return
        }
        let restored = try await abort(both)
        #expect(restored.result == .aborted)
        let undone = try harness.records().filter { $0.type == .undone && $0.item == "billing" }
        #expect(undone.count == 2)
        #expect(undone.allSatisfy { $0.data.outcome?.detail?.contains("confirmed by tester") == true })
    }
}
