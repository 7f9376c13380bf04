import Foundation
import RekeyCore
import RekeySandbox
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Full rotations of the other platforms with the built binary: an EventNerds account and a self-hosted
/// Inngest server (both emulated by the sandbox, in process and over HTTP) and the platform behind the
/// example exec plugin. Each must reach the same end state as the Inngest procedure (one live new key per
/// old one, the old keys gone, every app on its new key) with no secret in the journal or the output.
@Suite(.serialized) struct PlatformsEndToEndTests {
    @Test(arguments: PlatformFixture.Kind.allCases)
    func aFullRotationConvergesAndLeaksNoSecret(kind: PlatformFixture.Kind) async throws {
        let fixture = try PlatformFixture(kind)
        defer { fixture.remove() }
        let invariants = try PlatformInvariants(fixture: fixture)
        let result = try await RekeyProcess.run(fixture.runArguments, environment: PlatformFixture.environment)
        #expect(result.status == 0, "\(result)")
        #expect(try invariants.violations(fixture: fixture) == [])
        #expect(try await RekeyProcess.run(["log", fixture.journal, "--verify"]).status == 0)
        let status = try await RekeyProcess.run(["status", fixture.journal, "--json"])
        #expect(try JSONDecoder().decode(RotationStatus.self, from: Data(status.stdout.utf8)).state == .finished)

        var scan = SecretScan()
        scan.add(invariants.before.secrets + (try fixture.snapshot().secrets))
        try scan.search(file: fixture.journal)
        scan.search("stdout", result.stdout)
        scan.search("stderr", result.stderr)
        #expect(scan.secretCount >= 4)
        #expect(scan.hits.isEmpty, "\(scan.hits)")
    }

    /// `rekey sandbox show` works on every kind of sandbox, the example plugin's included (whose state is the
    /// plugin's own file), in text and JSON, and names keys without their secrets.
    @Test(arguments: PlatformFixture.Kind.allCases)
    func sandboxShowListsTheKeysWithoutTheirSecrets(kind: PlatformFixture.Kind) async throws {
        let fixture = try PlatformFixture(kind)
        defer { fixture.remove() }
        let snapshot = try fixture.snapshot()
        let text = try await RekeyProcess.run(["sandbox", "show", fixture.directory])
        let json = try await RekeyProcess.run(["sandbox", "show", fixture.directory, "--json"])
        #expect(text.status == 0, "\(text)")
        #expect(json.status == 0, "\(json)")
        #expect((try? JSONValue.parse(Array(json.stdout.utf8))) != nil, "not JSON: \(json.stdout)")
        for key in snapshot.keys {
            #expect(text.stdout.contains(key.id) && json.stdout.contains(key.id), "key \(key.id) not shown")
            let fingerprint = Fingerprint(ofUTF8: key.secret).hex
            #expect(text.stdout.contains(fingerprint) && json.stdout.contains(fingerprint))
        }
        var scan = SecretScan()
        scan.add(snapshot.secrets)
        scan.search("text", text.stdout + text.stderr)
        scan.search("json", json.stdout + json.stderr)
        #expect(scan.hits.isEmpty, "\(scan.hits)")

        if kind == .plugin {
            // Commands that need the sandbox's own state say what this sandbox is, instead of "does not exist".
            for command in [["redeploy"], ["serve"]] {
                let refused = try await RekeyProcess.run(["sandbox"] + command + [fixture.directory])
                #expect(refused.status == 64, "\(refused)")
                #expect(refused.stderr.contains("is a sandbox of the example plugin"), "\(refused.stderr)")
            }
        }
    }

    @Test(arguments: PlatformFixture.Kind.allCases)
    func abortBeforeThePointOfNoReturnPutsEverythingBack(kind: PlatformFixture.Kind) async throws {
        let fixture = try PlatformFixture(kind)
        defer { fixture.remove() }
        let before = try fixture.snapshot()
        let staged = try await RekeyProcess.run(
            fixture.runArguments + ["--until", "confirm-redeploy"], environment: PlatformFixture.environment)
        #expect(staged.status == 0, "\(staged)")
        #expect(try fixture.snapshot().apps != before.apps, "nothing was staged")

        let aborted = try await RekeyProcess.run(
            ["abort", fixture.journal, "--non-interactive"], environment: PlatformFixture.environment)
        #expect(aborted.status == 0, "\(aborted)")
        let after = try fixture.snapshot()
        // The old values are back (EventNerds never shows a key again: they come from the journal, sealed).
        #expect(after.apps == before.apps)
        #expect(after.keys.map(\.id) == before.keys.map(\.id), "the new keys are deleted")
        #expect(after.keys.map(\.secret) == before.keys.map(\.secret))
        #expect(after.configSigningKey == before.configSigningKey && after.configEventKeys == before.configEventKeys)
        #expect(after.runningEventKeys == before.runningEventKeys)
        let status = try await RekeyProcess.run(["status", fixture.journal, "--json"])
        #expect(try JSONDecoder().decode(RotationStatus.self, from: Data(status.stdout.utf8)).state == .aborted)
    }

