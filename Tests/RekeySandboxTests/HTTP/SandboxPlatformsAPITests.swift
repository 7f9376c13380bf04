import Foundation
import RekeyCore
import RekeyPlatforms
import Testing

@testable import RekeySandbox

/// The other platforms the sandbox emulates, over its wire protocol: EventNerds' API-keys API and a
/// self-hosted server's v2 key listing.
@Suite struct SandboxPlatformsAPITests {
    static func sandbox(_ platform: SandboxScaffold.Platform, _ directory: String) throws -> (SandboxAPI, SandboxStore)
    {
        let scaffold = try SandboxScaffold.create(
            directory: directory + "/sandbox", apps: 3, eventKeys: 2, platform: platform, rekeyExecutable: "/bin/true")
        let store = SandboxStore(path: scaffold.statePath)
        return (SandboxAPI(store: store), store)
    }

    static func request(_ method: String, _ path: String, bearer: String?, body: JSONValue? = nil) -> HTTPRequest {
        SandboxAPITests.request(method, path, bearer: bearer, body: body)
    }

    @Test func theEventNerdsAPIListsCreatesAndDeletesWithTheToken() async throws {
        try await withTemporaryDirectory { directory in
            let (api, store) = try Self.sandbox(.eventNerds, directory)
            let token = try #require(try store.snapshot().eventNerdsToken).exposeValue()

            let refused = await api.handle(Self.request("GET", "/api/developer/v1/api-keys", bearer: "wrong"))
            #expect(refused.status == 401)
            #expect(refused.json?["success"] == false)

            let listed = await api.handle(Self.request("GET", "/api/developer/v1/api-keys", bearer: token))
            #expect(listed.status == 200)
            let keys = try #require(listed.json?["data"]?.arrayValue)
            #expect(keys.count == 2)
            #expect(keys.allSatisfy { $0["key"] == nil && $0["prefix"]?.stringValue == "evn_live_" })
            #expect(keys.allSatisfy { $0["last_used_at"]?.stringValue != nil }, "the apps use their keys")

            let created = await api.handle(
                Self.request("POST", "/api/developer/v1/api-keys", bearer: token, body: ["name": "New key"]))
            #expect(created.status == 201)
            let id = try #require(created.json?["data"]?["id"]?.stringValue)
            #expect(created.json?["data"]?["key"]?.stringValue?.hasPrefix("evn_live_") == true)
            #expect(created.json?["data"]?["event_id"] == .null)

            let invalid = await api.handle(
                Self.request(
                    "POST", "/api/developer/v1/api-keys", bearer: token, body: ["name": "x", "event_id": "no"]))
            #expect(invalid.status == 422)
            let nameless = await api.handle(
                Self.request("POST", "/api/developer/v1/api-keys", bearer: token, body: ["event_id": .null]))
            #expect(nameless.status == 400)

            let deleted = await api.handle(Self.request("DELETE", "/api/developer/v1/api-keys/\(id)", bearer: token))
            #expect(deleted.status == 200)
            let again = await api.handle(Self.request("DELETE", "/api/developer/v1/api-keys/\(id)", bearer: token))
            #expect(again.status == 404)
            #expect(again.json?["message"] == "API key not found")
        }
    }

    @Test func aKeyStopsBeingUsedOnceNoAppRunsWithIt() async throws {
        try await withTemporaryDirectory { directory in
            let (_, store) = try Self.sandbox(.eventNerds, directory)
            let platform = SandboxPlatform(store: store)
            let first = try await platform.eventNerdsKeys()
            // Every app moves to a new key.
            let new = try await platform.createEventNerdsKey(name: "Moved", eventID: nil)
            for app in try store.snapshot().apps {
                let path = store.resolve(app.envFile)
                var document = DotenvDocument(parsing: try FileIO.readText(path))
                document.set("EVENTNERDS_API_KEY", to: new.key.exposeValue())
                try document.text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            try await Task.sleep(for: .milliseconds(5))
            let after = try await platform.eventNerdsKeys()
            let moved = try #require(after.first { $0.id == new.id })
            for old in first {
                let now = try #require(after.first { $0.id == old.id })
                #expect(now.lastUsedAt == old.lastUsedAt, "an old key kept being used")
                #expect(try #require(moved.lastUsedAt) > (now.lastUsedAt ?? .distantPast))
            }
        }
    }

    @Test func theSelfHostedServerAnswersWithWhatItRunsAndOnlyToItsKey() async throws {
        try await withTemporaryDirectory { directory in
            let (api, store) = try Self.sandbox(.inngestSelfHosted, directory)
            let server = try #require(try store.snapshot().server)
            let key = try #require(server.signingKey)
            for token in [
                key.exposeValue(), "signkey-prod-" + key.exposeValue(), try #require(InngestSigningKey.hashed(key)),
            ] {
                let response = await api.handle(Self.request("GET", "/self-hosted/v2/keys/signing", bearer: token))
                #expect(response.status == 200)
                #expect(response.json?["data"]?.arrayValue?.first?["key"]?.stringValue == key.exposeValue())
            }
            let events = await api.handle(Self.request("GET", "/self-hosted/v2/keys/events", bearer: key.exposeValue()))
            #expect(events.json?["data"]?.arrayValue?.count == 2)
            let refused = await api.handle(
                Self.request("GET", "/self-hosted/v2/keys/signing", bearer: String(repeating: "c", count: 64)))
            #expect(refused.status == 401)

            // A restart reads the configuration file; a configuration the server can't start with is refused.
            let config = store.resolve(server.configFile)
            var document = DotenvDocument(parsing: try FileIO.readText(config))
            document.set("INNGEST_EVENT_KEY", to: "only-one")
            try document.text.write(toFile: config, atomically: true, encoding: .utf8)
            let restarted = try await SandboxPlatform(store: store).restartServer()
            #expect(restarted.eventKeys == [Secret("only-one")])
            document.set("INNGEST_SIGNING_KEY", to: "signkey-prod-" + key.exposeValue())
            try document.text.write(toFile: config, atomically: true, encoding: .utf8)
            await #expect(throws: SandboxError.self) { try await SandboxPlatform(store: store).restartServer() }
        }
    }
}

/// Sandboxes of the other platforms: each scaffold writes a playbook that loads, and the embedded example
/// plugin is the repository's.
@Suite struct SandboxScaffoldPlatformsTests {
    @Test(arguments: [SandboxScaffold.Platform.eventNerds, .inngestSelfHosted, .plugin])
    func eachScaffoldWritesAPlaybookThatLoads(platform: SandboxScaffold.Platform) async throws {
        try await withTemporaryDirectory { directory in
            let scaffold = try SandboxScaffold.create(
                directory: directory + "/sandbox", apps: 2, eventKeys: 3, platform: platform,
                rekeyExecutable: "/bin/true")
            let playbook = try PlaybookLoader.load(path: scaffold.playbookPath)
            #expect(playbook.platform.kind == (platform == .plugin ? "exec" : platform.rawValue))
            #expect(playbook.apps.map(\.name) == ["api", "worker"])
            #expect(ProcedureCatalog.family(forPlatform: playbook.platform.kind)?.defaultProcedure != nil)
            for file in scaffold.envFiles {
                #expect(try FileIO.mode(file) == 0o600)
            }
        }
    }

    @Test func theEmbeddedExamplePluginIsTheRepositorysFile() throws {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Playbooks/plugins/example-plugin.py").path
        #expect(
            ExamplePlugin.source == (try FileIO.readText(file)),
            "regenerate it: python3 Playbooks/plugins/embed-example-plugin.py")
    }
}
