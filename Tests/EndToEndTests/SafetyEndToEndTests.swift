import Foundation
import RekeyCore
import RekeySandbox
import RekeyTesting
import Testing

/// The paths through rekey that people and a changing world take, each of which once ended in an outage or
/// a leaked key while rekey printed a green check. After every step the safety invariants are checked on
/// the sandbox itself (``SafetyInvariants``), not through the engine.
@Suite struct SafetyEndToEndTests {
    /// `run --approve confirm-redeploy --approve rotate-signing-key` on apps that were never redeployed: the
    /// approval can't stand in for checks that say no, so the run pauses at the gate with the old key
    /// still active; an approval recorded ahead with `rekey approve` changes nothing either.
    @Test func anEarlyApprovalDoesNotSkipTheRedeployGate() async throws {
        let sandbox = try SandboxFixture(extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let before = try sandbox.state()
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "confirm-redeploy", "--approve",
            "rotate-signing-key", "--no-wait",
        ])
        #expect(run.status == 3, "\(run)")
        #expect(run.stdout.contains("Paused at confirm-redeploy"), "\(run)")
        #expect(run.stdout.contains("stands in only for apps rekey can't check"), "\(run)")
        try expectOldSigningKeyActive(sandbox, before)
        #expect(SafetyInvariants.outages(try sandbox.state(), directory: sandbox.directory) == [])

        let approve = try await RekeyProcess.run(["approve", sandbox.journal, "confirm-redeploy"])
        #expect(approve.status == 75 || approve.status == 64 || approve.status == 0, "\(approve)")
        let resume = try await RekeyProcess.run([
            "resume", sandbox.journal, "--approve", "rotate-signing-key", "--no-wait",
        ])
        #expect(resume.status == 3, "\(resume)")
        try expectOldSigningKeyActive(sandbox, before)
        let journal = try FileIO.readText(sandbox.journal)
        #expect(!journal.contains(#""step":"rotate-signing-key""#), "the point of no return was not crossed")

