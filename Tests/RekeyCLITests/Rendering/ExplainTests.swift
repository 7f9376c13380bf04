import Foundation
import RekeyCore
import RekeySandbox
import Testing

@testable import RekeyCLI

@Suite struct ExplainTests {
    /// A state to bring a rotation into, and what `explain` must say about it.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var prepare: @Sendable (CLISandbox) async throws -> Void
        var says: [String]
        var neverSays: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "fresh journal",
            prepare: { sandbox in
                _ = await sandbox.rekey([
                    "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "create-signing-key",
                ])
            },
            says: [
                "State: in progress at create-signing-key",
                "Nothing yet: no step has started, so nothing on the platform or in the apps has changed.",
                "Not reached: rotate-signing-key has not started.",
                "rolls back (nothing has changed yet).",
                "Next\n  rekey resume JOURNAL\n",
            ],
            neverSays: ["What failed", "PASSED"]
        ),
        Case(
            name: "failed step",
            prepare: { sandbox in
                _ = await sandbox.rekey([
                    "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
                ])
                try await sandbox.unregister("worker")
                _ = await sandbox.rekey(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
            },
            says: [
                "✗  5 confirm-redeploy: Confirm every app was redeployed and runs with the new keys (2/3 items done, then it failed)",
                "What failed\n  ✗ confirm-redeploy/worker (attempt 1, ",
                "not found on the platform: the sandbox has no app 'worker'",
                "The world does not match what the step needs: resuming repeats the failure until its cause is fixed.",
                "Not reached: rotate-signing-key has not started.",
                "Safe: 'rekey abort JOURNAL' rolls back: create-signing-key (1 item), stage-signing-keys (3 items), "
                    + "create-event-keys (2 items), stage-event-keys (3 items).",
                "Next\n  rekey resume JOURNAL\n",
            ],
            neverSays: ["PASSED"]
        ),
        Case(
            name: "paused at an approval",
            prepare: { sandbox in
                _ = await sandbox.rekey(["run", sandbox.playbook, "--journal", sandbox.journal])
            },
            says: [
                "State: in progress at rotate-signing-key: rotate-signing-key needs an approval (the point of no return)",
                "✓  5 confirm-redeploy",
                "Not reached: rotate-signing-key has not started.",
                "Nothing is broken: every app still accepts the old signing key",
                "Next\n  rekey resume JOURNAL --approve rotate-signing-key --plan-hash ",
                "Waiting on: an approver: rotate-signing-key is the point of no return",
            ],
            neverSays: ["What failed", "PASSED"]
        ),
        Case(
            name: "past the point of no return",
            prepare: { sandbox in
                _ = await sandbox.rekey([
                    "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "resync-apps", "--approve",
                    "rotate-signing-key", "--by", "alice",
                ])
                try await sandbox.unregister("billing")
                _ = await sandbox.rekey(["resume", sandbox.journal])
            },
            says: [
                "✓ rotate-signing-key approved by alice via flag at ",
                "✗ resync-apps/billing (attempt 1, ",
                "PASSED: rotate-signing-key started at ",
                "Going forward is the only safe direction: 'rekey resume JOURNAL' finishes the remaining steps.",
                "'rekey abort' refuses from here on.",
                "Next\n  rekey resume JOURNAL\n",
            ],
            neverSays: ["Not reached", "Nothing is broken"]
        ),
        Case(
            name: "finished",
            prepare: { sandbox in
                _ = await sandbox.rekey([
                    "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
                ])
            },
            says: [
                "State: finished",
                "✓  9 drop-fallback",
                "PASSED",
                "Nothing is left to do",
                "Next\n  Nothing: the rotation is finished.",
            ],
            neverSays: ["What failed", "rekey resume"]
        ),
        Case(
            name: "aborted",
            prepare: { sandbox in
                _ = await sandbox.rekey([
                    "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
                ])
                _ = await sandbox.rekey(["abort", sandbox.journal, "--non-interactive"])
            },
            says: [
                "State: aborted (rolled back)",
                "Nothing was left behind: the keys this rotation created are deleted",
                "Not reached: rotate-signing-key has not started.",
                "Next\n  Nothing: the rotation is over.",
            ],
            neverSays: ["What failed", "rekey resume"]
        ),
    ]

    @Test(arguments: cases)
    func explainSaysWhatRanWhatFailedWhatIsSafeAndWhatToRunNext(state: Case) async throws {
        try await CLISandbox.with { sandbox in
            try await state.prepare(sandbox)
            let result = await sandbox.rekey(["explain", sandbox.journal])
            #expect(result.code == .success, "\(result)")
            let text = result.stdout
            for section in ["What ran", "Point of no return", "What is safe now", "Next"] {
                #expect(text.contains("\n\(section)\n"), "missing section '\(section)':\n\(text)")
            }
            for expected in state.says {
                let expected = expected.replacingOccurrences(of: "JOURNAL", with: sandbox.journal)
                #expect(text.contains(expected), "missing '\(expected)':\n\(text)")
            }
            for unexpected in state.neverSays {
                #expect(!text.contains(unexpected), "unexpected '\(unexpected)':\n\(text)")
            }
        }
    }
}
