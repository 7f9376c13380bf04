import Foundation
import RekeyCore
import RekeySandbox

/// A scaffolded sandbox served by a `rekey sandbox serve` child with injected latency, and a playbook
/// that rotates it through the `inngest` platform over HTTP (REST v2, GraphQL, signed introspection),
/// as `Playbooks/inngest-local.json` does.
struct ServedSandbox {
    let directory: String
    let server: BenchProcess
    let url: String
    let playbook: String
    /// The credentials the playbook reads (`INNGEST_API_KEY`, `INNGEST_SESSION_TOKEN`).
    let credentials: [String: String]

    /// Scaffolds `scale` in `directory` and serves it.
    static func start(
        rekey: String,
        directory: String,
        scale: BenchOptions.Scale,
        concurrency: Int,
        latency: Double
    ) throws -> ServedSandbox {
        let scaffold = try SandboxScaffold.create(
            directory: directory, apps: scale.apps, eventKeys: scale.eventKeys)
        let log = directory + "/serve.log"
        let milliseconds = Int((latency * 1000).rounded())
        let server = try BenchProcess.spawn(
            rekey, ["sandbox", "serve", directory],
            environment: ["REKEY_SANDBOX_FAULTS": "latency=\(milliseconds)ms"],
            output: log
        )
        let url: String
        do {
            url = try waitForURL(in: log)
        } catch {
            server.stop()
            throw error
        }
        let state = try SandboxStore(path: scaffold.statePath).snapshot()
        guard let apiKey = state.apiKey?.exposeValue(), let session = state.sessionToken?.exposeValue() else {
            server.stop()
            throw BenchError("the served sandbox in \(directory) has no credentials")
        }
        let playbook = directory + "/bench-playbook.json"
        let text = playbookText(url: url, apps: scaffold.appNames, concurrency: concurrency)
        try FileIO.writeAtomically(Array(text.utf8), to: playbook, newFileMode: 0o600)
        return ServedSandbox(
            directory: directory,
            server: server,
            url: url,
            playbook: playbook,
            credentials: ["INNGEST_API_KEY": apiKey, "INNGEST_SESSION_TOKEN": session, "no_proxy": "127.0.0.1"]
        )
    }

    /// Requests the server answered so far (one log line each).
    func requestCount() -> Int {
        let text = (try? FileIO.readText(directory + "/serve.log")) ?? ""
        return text.split(separator: "\n").filter { $0.contains(" → ") }.count
    }

    func stop() {
        server.stop()
    }

    private static func waitForURL(in log: String) throws -> String {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let text = (try? FileIO.readText(log)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                return String(text[range])
            }
            usleep(20_000)
        }
        throw BenchError("'rekey sandbox serve' printed no URL within 15 s; see \(log)")
    }

    static func playbookText(url: String, apps: [String], concurrency: Int) -> String {
        let playbook: JSONValue = [
            "version": 1,
            "name": "rekey-bench rotation over HTTP",
            "platform": [
                "kind": "inngest",
                "settings": [
                    "apiURL": .string(url),
                    "graphqlURL": .string(url + "/gql"),
                    "apiKeyEnv": "INNGEST_API_KEY",
                    "sessionTokenEnv": "INNGEST_SESSION_TOKEN",
                ],
            ],
            "environment": "production",
            "procedure": "inngest",
            "apps": .array(
                apps.map { name in
                    [
                        "name": .string(name),
                        "target": ["kind": "dotenv", "path": .string("apps/\(name).env")],
                        "verify": [
                            "kind": "introspection", "url": .string(url + SandboxAPI.servePath(ofApp: name)),
                        ],
                    ]
                }
            ),
            "options": [
                "keyName": "{name} (rotated {date})",
                "concurrency": .number(Double(concurrency)),
                "confirmRedeploy": ["mode": "verify-or-approve", "timeout": "2m", "interval": "1s"],
                "requireApproval": ["rotate-signing-key"],
            ],
        ]
        return playbook.serialized()
    }
}
