import Foundation
import RekeyCore
import RekeyCrypto
import RekeyPlatforms
import RekeySandbox
import Testing

/// Full rotations with the `inngest` platform against `rekey sandbox serve`, with two apps of the official
/// Python SDK (0.5.19, Flask, cloud mode) reading their dotenv files. A "redeploy" is a restart of the
/// app's process. Everything stays on 127.0.0.1.
@Suite(
    .serialized, .enabled(if: PythonSDK.shouldRun, "needs the Inngest Python SDK (.build-e2e-venv or REKEY_E2E_PYTHON)")
)
struct InngestSDKEndToEndTests {
    @Test func rotatesTwoPythonAppsAndProvesEachStepOnTheWire() async throws {
        let rotation = try await SDKRotation.start()
        defer { rotation.tearDown() }
        let invariants = try RotationInvariants(fixture: rotation.sandbox)
        let old = try #require(try rotation.sandbox.state().activeSigningKey).key

        // 1. Up to confirm-redeploy: the apps still run the old key, so verification can't pass.
        let first = try await rotation.rekey([
            "run", rotation.playbook, "--journal", rotation.journal, "--approve", "rotate-signing-key",
        ])
        #expect(first.status == 3, "\(first)")
        #expect(first.stdout.contains("confirm-redeploy") && first.stdout.contains("is not confirmed"), "\(first)")
        var state = try rotation.sandbox.state()
        #expect(state.signingKeys.count == 2 && state.activeSigningKey?.key == old, "nothing past the gate may run")
        let new = try #require(state.signingKeys.first { !$0.active }).key
        for app in SDKRotation.apps {
            #expect(
                try await rotation.introspect(app, signedWith: new).status == 401,
                "\(app) runs the old key until restarted")
        }

        // 2. Redeploy; resume: verified, rotated, resynced through the SDKs' own /fn/register, old event keys
        //    deleted, fallback removed from the files; the apps still hold it until the next redeploy.
        try await rotation.restartApps()
        for app in SDKRotation.apps {
            let response = try await rotation.introspect(app, signedWith: new)
            #expect(response.status == 200)
            #expect(response.json?["signing_key_hash"]?.stringValue == InngestSigningKey.hashed(new))
            #expect(response.json?["signing_key_fallback_hash"]?.stringValue == InngestSigningKey.hashed(old))
        }
        let second = try await rotation.rekey(["resume", rotation.journal, "--approve", "rotate-signing-key"])
        #expect(second.status == 3, "\(second)")
        #expect(second.stdout.contains("drop-fallback"), "\(second)")
        state = try rotation.sandbox.state()
        #expect(state.signingKeys.map(\.key) == [new], "the old key is gone")
        let newFingerprint = try #require(InngestSigningKey.fingerprint(new))
        for (index, app) in SDKRotation.apps.enumerated() {
            let sync = try #require(state.apps[index].syncs.last, "\(app) has no sync")
            #expect(sync.status == .success)
            #expect(sync.signingKeyFingerprint == newFingerprint)
            #expect(rotation.server.output.contains("register \(app): accepted signing key \(newFingerprint.hex)"))
            #expect(try await rotation.introspect(app, signedWith: old).status == 200, "the fallback is still loaded")
        }
        #expect(rotation.server.output.contains("POST /fn/register → 200"))

