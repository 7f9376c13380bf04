import Foundation
import RekeyCore
import RekeySandbox
import Testing

/// `Playbooks/inngest-local.json`, the `inngest` platform against `rekey sandbox serve`, with the
/// sandbox's emulated apps (no SDK needed): the plan shows everything and changes nothing, and the run
/// rotates everything over HTTP.
@Suite struct InngestLocalPlaybookEndToEndTests {
    /// A served sandbox with the repository's `inngest-local.json` pointed at it.
    struct Served {
        let sandbox: SandboxFixture
        let server: LoggedProcess
        let url: String
        let credentials: [String: String]

        var playbook: String { sandbox.directory + "/inngest-local.json" }

        /// - Parameters:
        ///   - serverEnvironment: Extra variables for `rekey sandbox serve` (`REKEY_SANDBOX_FAULTS`).
        ///   - options: JSON members prepended to the playbook's `options` (`"requestTimeout": "1s", `).
        static func start(serverEnvironment: [String: String] = [:], options: String = "") async throws -> Served {
            let sandbox = try SandboxFixture(apps: 3, eventKeys: 2)
            let server = try LoggedProcess(
                RekeyProcess.executable, ["sandbox", "serve", sandbox.directory],
                environment: RekeyProcess.environment(serverEnvironment),
                log: sandbox.directory + "/../\(UUID().uuidString.prefix(8)).serve.log"
            )
            let url = try await server.waitForOutput(matching: #"http://127\.0\.0\.1:[0-9]+"#)
            // The repository's playbook, with its sandbox in this directory and the server's port.
            let original = try String(
                contentsOfFile: PythonSDK.packageRoot + "/Playbooks/inngest-local.json", encoding: .utf8)
            let text = original.replacingOccurrences(of: "http://127.0.0.1:8288", with: url)
                .replacingOccurrences(of: "local-sandbox/", with: "")
                .replacingOccurrences(of: "\"options\": {", with: "\"options\": {" + options)
            try text.write(toFile: sandbox.directory + "/inngest-local.json", atomically: true, encoding: .utf8)
            let state = try sandbox.state()
            return Served(
                sandbox: sandbox, server: server, url: url,
                credentials: [
                    "INNGEST_API_KEY": try #require(state.apiKey).exposeValue(),
                    "INNGEST_SESSION_TOKEN": try #require(state.sessionToken).exposeValue(),
                ]
            )
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(atPath: server.log)
            sandbox.remove()
        }
    }

    @Test func planShowsLiveKeysAppsCallsAndThePointOfNoReturnAndChangesNothing() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        let before = try served.sandbox.files()
        let (playbook, credentials) = (served.playbook, served.credentials)
        let result = try await offThePool {
            try RekeyProcess.runBlocking(["plan", playbook], environment: credentials)
        }
        #expect(result.status == 0, "\(result)")
        #expect(try served.sandbox.files() == before, "plan changed a file")
        #expect(!served.server.output.contains("graphql: created"))

        let state = try served.sandbox.state()
        let out = result.stdout
        let active = try #require(state.activeSigningKey)
        #expect(out.contains("signing key \(active.id)  \(active.fingerprint!.hex)  active"))
        for key in state.eventKeys {
            #expect(out.contains("'\(key.name)'  \(key.filter.summary)"), "event key \(key.name) with its filters")
            #expect(out.contains("'\(key.name) (rotated "), "its replacement")
        }
        for app in ["api", "worker", "billing"] {
            #expect(out.contains("app \(app): INNGEST_SIGNING_KEY=\(active.fingerprint!.hex)"))
            #expect(
                out.contains(
                    "\(app): INNGEST_SIGNING_KEY=<new>, INNGEST_SIGNING_KEY_FALLBACK=\(active.fingerprint!.hex)"))
            #expect(out.contains("POST \(served.url)/v2/apps/\(app)/syncs"))
            #expect(out.contains("GET \(served.url)/apps/\(app)/api/inngest (signed introspection)"))
        }
        #expect(out.contains("GraphQL CreateSigningKey(envID) (POST \(served.url)/gql)"))
        #expect(out.contains("GraphQL RotateSigningKey(envID)"))
        #expect(out.contains("GraphQL NewIngestKey(name: 'Orders service (rotated "))
        #expect(out.contains("point of no return"))

