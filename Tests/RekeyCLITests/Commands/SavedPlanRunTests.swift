import Foundation
import RekeyCore
import RekeySandbox
import Testing

@testable import RekeyCLI

@Suite struct SavedPlanRunTests {
    /// Writes a saved plan of the sandbox and returns its path and plan.
    private func savePlan(_ sandbox: CLISandbox) async throws -> (String, RotationPlan) {
        let file = sandbox.directory + "/plan.json"
        let result = await sandbox.rekey(["plan", sandbox.playbook, "--out", file])
        #expect(result.code == .success, "\(result)")
        return (file, try SavedPlan.load(path: file))
    }

    @Test func runExecutesExactlyTheSavedPlan() async throws {
        try await CLISandbox.with { sandbox in
            let (file, plan) = try await savePlan(sandbox)
            let result = await sandbox.rekey(["run", file, "--journal", sandbox.journal, "--until", "confirm-redeploy"])
            #expect(result.code == .success, "\(result)")
            #expect(result.stdout.contains("plan \(plan.hash.prefix(12))"))
            let recorded = try #require(try sandbox.records().first?.data.plan)
            #expect(recorded == plan)
        }
    }

    /// A change to the live state after the plan was made, and the difference `run` must name.
    struct Drift: Sendable, CustomTestStringConvertible {
        var name: String
        var expected: String
        var change: @Sendable (CLISandbox) async throws -> Void
        var testDescription: String { name }
    }

    static let drifts: [Drift] = [
        Drift(name: "event key added", expected: "event key ek_") { sandbox in
            try await sandbox.store.mutate { state in
                _ = try state.createEventKey(name: "Late key", filter: .unrestricted)
            }
        },
        Drift(name: "event key removed", expected: "was removed ('Partner webhooks'") { sandbox in
            try await sandbox.store.mutate { state in
                let id = try #require(state.eventKeys.first { $0.name == "Partner webhooks" }).id
                try state.deleteEventKey(id: id)
            }
        },
        Drift(name: "filters changed", expected: "has other filters: allow events [orders/*") { sandbox in
            try await sandbox.store.mutate { state in
                let index = try #require(state.eventKeys.firstIndex { $0.name == "Orders service" })
                state.eventKeys[index].filter = KeyFilter(mode: .allow, events: ["orders/*"])
            }
        },
        Drift(name: "app set changed", expected: "app 'worker' is no longer registered on the platform") { sandbox in
            try await sandbox.unregister("worker")
        },
        Drift(name: "app configuration changed", expected: "app 'api': INNGEST_SIGNING_KEY_FALLBACK changed: absent →")
        {
            sandbox in
            let env = sandbox.scaffold.directory + "/apps/api.env"
            try (try String(contentsOfFile: env, encoding: .utf8) + "INNGEST_SIGNING_KEY_FALLBACK=something\n")
                .write(toFile: env, atomically: false, encoding: .utf8)
        },
        Drift(name: "capability lost", expected: "create-event-keys is now guided") { sandbox in
            try await sandbox.store.mutate { $0.options.disabledCapabilities = ["createEventKey"] }
        },
    ]

