import Foundation
import RekeyCore
import RekeySandbox
import Testing

@testable import RekeyCLI

@Suite struct PlanCommandTests {
    @Test func planShowsCallsModesApprovalsAndThePointOfNoReturn() async throws {
        try await CLISandbox.with { sandbox in
            let result = await sandbox.rekey(["plan", sandbox.playbook])
            #expect(result.code == .success, "\(result)")
            let out = result.stdout
            #expect(out.contains("9 steps: 9 automatic, 0 guided · needs approval: rotate-signing-key"))
            #expect(out.contains("act: sandbox: createKey(signing)"))
            #expect(out.contains("act: sandbox: createKey(event, name: 'Orders service (rotated "))
            #expect(out.contains("act: write dotenv api.env: set INNGEST_SIGNING_KEY, INNGEST_SIGNING_KEY_FALLBACK"))
            #expect(out.contains("act: sandbox: resyncApp(worker)"))
            #expect(out.contains("act: write dotenv billing.env: delete the line INNGEST_SIGNING_KEY_FALLBACK"))
            #expect(out.contains("── point of no return"))
            #expect(out.contains("6. rotate-signing-key"))
            #expect(out.contains("[automatic, needs approval]"))
            #expect(out.contains("Nothing was changed."))
            // The point of no return's banner comes right before its step.
            let banner = try #require(out.range(of: "── point of no return"))
            let step = try #require(out.range(of: "6. rotate-signing-key"))
            #expect(banner.upperBound < step.lowerBound)
            #expect(!out[banner.upperBound..<step.lowerBound].contains("5. confirm-redeploy"))
        }
    }

    @Test func guidedStepsAreMarkedWithThePersonsInstructions() async throws {
        try await CLISandbox.with { sandbox in
            try await sandbox.store.mutate { $0.options.disabledCapabilities = ["createSigningKey"] }
            let result = await sandbox.rekey(["plan", sandbox.playbook])
            #expect(result.code == .success, "\(result)")
            #expect(result.stdout.contains("8 automatic, 1 guided"))
            #expect(
                result.stdout.contains(
                    "1. create-signing-key  Create a new signing key (inactive until the rotation)  [guided"))
            #expect(result.stdout.contains("act (guided, a person): "))
        }
    }

    @Test func planWarnsAboutAnUnfinishedEarlierRotationOfTheEnvironment() async throws {
        try await CLISandbox.with { sandbox in
            // A rotation started with the default journal (<playbook dir>/.rekey/) and left unfinished.
            let first = await sandbox.rekey(["run", sandbox.playbook, "--until", "create-signing-key"])
            #expect(first.code == .success, "\(first)")
            let journals = try FileManager.default.contentsOfDirectory(atPath: sandbox.scaffold.directory + "/.rekey")
                .filter { $0.hasSuffix(".jsonl") }
            let journal = try #require(journals.first)

            let result = await sandbox.rekey(["plan", sandbox.playbook])
            #expect(result.code == .success, "\(result)")
            #expect(result.stdout.contains("an earlier rotation of this environment is unfinished"))
            #expect(result.stdout.contains(journal))
            #expect(result.stdout.contains("at create-signing-key"))

            // Once it is finished, nothing is reported.
            let done = await sandbox.rekey([
                "resume", sandbox.scaffold.directory + "/.rekey/" + journal, "--approve", "rotate-signing-key",
            ])
            #expect(done.code == .success, "\(done)")
            let again = await sandbox.rekey(["plan", sandbox.playbook])
            #expect(again.code == .success, "\(again)")
            #expect(!again.stdout.contains("unfinished"))
        }
    }

    @Test func planWarnsAboutAppsThePlatformDoesNotKnow() async throws {
        try await CLISandbox.with { sandbox in
            try await sandbox.unregister("billing")
            let result = await sandbox.rekey(["plan", sandbox.playbook])
            #expect(result.code == .success, "\(result)")
            #expect(
                result.stdout.contains("app 'billing': the platform has no app 'billing', so resync-apps will fail"))
            #expect(result.stdout.contains("apps registered on the platform: api, worker"))
        }
    }

    @Test func planShowsHazardsAsWarnings() async throws {
        try await CLISandbox.with { sandbox in
            let env = sandbox.scaffold.directory + "/apps/api.env"
            try (try String(contentsOfFile: env, encoding: .utf8) + "INNGEST_SIGNING_KEY_FALLBACK=\n")
                .write(toFile: env, atomically: false, encoding: .utf8)
            let result = await sandbox.rekey(["plan", sandbox.playbook])
            #expect(result.code == .success, "\(result)")
            #expect(result.stdout.contains("Warnings (1)"))
            #expect(result.stdout.contains("app 'api': INNGEST_SIGNING_KEY_FALLBACK is set but EMPTY"))
        }
    }

    @Test func planChangesNothingInTheSandbox() async throws {
        try await CLISandbox.with { sandbox in
            let before = try sandbox.files()
            for arguments in [["plan", sandbox.playbook], ["plan", sandbox.playbook, "--json"]] {
                let result = await sandbox.rekey(arguments)
                #expect(result.code == .success, "\(result)")
            }
            #expect(try sandbox.files() == before)
        }
    }

    @Test func planJSONIsOneVersionedDocumentThatRunAccepts() async throws {
        try await CLISandbox.with { sandbox in
            let result = await sandbox.rekey(["plan", sandbox.playbook, "--json"])
            #expect(result.code == .success, "\(result)")
            let lines = result.jsonLines
            #expect(lines.count == 1)
            let document = try #require(lines.first ?? nil)
            #expect(document["schema"]?.stringValue == "rekey.plan/v1")
            #expect(document["plan"]?["version"]?.integerValue == 1)
            let plan = try SavedPlan.decode(Array(result.stdout.utf8), path: "stdout")
            #expect(plan.hashIsValid)
            #expect(result.stderr.isEmpty)

            let file = sandbox.directory + "/plan.json"
            try result.stdout.write(toFile: file, atomically: false, encoding: .utf8)
            let run = await sandbox.rekey(["run", file, "--journal", sandbox.journal, "--until", "create-event-keys"])
            #expect(run.code == .success, "\(run)")
            #expect(try sandbox.records().first?.data.plan?.hash == plan.hash)
        }
    }

    @Test func planOutWritesAPlanFileAndSaysHowToRunIt() async throws {
        try await CLISandbox.with { sandbox in
            let file = sandbox.directory + "/plan.json"
            let result = await sandbox.rekey(["plan", sandbox.playbook, "--out", file])
            #expect(result.code == .success, "\(result)")
            let plan = try SavedPlan.load(path: file)
            #expect(result.stdout.contains("Plan written to \(file) (hash \(plan.hash.prefix(12)))."))
            #expect(
                result.stdout.contains(
                    "rekey run \(file) --non-interactive --approve rotate-signing-key --plan-hash \(plan.hash.prefix(12))"
                )
            )
            #expect(try FileIO.mode(file) == 0o600)
        }
    }
}