    @Test(arguments: [PlatformFixture.Kind.eventNerds, .plugin])
    func aNewKeyWhoseSecretWasLostInACrashIsDeletedAndReplaced(kind: PlatformFixture.Kind) async throws {
        let fixture = try PlatformFixture(kind)
        defer { fixture.remove() }
        let invariants = try PlatformInvariants(fixture: fixture)
        let oldKey = try #require(invariants.before.keys.first)
        // Killed right after the platform created the key, before its `done` record: the secret is lost.
        let crashed = try await RekeyProcess.run(
            fixture.runArguments,
            environment: PlatformFixture.environment.merging(
                ["REKEY_FAULT_POINT": "after-effect:create-api-keys/\(oldKey.id)"]) { $1 })
        #expect(crashed.signaled && crashed.status == SIGKILL, "\(crashed)")
        let orphans = try fixture.snapshot().keys.filter { $0.name.hasPrefix(oldKey.name + " (rotated ") }
        #expect(orphans.count == 1)
        let orphan = try #require(orphans.first)

        let resumed = try await RekeyProcess.run(fixture.resumeArguments, environment: PlatformFixture.environment)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try invariants.violations(fixture: fixture) == [])
        let final = try fixture.snapshot().keys
        #expect(!final.contains { $0.id == orphan.id }, "the key whose secret was lost survived")
        // The journal names both: the key deleted and the key that replaced it.
        let records = try JournalReader.read(path: fixture.journal).records
        let done = try #require(
            records.last { $0.type == .done && $0.step == .createAPIKeys && $0.item == oldKey.id })
        #expect(done.data.outcome?.detail?.contains(orphan.id) == true, "\(String(describing: done.data.outcome))")
        #expect(done.data.outcome?.keyID != orphan.id)
        #expect(done.data.outcome?.sealed != nil)
    }

    @Test func anEventNerdsRotationRunsOverHTTP() async throws {
        let fixture = try PlatformFixture(.eventNerds)
        defer { fixture.remove() }
        let invariants = try PlatformInvariants(fixture: fixture)
        let server = try LoggedProcess(
            RekeyProcess.executable, ["sandbox", "serve", fixture.directory], environment: RekeyProcess.environment(),
            log: fixture.directory + "/../\(UUID().uuidString.prefix(8)).serve.log")
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: server.log)
        }
        let url = try await server.waitForOutput(matching: #"http://127\.0\.0\.1:[0-9]+"#)
        // The repository's playbook, pointed at the served sandbox.
        let original = try String(
            contentsOfFile: PythonSDK.packageRoot + "/Playbooks/eventnerds-local.json", encoding: .utf8)
        let playbook = fixture.directory + "/eventnerds-local.json"
        try original.replacingOccurrences(of: "http://127.0.0.1:8288", with: url)
            .replacingOccurrences(of: "local-sandbox/", with: "")
            .write(toFile: playbook, atomically: true, encoding: .utf8)
        let token = try #require(try SandboxStore(path: fixture.statePath).snapshot().eventNerdsToken).exposeValue()

        let result = try await RekeyProcess.run(
            ["run", playbook, "--journal", fixture.journal] + fixture.approvals,
            environment: PlatformFixture.environment.merging(["EVENTNERDS_TOKEN": token]) { $1 })
        #expect(result.status == 0, "\(result)")
        #expect(try invariants.violations(fixture: fixture) == [])
        #expect(server.output.contains("POST /api/developer/v1/api-keys → 201"))
        #expect(server.output.contains("DELETE /api/developer/v1/api-keys/"))
        #expect(!result.stdout.contains(token) && !result.stderr.contains(token))

        // A wrong token is refused with EventNerds' own message, naming the variable, never the token.
        let refused = try await RekeyProcess.run(
            ["plan", playbook], environment: ["EVENTNERDS_TOKEN": "not-the-token"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("EVENTNERDS_TOKEN") && refused.stderr.contains("Invalid or expired token"))
        #expect(!refused.stderr.contains("not-the-token"))
    }

    @Test func aSelfHostedServerIsCheckedThroughItsAPIOverHTTP() async throws {
        let fixture = try PlatformFixture(.selfHosted)
        defer { fixture.remove() }
        let invariants = try PlatformInvariants(fixture: fixture)
        let server = try LoggedProcess(
            RekeyProcess.executable, ["sandbox", "serve", fixture.directory], environment: RekeyProcess.environment(),
            log: fixture.directory + "/../\(UUID().uuidString.prefix(8)).serve.log")
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: server.log)
        }
        let url = try await server.waitForOutput(matching: #"http://127\.0\.0\.1:[0-9]+"#)
        // The scaffold's playbook without the in-process sandbox: the v2 API and the apps over HTTP.
        var document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.playbook)))
                as? [String: Any])
        var platform = try #require(document["platform"] as? [String: Any])
        var settings = try #require(platform["settings"] as? [String: Any])
        settings["sandbox"] = nil
        settings["apiURL"] = url + "/self-hosted"
        platform["settings"] = settings
        document["platform"] = platform
        document["apps"] = try #require(document["apps"] as? [[String: Any]]).map { app in
            var app = app
            app["verify"] = ["kind": "introspection", "url": "\(url)/apps/\(app["name"] as? String ?? "")/api/inngest"]
            return app
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let playbook = fixture.directory + "/http.json"
        try text.write(toFile: playbook, atomically: true, encoding: .utf8)

        let result = try await RekeyProcess.run(
            ["run", playbook, "--journal", fixture.journal] + fixture.approvals,
            environment: PlatformFixture.environment)
        #expect(result.status == 0, "\(result)")
        #expect(try invariants.violations(fixture: fixture) == [])
        #expect(server.output.contains("GET /self-hosted/v2/keys/signing → 200"))
        #expect(server.output.contains("GET /self-hosted/v2/keys/events → 200"))
    }

    /// A restart that times out may have half-happened: rekey runs it once and stops with a clear message,
    /// instead of restarting the server again on each of six retries.
    @Test func aSelfHostedRestartThatTimesOutRunsOnceAndFailsClearly() async throws {
        let fixture = try PlatformFixture(.selfHosted, apps: 1, keys: 1)
        defer { fixture.remove() }
        var document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.playbook)))
                as? [String: Any])
        var platform = try #require(document["platform"] as? [String: Any])
        var settings = try #require(platform["settings"] as? [String: Any])
        settings["restart"] = ["/bin/sh", "-c", "echo restart >> restarts.log; sleep 5"]
        settings["restartTimeout"] = "300ms"
        platform["settings"] = settings
        document["platform"] = platform
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: fixture.playbook))

        let result = try await RekeyProcess.run(
            fixture.runArguments, environment: PlatformFixture.environment, timeout: 60)
        #expect(result.status == 1 && !result.signaled, "\(result)")
        #expect(result.stdout.contains("did not finish within 300ms"), "\(result)")
        let restarts = try String(contentsOfFile: fixture.directory + "/restarts.log", encoding: .utf8)
        #expect(
            restarts.split(separator: "\n").count == 1, "the restart ran \(restarts.split(separator: "\n").count) times"
        )
    }

    @Test func aSavedEventNerdsPlanRunsAsReviewedAndIsRefusedOnceTheKeysChanged() async throws {
        let fixture = try PlatformFixture(.eventNerds)
        defer { fixture.remove() }
        let invariants = try PlatformInvariants(fixture: fixture)
        let plan = fixture.directory + "/plan.json"
        let planned = try await RekeyProcess.run(["plan", fixture.playbook, "--out", plan])
        #expect(planned.status == 0, "\(planned)")

        // Someone creates a key after the review: the plan no longer describes the account.
        let platform = SandboxPlatform(statePath: fixture.statePath)
        let extra = try await platform.createEventNerdsKey(name: "Created after the review", eventID: nil)
        let stale = try await RekeyProcess.run(
            ["run", plan, "--journal", fixture.journal] + fixture.approvals, environment: PlatformFixture.environment)
        #expect(stale.status != 0)
        #expect(stale.stderr.contains("API key \(extra.id) was added"), "\(stale)")
        #expect(!FileManager.default.fileExists(atPath: fixture.journal))

        try await platform.deleteEventNerdsKey(id: extra.id)
        let run = try await RekeyProcess.run(
            ["run", plan, "--journal", fixture.journal] + fixture.approvals, environment: PlatformFixture.environment)
        #expect(run.status == 0, "\(run)")
        #expect(try invariants.violations(fixture: fixture) == [])
    }

    @Test(arguments: PlatformFixture.Kind.allCases)
    func theDemoShowsEachPlatform(kind: PlatformFixture.Kind) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/rekey-demo-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await RekeyProcess.run(
            ["demo", "--platform", kind.rawValue, "--dir", directory], environment: ["REKEY_RETRY_BASE_DELAY": "0.01"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Part 1") && result.stdout.contains("Part 2"))
        #expect(result.stdout.contains("Rotation finished"))
        let records = try JournalReader.read(path: directory + "/rotation.jsonl").records
        #expect(records.last?.type == .finished)
    }
}