    @Test(arguments: drifts)
    func runRefusesAStalePlanAndPrintsTheDifference(drift: Drift) async throws {
        try await CLISandbox.with { sandbox in
            let (file, _) = try await savePlan(sandbox)
            try await drift.change(sandbox)
            let before = try sandbox.files()

            let result = await sandbox.rekey(["run", file, "--journal", sandbox.journal])
            #expect(result.code == .invalidInput, "\(result)")
            #expect(result.stderr.contains("is stale: the live state changed since it was made"))
            #expect(result.stderr.contains(drift.expected), "\(result)")
            #expect(result.stderr.contains("rekey plan \(sandbox.playbook) --out \(file)"))
            #expect(!FileManager.default.fileExists(atPath: sandbox.journal))
            #expect(try sandbox.files() == before, "a refused plan must change nothing")

            // The same refusal as a JSON event, with the differences as a list.
            let json = await sandbox.rekey(["run", file, "--journal", sandbox.journal, "--json"])
            #expect(json.code == .invalidInput)
            let event = try #require(json.jsonLines.last ?? nil)
            #expect(event["event"]?.stringValue == "error")
            #expect(
                event["differences"]?.arrayValue?.contains { $0.stringValue?.contains(drift.expected) == true } == true)
        }
    }

    @Test func runRefusesAnEditedPlan() async throws {
        try await CLISandbox.with { sandbox in
            let (file, _) = try await savePlan(sandbox)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            try text.replacingOccurrences(of: "create an inactive signing key", with: "create two signing keys")
                .write(toFile: file, atomically: false, encoding: .utf8)
            let result = await sandbox.rekey(["run", file, "--journal", sandbox.journal])
            #expect(result.code == .invalidInput, "\(result)")
            #expect(result.stderr.contains("its content does not match its hash"))
            #expect(!FileManager.default.fileExists(atPath: sandbox.journal))
        }
    }

    @Test func approvalsForAnotherPlanAreRefused() async throws {
        try await CLISandbox.with { sandbox in
            let (file, plan) = try await savePlan(sandbox)
            let other = String(repeating: "0", count: 12)

            // run PLAN --approve … --plan-hash OTHER: refused before anything happens.
            let refused = await sandbox.rekey([
                "run", file, "--journal", sandbox.journal, "--approve", "rotate-signing-key", "--plan-hash", other,
            ])
            #expect(refused.code == .invalidInput, "\(refused)")
            #expect(refused.stderr.contains("the approval is for plan \(other)"))
            #expect(!FileManager.default.fileExists(atPath: sandbox.journal))

            let staged = await sandbox.rekey(["run", file, "--journal", sandbox.journal, "--until", "confirm-redeploy"])
            #expect(staged.code == .success, "\(staged)")
            let journalBefore = try Data(contentsOf: URL(fileURLWithPath: sandbox.journal))

            // resume and approve with another plan's hash: refused, the journal untouched.
            for arguments in [
                ["resume", sandbox.journal, "--approve", "rotate-signing-key", "--plan-hash", other],
                ["approve", sandbox.journal, "rotate-signing-key", "--plan-hash", other],
            ] {
                let result = await sandbox.rekey(arguments)
                #expect(result.code == .invalidInput, "\(arguments): \(result)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: sandbox.journal)) == journalBefore)
            }

            // The reviewed plan's hash (a 12-character prefix, as printed) goes through and is recorded.
            let approved = await sandbox.rekey([
                "resume", sandbox.journal, "--approve", "rotate-signing-key", "--plan-hash",
                String(plan.hash.prefix(12)),
                "--by", "alice",
            ])
            #expect(approved.code == .success, "\(approved)")
            let approval = try #require(try sandbox.records().first { $0.type == .approval })
            #expect(approval.step == .rotateSigningKey)
            #expect(approval.data.by == "alice")
            #expect(approval.data.via == "flag")
            #expect(approval.data.planHash == plan.hash)
            #expect(approval.at.millisecondsSinceEpoch > 0)
        }
    }

    @Test(arguments: [
        (["GITHUB_ACTOR": "octocat"], "github:octocat"),
        (["GITLAB_USER_LOGIN": "gitlab-user"], "gitlab-user"),
        ([:], "tester"),
    ])
    func approvalsRecordTheCIActorElseTheUser(environment: [String: String], expected: String) async throws {
        try await CLISandbox.with { sandbox in
            let staged = await sandbox.rekey([
                "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "rotate-signing-key",
            ])
            #expect(staged.code == .success, "\(staged)")
            let approved = await sandbox.rekey(
                ["approve", sandbox.journal, "rotate-signing-key"], environment: environment)
            #expect(approved.code == .success, "\(approved)")
            let approval = try #require(try sandbox.records().first { $0.type == .approval })
            #expect(approval.data.by == expected)
            #expect(approval.data.via == "approve-command")
        }
    }

    @Test func planHashWithAPlaybookIsAUsageError() async throws {
        try await CLISandbox.with { sandbox in
            let result = await sandbox.rekey(["run", sandbox.playbook, "--plan-hash", "0123456789ab"])
            #expect(result.code == .usage, "\(result)")
            #expect(result.stderr.contains("needs a saved plan"))
            #expect(!FileManager.default.fileExists(atPath: sandbox.scaffold.directory + "/.rekey"))
        }
    }
}
