import Foundation
import RekeyCore
import Testing

@testable import RekeyPlatforms

/// The exec plugin protocol: the repository's example plugin (`Playbooks/plugins/example-plugin.py`,
/// written from the README's specification) for the operations, and small scripted plugins for timeouts,
/// exit statuses, malformed answers, error codes and the scrubbing of standard error.
@Suite struct ExecPluginPlatformTests {
    static let examplePlugin = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Playbooks/plugins/example-plugin.py").path

    /// A temporary directory with the example plugin's database holding one key.
    final class Workspace: @unchecked Sendable {
        // Invariant: `lines` is only touched under `lock`.
        let directory: String
        private let lock = NSLock()
        private var lines: [String] = []

        init() throws {
            directory = FileManager.default.temporaryDirectory.path + "/rekey-plugin-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try
                #"{"keys": [{"id": "key_1", "name": "Billing", "scope": "p-1", "secret": "acme_oldsecretvalue0001", "createdAt": "2026-01-05T10:00:00Z", "lastUsedAt": null, "primary": true}]}"#
                .write(toFile: directory + "/state.json", atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }

        func log(_ line: String) { lock.withLock { lines.append(line) } }
        var logged: [String] { lock.withLock { lines } }

        func configuration(_ command: [String], timeout: Double = 20) -> ExecPluginPlatform.Configuration {
            ExecPluginPlatform.Configuration(
                command: command, directory: directory, environment: ProcessInfo.processInfo.environment,
                timeout: timeout, config: ["state": "state.json"], environmentName: "production",
                log: { [self] in log($0) })
        }

        /// Writes a script and returns its path. Tests run it through its interpreter (`/bin/sh path`), not
        /// directly: a file just written can't be executed while a child forked meanwhile holds it open.
        func script(_ name: String, _ text: String) throws -> String {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
            return path
        }
    }

    @Test func theExamplePluginDescribesItselfAndRotatesAKey() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let configuration = workspace.configuration(["python3", Self.examplePlugin])
        let description = try await ExecPluginPlatform.fetchDescription(configuration)
        #expect(
            description
                == PluginDescription(
                    name: "acme", capabilities: ["list-keys", "create-key", "promote-key", "delete-key"],
                    secretsShownOnce: true,
                    procedure: "api-keys-promote"))
        #expect(try ExecPluginPlatform.fetchDescriptionBlocking(configuration) == description)
        let platform = ExecPluginPlatform(configuration: configuration, description: description)
        #expect(platform.capabilities == [.listAPIKeys, .createAPIKey, .promoteAPIKey, .deleteAPIKey])
        #expect(!platform.secretsAreReadable(.api))

        let listed = try await platform.listKeys(.api)
        #expect(listed.map(\.id) == ["key_1"])
        #expect(listed[0].secret == nil, "a plugin whose secrets are shown once lists no secret")
        #expect(listed[0].scope == "p-1")

        let created = try await platform.createKey(NewKeyRequest(kind: .api, name: "Billing (rotated)", scope: "p-1"))
        #expect(created.secret?.exposeValue().hasPrefix("acme_") == true)
        #expect(created.isActive == false)
        try await platform.promoteKey(.api, id: created.id)
        let after = try await platform.listKeys(.api)
        #expect(after.first { $0.id == created.id }?.isActive == true)
        #expect(after.first { $0.id == "key_1" }?.isActive == false)
        try await platform.deleteKey(.api, id: "key_1")
        #expect(try await platform.listKeys(.api).map(\.id) == [created.id])
        #expect(workspace.logged.contains("plugin acme: deleted key key_1"))
        #expect(!workspace.logged.joined().contains(created.secret!.exposeValue()))