        // Once the apps really run the new keys, the same resume goes on, to drop-fallback (a redeploy again),
        // and finishes with nothing left behind.
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let rotate = try await RekeyProcess.run([
            "resume", sandbox.journal, "--approve", "rotate-signing-key", "--no-wait",
        ])
        #expect(rotate.status == 3, "\(rotate)")
        #expect(rotate.stdout.contains("Paused at drop-fallback"), "\(rotate)")
        #expect(SafetyInvariants.outages(try sandbox.state(), directory: sandbox.directory) == [])
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let finish = try await RekeyProcess.run(["resume", sandbox.journal])
        #expect(finish.status == 0, "\(finish)")
        let after = try sandbox.state()
        #expect(SafetyInvariants.outages(after, directory: sandbox.directory) == [])
        let replaced = SafetyInvariants.replaced(by: try JournalReader.read(path: sandbox.journal).plan)
        #expect(replaced.ids.count == 1 + before.eventKeys.count)
        #expect(
            SafetyInvariants.leaks(
                replaced: replaced.ids, rotatedSigningKey: true, after: after, directory: sandbox.directory) == [])
    }

    /// Abort after the apps were redeployed with the new keys: the files are restored at once, but no key is
    /// deleted while an app runs it (`--no-wait` pauses); after the apps run their old keys again the abort
    /// deletes the new keys, and says which ones.
    @Test func abortDeletesTheNewKeysOnlyOnceNoAppRunsThem() async throws {
        let sandbox = try SandboxFixture(extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let before = try sandbox.state()
        let files = try sandbox.files().filter { $0.key.hasPrefix("apps/") }
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
        ])
        #expect(run.status == 0, "\(run)")
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let staged = try sandbox.state()
        let newEventKeys = staged.eventKeys.filter { key in !before.eventKeys.contains { $0.id == key.id } }
        #expect(newEventKeys.count == before.eventKeys.count)

        // No terminal and no --yes: refused, nothing changed.
        let unconfirmed = try await RekeyProcess.run(["abort", sandbox.journal])
        #expect(unconfirmed.status == 64, "\(unconfirmed)")
        #expect(unconfirmed.stderr.contains("--yes"))
        #expect(try sandbox.state().eventKeys.count == staged.eventKeys.count)

        let waiting = try await RekeyProcess.run(["abort", sandbox.journal, "--yes", "--no-wait"])
        #expect(waiting.status == 3, "\(waiting)")
        #expect(try sandbox.files().filter { $0.key.hasPrefix("apps/") } == files, "the files are restored first")
        let held = try sandbox.state()
        #expect(held.eventKeys.count == staged.eventKeys.count, "no key an app runs is deleted")
        #expect(held.signingKeys.count == 2)
        #expect(SafetyInvariants.outages(held, directory: sandbox.directory) == [])

        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let abort = try await RekeyProcess.run(["abort", sandbox.journal, "--yes"])
        #expect(abort.status == 0, "\(abort)")
        let after = try sandbox.state()
        #expect(after.signingKeys == before.signingKeys)
        #expect(after.eventKeys == before.eventKeys)
        #expect(SafetyInvariants.outages(after, directory: sandbox.directory) == [])
        for key in newEventKeys {
            #expect(abort.stdout.contains("deleted the new event key \(key.id)"), "\(abort)")
        }
        for key in before.eventKeys {
            #expect(!abort.stdout.contains("deleted the new event key \(key.id)"), "the old key is kept, not deleted")
        }
        let again = try await RekeyProcess.run(["abort", sandbox.journal, "--yes"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("was aborted"), "\(again)")
    }

    @Test func abortOfAFinishedRotationSaysThereIsNothingToAbort() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
        ])
        #expect(run.status == 0, "\(run)")
        let journal = try Data(contentsOf: URL(fileURLWithPath: sandbox.journal))
        let abort = try await RekeyProcess.run(["abort", sandbox.journal, "--yes"])
        #expect(abort.status == 0, "\(abort)")
        #expect(abort.stderr.contains("nothing to abort"), "\(abort)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: sandbox.journal)) == journal)
    }

    /// A replacement event key deleted (or its filters edited) in the dashboard mid-rotation: the old key is
    /// not deleted, and the refusal names the difference and the check to override.
    @Test(arguments: ["deleted", "filters edited"])
    func aReplacementKeyChangedInTheDashboardStopsTheDeletionOfTheOldKey(change: String) async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 2)
        defer { sandbox.remove() }
        let before = try sandbox.state()
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key", "--until",
            "delete-old-event-keys",
        ])
        #expect(run.status == 0, "\(run)")
        let old = before.eventKeys[0]
        let store = SandboxStore(path: sandbox.statePath)
        let replacement = try #require(
            try store.snapshot().eventKeys.first { $0.name.hasPrefix(old.name + " (rotated") })
        try await store.mutate { state in
            if change == "deleted" {
                try state.deleteEventKey(id: replacement.id)
            } else {
                let index = state.eventKeys.firstIndex { $0.id == replacement.id }!
                state.eventKeys[index].filter = KeyFilter(mode: .allow, events: ["everything/*"], ips: [])
            }
        }
        let resume = try await RekeyProcess.run(["resume", sandbox.journal])
        #expect(resume.status == 1, "\(resume)")
        let output = resume.stdout + resume.stderr
        #expect(output.contains("refused by the safety check delete-old-event-keys/\(old.id)"), "\(resume)")
        #expect(output.contains(change == "deleted" ? "is not on the platform any more" : "its filters were changed"))
        #expect(output.contains("rekey override"), "the way out is named")
        #expect(try sandbox.state().eventKeys.contains { $0.id == old.id }, "the old key is kept")
        #expect(try FileIO.readText(sandbox.journal).contains(#""verdict":"fail""#), "the verdict is journaled")
    }

    /// A second rotation of the same environment is refused wherever its journal is: by the environment's
    /// registry, and (another machine, another state directory) by the platform's own keys.
    @Test(arguments: ["inngest-event-keys", "eventnerds"])
    func aSecondRotationIsRefusedWhereverTheJournalLives(procedure: String) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/rekey-second-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sandbox = directory + "/sandbox"
        var initArguments = ["sandbox", "init", sandbox, "--apps", "3", "--event-keys", "2"]
        if procedure == "eventnerds" { initArguments += ["--platform", "eventnerds"] }
        #expect(try await RekeyProcess.run(initArguments).status == 0)
        let playbook = sandbox + "/playbook.json"
        if procedure != "eventnerds" {
            let text = try FileIO.readText(playbook)
            try text.replacingOccurrences(of: #""procedure": "inngest""#, with: #""procedure": "\#(procedure)""#)
                .replacingOccurrences(
                    of: #""requireApproval": \[[^\]]*\]"#, with: #""requireApproval": ["delete-old-event-keys"]"#,
                    options: .regularExpression
                )
                .write(toFile: playbook, atomically: true, encoding: .utf8)
        }
        let seal = PlatformFixture.environment
        let keys = { () throws -> Int in
            let state = try SandboxStore(path: sandbox + "/sandbox.json").snapshot()
            return procedure == "eventnerds" ? state.apiKeys.count : state.eventKeys.count
        }
        let keysBefore = try keys()
        let first = try await RekeyProcess.run(
            ["run", playbook, "--journal", directory + "/a.jsonl", "--until", "confirm-redeploy"], environment: seal)
        #expect(first.status == 0, "\(first)")
        let started = try keys()
        #expect(started > keysBefore)

        let second = try await RekeyProcess.run(
            ["run", playbook, "--journal", directory + "/b.jsonl"], environment: seal)
        #expect(second.status == 1, "\(second)")
        #expect(second.stderr.contains("unfinished"), "\(second)")
        #expect(second.stderr.contains(directory + "/a.jsonl"), "the other journal is named")
        #expect(!FileIO.exists(directory + "/b.jsonl"))

        // Another machine (its own state directory) still sees it, on the platform.
        let elsewhere = try await RekeyProcess.run(
            ["run", playbook, "--journal", directory + "/c.jsonl"],
            environment: seal.merging(["REKEY_STATE_DIR": directory + "/other-state"]) { $1 })
        #expect(elsewhere.status == 1, "\(elsewhere)")
        #expect(elsewhere.stderr.contains("looks unfinished"), "\(elsewhere)")
        #expect(try keys() == started, "no second set of keys")
    }

    /// Two rotations of one environment started at the same instant, with different journals, twenty times:
    /// never two sets of keys, and the loser says why.
    @Test func twoRotationsStartedTogetherNeverBothProceed() async throws {
        for trial in 0..<20 {
            let sandbox = try SandboxFixture(apps: 2, eventKeys: 2)
            defer { sandbox.remove() }
            let before = try sandbox.state()
            let arguments = { (name: String) in
                [
                    "run", sandbox.playbook, "--journal", sandbox.directory + "/\(name).jsonl", "--until",
                    "confirm-redeploy",
                ]
            }
            let a = try RekeyProcess.start(arguments("a"))
            let b = try RekeyProcess.start(arguments("b"))
            async let first = offThePool { a.wait() }
            async let second = offThePool { b.wait() }
            let results = [try await first, try await second]
            let statuses = results.map(\.status).sorted()
            let state = try sandbox.state()
            #expect(state.signingKeys.count <= 2, "trial \(trial): \(state.signingKeys.count) signing keys")
            #expect(
                state.eventKeys.count <= 2 * before.eventKeys.count,
                "trial \(trial): \(state.eventKeys.count) event keys")
            #expect(statuses.first == 0, "trial \(trial): \(results)")
            #expect(statuses.last == 75 || statuses.last == 1, "trial \(trial): \(results)")
        }
    }

    /// An app running with an empty `INNGEST_SIGNING_KEY` is a hazard the gate names (not a timeout), and an
    /// app that comes back with an empty fallback is named as such at drop-fallback.
    @Test func emptyKeysAreHazardsNamedAtTheGateAndAtDropFallback() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let before = try sandbox.state()
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
        ])
        #expect(run.status == 0, "\(run)")
        let worker = before.apps[1].name
        try setVariable(sandbox.envFile(worker), "INNGEST_SIGNING_KEY", to: "")
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let gate = try await RekeyProcess.run(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        #expect(gate.status == 1, "a hazard, not 'not confirmed' (exit 3): \(gate)")
        #expect((gate.stdout + gate.stderr).contains("app '\(worker)' has INNGEST_SIGNING_KEY set but empty"))
        try expectOldSigningKeyActive(sandbox, before)

        // Fixed: stage again (the journal's stage step is done, so put the new key back by hand), redeploy, go on.
        let journal = try JournalReader.read(path: sandbox.journal)
        let newID = try #require(
            journal.records.last { $0.type == .done && $0.step == .createSigningKey }?.data.outcome?.keyID)
        let newKey = try #require(try sandbox.state().signingKeys.first { $0.id == newID }).key.exposeValue()
        try setVariable(sandbox.envFile(worker), "INNGEST_SIGNING_KEY", to: newKey)
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let toFallback = try await RekeyProcess.run([
            "resume", sandbox.journal, "--approve", "rotate-signing-key", "--until", "drop-fallback",
        ])
        #expect(toFallback.status == 0, "\(toFallback)")
        try setVariable(sandbox.envFile(worker), "INNGEST_SIGNING_KEY_FALLBACK", to: "")
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let drop = try await RekeyProcess.run(["resume", sandbox.journal, "--no-wait"])
        #expect(drop.status == 1, "\(drop)")
        let output = drop.stdout + drop.stderr
        #expect(output.contains("app '\(worker)' has INNGEST_SIGNING_KEY_FALLBACK set but empty"), "\(drop)")
        #expect(!output.contains("(the old key)"), "an empty fallback is not described as the old key")
    }

    @Test func aDevModeAppIsAHazardAtTheGate() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        let api = try sandbox.state().apps[0].name
        try setVariable(sandbox.envFile(api), "INNGEST_DEV", to: "no")
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
        ])
        #expect(run.status == 1, "\(run)")
        #expect((run.stdout + run.stderr).contains("app '\(api)' runs in dev mode"), "\(run)")
    }

    /// An override names its check, carries a reason and who gave it; it is refused for a check that did not
    /// fail and without a reason; and it shows in `status`, `explain`, `log` and the GitHub step summary.
    @Test func anOverrideIsExplicitAndVisibleEverywhere() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let worker = try sandbox.state().apps[1].name
        let check = "confirm-redeploy/\(worker)"
        let run = try await RekeyProcess.run([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "rotate-signing-key", "--no-wait",
        ])
        #expect(run.status == 3, "\(run)")
        #expect(run.stdout.contains("rekey override \(sandbox.journal) \(check) --reason"), "the way out is named")

        let journal = try Data(contentsOf: URL(fileURLWithPath: sandbox.journal))
        for (arguments, fragment) in [
            (["override", sandbox.journal, check], "needs a reason"),
            (["override", sandbox.journal, check, "--reason", "  "], "needs a reason"),
            (["override", sandbox.journal, "rotate-signing-key/signing-key", "--reason", "x"], "has not failed"),
            (["resume", sandbox.journal, "--reason", "x"], "--override CHECK"),
            (["resume", sandbox.journal, "--override", check], "needs a reason"),
        ] {
            let refused = try await RekeyProcess.run(arguments)
            #expect(refused.status == 64, "\(arguments): \(refused)")
            #expect(refused.stderr.contains(fragment), "\(arguments): \(refused)")
            #expect(refused.stderr.split(separator: "\n").count <= 3, "one line (and the usage hint): \(refused)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: sandbox.journal)) == journal, "nothing changed")
        }

        // The api redeploys; the worker does not, and a person overrides its check.
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory, "api"]).status == 0)
        let override = try await RekeyProcess.run([
            "override", sandbox.journal, check, "--reason", "worker is drained; redeployed by hand later", "--by",
            "alice",
        ])
        #expect(override.status == 0, "\(override)")
        let summary = sandbox.directory + "/summary.md"
        let resume = try await RekeyProcess.run(
            ["resume", sandbox.journal, "--until", "rotate-signing-key", "--no-wait"],
            environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        #expect(resume.status == 0, "\(resume)")

        let status = try await RekeyProcess.run(["status", sandbox.journal])
        #expect(status.stdout.contains("\(check) overridden by alice via override-command"), "\(status)")
        #expect(status.stdout.contains("worker is drained"))
        let json = try await RekeyProcess.run(["status", sandbox.journal, "--json"])
        let decoded = try JSONDecoder().decode(RotationStatus.self, from: Data(json.stdout.utf8))
        #expect(decoded.overrides.map(\.check) == [check])
        #expect(decoded.overrides.first?.used == true)
        let explain = try await RekeyProcess.run(["explain", sandbox.journal])
        #expect(explain.stdout.contains("Checks a person overrode"), "\(explain)")
        #expect(explain.stdout.contains(check))
        let log = try await RekeyProcess.run(["log", sandbox.journal])
        #expect(log.stdout.contains("override check \(check) by alice via override-command"), "\(log)")
        #expect(log.stdout.contains("because: worker is drained"))
        #expect(log.stdout.contains("check \(check): FAIL"))
        let markdown = try FileIO.readText(summary)
        #expect(markdown.contains("**Overrides**"), "\(markdown)")
        #expect(markdown.contains("`\(check)` by alice"))
        #expect(SafetyInvariants.silentOverrides(try JournalReader.read(path: sandbox.journal).records) == [])
    }

    // MARK: - Helpers

    private func expectOldSigningKeyActive(_ sandbox: SandboxFixture, _ before: SandboxState) throws {
        let state = try sandbox.state()
        #expect(state.activeSigningKey?.id == before.activeSigningKey?.id, "the old signing key is still active")
    }

    private func setVariable(_ path: String, _ name: String, to value: String) throws {
        var document = DotenvDocument(parsing: try FileIO.readText(path))
        document.set(name, to: value, after: nil)
        try FileIO.writeAtomically(Array(document.text.utf8), to: path)
    }
}