        // 3. Redeploy without the fallback; resume to the end: the old key is refused everywhere.
        try await rotation.restartApps()
        let third = try await rotation.rekey(["resume", rotation.journal])
        #expect(third.status == 0, "\(third)")
        #expect(try invariants.violations(fixture: rotation.sandbox) == [])
        for app in SDKRotation.apps {
            #expect(
                try await rotation.introspect(app, signedWith: old).status == 401, "\(app) still accepts the old key")
            let response = try await rotation.introspect(app, signedWith: new)
            #expect(response.status == 200)
            let body = try #require(response.json)
            #expect(body["has_signing_key_fallback"] == false)
            #expect(body["signing_key_fallback_hash"] == .null)
            let eventKey = try #require(
                DotenvDocument(parsing: try FileIO.readText(rotation.sandbox.envFile(app))).value(
                    of: "INNGEST_EVENT_KEY"))
            #expect(body["event_key_hash"]?.stringValue == SHA256.hex(eventKey))
            #expect(try rotation.sandbox.state().eventKeys.contains { $0.key.exposeValue() == eventKey })
        }
    }

    @Test func stopsBeforeThePointOfNoReturnWhenAnAppHasAnEmptyFallback() async throws {
        // The deploy system sets INNGEST_SIGNING_KEY_FALLBACK= (empty) in the worker's environment, which
        // wins over its dotenv file: the SDK then accepts requests signed with the empty key.
        let rotation = try await SDKRotation.start(emptyFallbackIn: "worker")
        defer { rotation.tearDown() }
        let old = try #require(try rotation.sandbox.state().activeSigningKey).key

        let first = try await rotation.rekey([
            "run", rotation.playbook, "--journal", rotation.journal, "--approve", "rotate-signing-key",
        ])
        // The gate probes the worker with the old key too: its empty fallback shows before any redeploy.
        #expect(first.status == 1, "\(first)")
        #expect((first.stdout + first.stderr).contains("app 'worker' has INNGEST_SIGNING_KEY_FALLBACK set but empty"))
        try await rotation.restartApps()
        let second = try await rotation.rekey(["resume", rotation.journal, "--approve", "rotate-signing-key"])
        #expect(second.status == 1, "\(second)")
        let output = second.stdout + second.stderr
        #expect(output.contains("app 'worker' has INNGEST_SIGNING_KEY_FALLBACK set but empty"), "\(second)")
        #expect(output.contains("refused by the safety check confirm-redeploy/worker"), "\(second)")
        #expect(!output.contains("app 'api' has"), "only the worker is at fault")
        let state = try rotation.sandbox.state()
        #expect(state.activeSigningKey?.key == old, "the point of no return was not crossed")
        #expect(state.signingKeys.count == 2)
        let journal = try FileIO.readText(rotation.journal)
        #expect(!journal.contains(#""step":"rotate-signing-key""#), "rotate-signing-key never started")
    }
}

/// A served sandbox with two Python SDK apps, a playbook for the `inngest` platform, and the helpers to
/// redeploy the apps and talk to them.
struct SDKRotation {
    static let apps = ["api", "worker"]

    let sandbox: SandboxFixture
    let server: LoggedProcess
    let serverURL: String
    let ports: [String: UInt16]
    let emptyFallbackIn: String?
    let running: RunningApps
    let apiKey: String
    let sessionToken: String

    var playbook: String { sandbox.directory + "/inngest.json" }
    var journal: String { sandbox.journal }

    /// Creates the sandbox, serves it, starts the apps and writes the playbook.
    static func start(emptyFallbackIn: String? = nil) async throws -> SDKRotation {
        _ = try #require(PythonSDK.interpreter, "the Inngest Python SDK is not installed: run .ci/run")
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 2, extra: ["--manual-redeploy"])
        var ports: [String: UInt16] = [:]
        for app in apps { ports[app] = try freeLoopbackPort() }
        let store = SandboxStore(path: sandbox.statePath)
        try await store.mutate { state in
            for (index, app) in state.apps.enumerated() {
                state.apps[index].url = "http://127.0.0.1:\(ports[app.id]!)/api/inngest"
            }
        }
        let server = try LoggedProcess(
            RekeyProcess.executable,
            ["sandbox", "serve", sandbox.directory],
            environment: RekeyProcess.environment(),
            log: sandbox.directory + "/serve.log"
        )
        let serverURL = try await server.waitForOutput(matching: #"http://127\.0\.0\.1:[0-9]+"#)
        let state = try sandbox.state()
        let rotation = SDKRotation(
            sandbox: sandbox,
            server: server,
            serverURL: serverURL,
            ports: ports,
            emptyFallbackIn: emptyFallbackIn,
            running: RunningApps(),
            apiKey: try #require(state.apiKey).exposeValue(),
            sessionToken: try #require(state.sessionToken).exposeValue()
        )
        try rotation.writePlaybook()
        try await rotation.startApps()
        return rotation
    }