        let error = await #expect(throws: PlatformError.self) { try await platform.deleteKey(.api, id: "key_1") }
        guard case .notFound(let message)? = error else {
            Issue.record("expected notFound, got \(String(describing: error))")
            return
        }
        #expect(message.contains("plugin 'acme' (delete-key): not-found"))
    }

    @Test func theRequestCarriesTheProtocolOperationEnvironmentConfigAndFields() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let echo = try workspace.script(
            "echo.py",
            """
            #!/usr/bin/env python3
            import json, sys
            request = json.load(sys.stdin)
            if request["operation"] == "describe":
                print(json.dumps({"ok": True, "protocol": 1, "name": "echo", "capabilities": ["list-keys"]}))
            else:
                print(json.dumps({"ok": True, "keys": [{"id": json.dumps(request, sort_keys=True)}]}))
            """)
        let configuration = workspace.configuration(["python3", echo])
        let platform = ExecPluginPlatform(
            configuration: configuration, description: try await ExecPluginPlatform.fetchDescription(configuration))
        let request = try JSONValue.parse(Array(try #require(try await platform.listKeys(.api).first).id.utf8))
        #expect(
            request == [
                "protocol": 1, "operation": "list-keys", "environment": "production", "config": ["state": "state.json"],
            ])
    }

    /// A plugin that describes itself, then answers every other operation with `body` (a shell snippet
    /// run after reading the request).
    func scripted(_ workspace: Workspace, _ body: String, timeout: Double = 20) throws -> ExecPluginPlatform {
        let path = try workspace.script(
            "plugin-\(UUID().uuidString.prefix(6)).sh",
            """
            #!/bin/sh
            request=$(cat)
            case "$request" in
              *'"describe"'*) echo '{"ok": true, "protocol": 1, "name": "scripted", "capabilities": ["list-keys", "create-key", "delete-key"]}'; exit 0 ;;
            esac
            \(body)
            """)
        return ExecPluginPlatform(
            configuration: workspace.configuration(["/bin/sh", path], timeout: timeout),
            description: PluginDescription(
                name: "scripted", capabilities: ["list-keys", "create-key", "delete-key"], secretsShownOnce: true))
    }

    @Test(
        arguments: [
            ("a timeout", "sleep 10", "transient", "did not answer within"),
            ("exit 75 without an answer", "echo 'try later' >&2; exit 75", "transient", "try later"),
            ("exit 3 without an answer", "echo 'boom' >&2; exit 3", "rejected", "exited with status 3"),
            (
                "rate-limited",
                #"echo '{"ok": false, "error": {"code": "rate-limited", "message": "slow down", "retryAfter": 2}}'"#,
                "rateLimited", "slow down"
            ),
            (
                "unavailable", #"echo '{"ok": false, "error": {"code": "unavailable", "message": "503"}}'"#,
                "transient", "503"
            ),
            (
                "unauthorized", #"echo '{"ok": false, "error": {"code": "unauthorized", "message": "bad token"}}'"#,
                "unauthorized", "bad token"
            ),
            (
                "an unknown code marked retryable",
                #"echo '{"ok": false, "error": {"code": "conflict", "message": "busy", "retryable": true}}'"#,
                "transient", "busy"
            ),
            (
                "an unknown code", #"echo '{"ok": false, "error": {"code": "conflict", "message": "no"}}'"#, "rejected",
                "conflict"
            ),
        ] as [(String, String, String, String)])
    func failuresAreClassifiedRetryableOrNot(name: String, body: String, kind: String, message: String) async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let platform = try scripted(workspace, body, timeout: 1)
        let error = await #expect(throws: PlatformError.self) { try await platform.deleteKey(.api, id: "k") }
        let thrown = try #require(error)
        let actual: String
        switch thrown {
        case .rateLimited(_, let after):
            actual = "rateLimited"
            #expect(after == 2)
        case .transient: actual = "transient"
        case .rejected: actual = "rejected"
        case .unauthorized: actual = "unauthorized"
        default: actual = "\(thrown)"
        }
        #expect(actual == kind, "\(name): \(thrown)")
        #expect("\(thrown)".contains(message), "\(name): \(thrown)")
    }

    @Test(
        arguments: [
            ("not JSON", "echo 'hello'"),
            ("no ok", #"echo '{"keys": []}'"#),
            ("keys not a list", #"echo '{"ok": true, "keys": 3}'"#),
        ])
    func malformedAnswersAreReportedAsSuch(name: String, body: String) async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let platform = try scripted(workspace, body)
        await #expect(throws: PluginError.self, "\(name)") { _ = try await platform.listKeys(.api) }
    }

    @Test func secretsAreScrubbedFromStandardErrorAndErrors() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let secret = "acme_thenewsecretvalue42"
        let platform = try scripted(
            workspace,
            """
            echo "created acme_thenewsecretvalue42 (base64 $(printf %s acme_thenewsecretvalue42 | base64))" >&2
            echo '{"ok": true, "key": {"id": "k9", "name": "n", "secret": "acme_thenewsecretvalue42"}}'
            """)
        let key = try await platform.createKey(NewKeyRequest(kind: .api, name: "n"))
        #expect(key.secret == Secret(secret))
        let logged = workspace.logged.joined(separator: "\n")
        #expect(logged.contains("plugin scripted: created <redacted> (base64 <redacted>)"), "\(logged)")
        #expect(!logged.contains(secret))
    }

    @Test func anotherProtocolVersionIsRefused() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let path = try workspace.script(
            "v2.sh",
            "#!/bin/sh\n"
                + #"cat > /dev/null; echo '{"ok": true, "protocol": 2, "name": "future", "capabilities": ["list-keys"]}'"#
        )
        let error = await #expect(throws: PluginError.self) {
            _ = try await ExecPluginPlatform.fetchDescription(workspace.configuration(["/bin/sh", path]))
        }
        #expect(error == .unsupportedProtocol(plugin: "sh", version: 2))
    }

    @Test func aMissingProgramIsALaunchFailure() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        await #expect(throws: PluginError.self) {
            _ = try await ExecPluginPlatform.fetchDescription(workspace.configuration([workspace.directory + "/nope"]))
        }
    }
}