        // Without a session token the key mutations become guided, and the plan says what REST can't see.
        let restOnly = served.credentials.filter { $0.key != "INNGEST_SESSION_TOKEN" }
        let guided = try await offThePool { try RekeyProcess.runBlocking(["plan", playbook], environment: restOnly) }
        #expect(guided.status == 0, "\(guided)")
        #expect(guided.stdout.contains("GET \(served.url)/v2/keys/signing (X-Inngest-Env: production, paginated)"))
        #expect(guided.stdout.contains("act (guided, a person): In the Inngest dashboard"))
        #expect(guided.stdout.contains("does not show event key filters"))
        #expect(try served.sandbox.files() == before)
    }

    @Test func runRotatesEverythingOverHTTP() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        let invariants = try RotationInvariants(fixture: served.sandbox)
        let arguments = [
            "run", served.playbook, "--journal", served.sandbox.journal, "--approve", "rotate-signing-key",
        ]
        let credentials = served.credentials
        let result = try await offThePool { try RekeyProcess.runBlocking(arguments, environment: credentials) }
        #expect(result.status == 0, "\(result)")
        #expect(try invariants.violations(fixture: served.sandbox) == [])
        let log = served.server.output
        #expect(log.contains("graphql: rotated to signing key"))
        #expect(log.contains("POST /v2/apps/billing/syncs → 200"))
        #expect(!log.contains("→ 401") && !log.contains("→ 5"), "\(log)")
    }

    @Test func withoutASessionTokenAPersonActsInTheDashboardAndRekeyObservesIt() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        // The signing key only, so the guided steps are the two that matter: create and rotate.
        let text = try String(contentsOfFile: served.playbook, encoding: .utf8)
            .replacingOccurrences(of: #""procedure": "inngest""#, with: #""procedure": "inngest-signing-key""#)
        try text.write(toFile: served.playbook, atomically: true, encoding: .utf8)
        let old = try #require(try served.sandbox.state().activeSigningKey)
        var environment = RekeyProcess.environment(served.credentials)
        environment["INNGEST_SESSION_TOKEN"] = nil
        let run = try LoggedProcess(
            RekeyProcess.executable,
            ["run", served.playbook, "--journal", served.sandbox.journal, "--approve", "rotate-signing-key"],
            environment: environment,
            log: served.sandbox.directory + "/../\(UUID().uuidString.prefix(8)).run.log"
        )
        defer {
            run.stop()
            try? FileManager.default.removeItem(atPath: run.log)
        }
        let store = SandboxStore(path: served.sandbox.statePath)

        // The person creates the key in the "dashboard" (the sandbox state); rekey sees it through REST.
        _ = try await run.waitForOutput(matching: #"Click "Create new signing key""#)
        #expect(try served.sandbox.state().signingKeys.count == 1, "rekey must not create the key itself")
        let new = try await store.mutate { try $0.createSigningKey() }

        // The person rotates once rekey asks; rekey sees the old key gone and goes on to the end.
        _ = try await run.waitForOutput(matching: #"click "Rotate key""#, timeout: 60)
        #expect(try served.sandbox.state().activeSigningKey?.id == old.id, "rekey must not rotate by itself")
        try await store.mutate { try $0.promoteSigningKey(id: new.id) }

        let status = try await offThePool { () -> Int32 in
            run.process.waitUntilExit()
            return run.process.terminationStatus
        }
        #expect(status == 0, "\(run.output)")
        #expect(run.output.contains("In the Inngest dashboard"))
        for app in ["api", "worker", "billing"] {
            let document = DotenvDocument(parsing: try FileIO.readText(served.sandbox.envFile(app)))
            #expect(document.value(of: "INNGEST_SIGNING_KEY") == new.key.exposeValue())
            #expect(!document.names.contains("INNGEST_SIGNING_KEY_FALLBACK"))
        }
        #expect(try served.sandbox.state().signingKeys.map(\.id) == [new.id])
        #expect(!served.server.output.contains("POST /gql"), "no GraphQL without a session token")
    }
}