    func writePlaybook() throws {
        let apps = Self.apps.map { app in
            """
                {"name": "\(app)", "target": {"kind": "dotenv", "path": "apps/\(app).env"},
                 "verify": {"kind": "introspection", "url": "http://127.0.0.1:\(ports[app]!)/api/inngest"}}
            """
        }
        let text = """
            {
              "version": 1,
              "name": "Python SDK apps against rekey sandbox serve",
              "platform": {"kind": "inngest", "settings": {
                "apiURL": "\(serverURL)", "graphqlURL": "\(serverURL)/gql",
                "apiKeyEnv": "INNGEST_API_KEY", "sessionTokenEnv": "INNGEST_SESSION_TOKEN"}},
              "environment": "production",
              "procedure": "inngest",
              "apps": [
            \(apps.joined(separator: ",\n"))
              ],
              "options": {
                "confirmRedeploy": {"mode": "verify", "timeout": "3s", "interval": "0.5s"},
                "requireApproval": ["rotate-signing-key"]
              }
            }
            """
        try text.write(toFile: playbook, atomically: true, encoding: .utf8)
    }

    /// Runs `rekey arguments…` to the end with the platform's credentials in the environment.
    func rekey(_ arguments: [String]) async throws -> RekeyProcess.Result {
        let environment = ["INNGEST_API_KEY": apiKey, "INNGEST_SESSION_TOKEN": sessionToken]
        return try await offThePool { try RekeyProcess.runBlocking(arguments, environment: environment) }
    }

    // MARK: - The apps

    /// Starts every app and waits until each answers.
    func startApps() async throws {
        let python = try #require(PythonSDK.interpreter)
        for app in Self.apps {
            var environment = [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                "HOME": sandbox.directory,
                "INNGEST_API_BASE_URL": serverURL,
                "INNGEST_BASE_URL": serverURL,
                "PYTHONUNBUFFERED": "1",
                "no_proxy": "127.0.0.1,localhost",
                "NO_PROXY": "127.0.0.1,localhost",
            ]
            if app == emptyFallbackIn { environment["INNGEST_SIGNING_KEY_FALLBACK"] = "" }
            let process = try LoggedProcess(
                python,
                [PythonSDK.app, app, String(ports[app]!), sandbox.envFile(app)],
                environment: environment,
                log: sandbox.directory + "/\(app)-\(running.count + 1).log"
            )
            running.add(app, process)
        }
        for app in Self.apps { try await waitUntilServing(app) }
    }

    /// A redeploy: every app is stopped and started again, so it reads its dotenv file anew.
    func restartApps() async throws {
        running.stopAll()
        try await startApps()
    }

    private func waitUntilServing(_ app: String) async throws {
        let transport = URLSessionTransport.make()
        let url = URL(string: "http://127.0.0.1:\(ports[app]!)/api/inngest")!
        let deadline = Date().addingTimeInterval(60)
        while true {
            if let response = try? await transport(HTTPRequest(method: "GET", url: url, timeout: 2)),
                response.status == 401
            {
                return
            }
            guard running.process(app)?.process.isRunning == true else {
                throw FixtureError(message: "app \(app) exited:\n\(running.process(app)?.output ?? "")")
            }
            // Checked once more after the deadline: a busy machine may have kept this task asleep past it.
            guard Date() < deadline else { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw FixtureError(message: "app \(app) did not answer within 60 s:\n\(running.process(app)?.output ?? "")")
    }

    /// A GET to the app's serve endpoint signed with `key` (empty body, `t=now`), as Inngest signs.
    func introspect(_ app: String, signedWith key: Secret) async throws -> HTTPResponse {
        let header = InngestSignature.header(body: [], timestamp: Int(Date().timeIntervalSince1970), key: key)
        return try await URLSessionTransport.make()(
            HTTPRequest(
                method: "GET",
                url: URL(string: "http://127.0.0.1:\(ports[app]!)/api/inngest")!,
                headers: ["X-Inngest-Signature": header]
            )
        )
    }

    func tearDown() {
        running.stopAll()
        server.stop()
        sandbox.remove()
    }
}

/// The app processes currently running, by app name.
final class RunningApps: @unchecked Sendable {
    // Invariant: `processes` and `started` are only touched under `lock`.
    private let lock = NSLock()
    private var processes: [String: LoggedProcess] = [:]
    private var started = 0

    var count: Int { lock.withLock { started } }

    func add(_ app: String, _ process: LoggedProcess) {
        lock.withLock {
            processes[app] = process
            started += 1
        }
    }

    func process(_ app: String) -> LoggedProcess? { lock.withLock { processes[app] } }

    func stopAll() {
        let all = lock.withLock {
            defer { processes = [:] }
            return Array(processes.values)
        }
        // A crash-like stop: the apps hold no state, and a redeploy only needs a fresh process.
        for process in all { process.stop(grace: 0) }
    }
}
