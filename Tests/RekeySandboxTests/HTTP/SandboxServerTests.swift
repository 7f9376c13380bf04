import Foundation
import RekeyCore
import RekeyPlatforms
import Testing

@testable import RekeySandbox

/// The sandbox over real loopback sockets, with a stand-in app that syncs out of band like the Python SDK.
@Suite struct SandboxServerTests {
    /// An app that answers a sync PUT as the Python SDK does: it POSTs `/fn/register` with the hash of its
    /// primary key, retries with its fallback on 401/403, and answers the PUT with the platform's reply
    /// (HTTP 200 even when the platform refused).
    final class FakeSDKApp: Sendable {
        let server: HTTPServer
        let puts = Counter()

        init(appID: String, primary: Secret, fallback: Secret?, platform: URL) throws {
            let transport = URLSessionTransport.make()
            let puts = self.puts
            server = try HTTPServer { request in
                guard request.method == "PUT" else { return HTTPResponse(status: 405) }
                puts.increment()
                for key in [primary, fallback].compactMap(\.self) {
                    let body: JSONValue = [
                        "appname": .string(appID), "url": "http://127.0.0.1/api/inngest", "v": "0.1",
                    ]
                    let registration = HTTPRequest(
                        method: "POST",
                        url: platform.appendingPathComponent("fn/register"),
                        headers: [
                            "Authorization": "Bearer " + (InngestSigningKey.hashed(key) ?? ""),
                            "Content-Type": "application/json",
                        ],
                        body: Array(body.serialized().utf8)
                    )
                    guard let reply = try? await transport(registration) else {
                        return HTTPResponse(status: 500, json: ["code": "unknown", "message": "connection refused"])
                    }
                    if reply.status == 401 || reply.status == 403 { continue }
                    return HTTPResponse(status: 200, body: reply.body)
                }
                return HTTPResponse(status: 200, json: ["error": "Your signing key is invalid"])
            }
        }

        var url: String { server.url.absoluteString + "/api/inngest" }
    }

    final class Counter: @unchecked Sendable {
        // Invariant: `value` is only touched under `lock`.
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    static func post(_ url: URL, bearer: String, body: JSONValue = [:]) async throws -> HTTPResponse {
        try await URLSessionTransport.make()(
            HTTPRequest(
                method: "POST", url: url,
                headers: ["Authorization": "Bearer " + bearer, "Content-Type": "application/json"],
                body: Array(body.serialized().utf8))
        )
    }

    @Test func resyncsARealAppThroughItsOwnRegistration() async throws {
        try await TestSandbox.with { sandbox in
            try await SandboxServer.ensureCredentials(in: sandbox.store)
            let server = try SandboxServer(store: sandbox.store)
            defer { server.stop() }
            let old = try sandbox.activeKey()
            let new = try #require(try await sandbox.platform.createKey(NewKeyRequest(kind: .signing)).secret)
            let app = try FakeSDKApp(appID: "api", primary: new, fallback: old, platform: server.url)
            defer { app.server.stop() }
            try await sandbox.store.mutate { $0.apps[0].url = app.url }
            let apiKey = try #require(try sandbox.state().apiKey).exposeValue()

            let response = try await Self.post(server.url.appendingPathComponent("v2/apps/api/syncs"), bearer: apiKey)
            #expect(response.status == 200)
            #expect(response.json?["data"]?["status"] == "success")
            #expect(app.puts.count == 1)
            let syncs = try sandbox.state().apps[0].syncs
            #expect(syncs.last?.status == .success)
            #expect(
                syncs.last?.signingKeyFingerprint == InngestSigningKey.fingerprint(new), "the inactive key is accepted")
            #expect(response.json?["data"]?["id"]?.stringValue == syncs.last?.id)
        }
    }

    @Test func readsTheAppsAnswerRatherThanItsStatus() async throws {
        try await TestSandbox.with { sandbox in
            try await SandboxServer.ensureCredentials(in: sandbox.store)
            let server = try SandboxServer(store: sandbox.store)
            defer { server.stop() }
            let stranger = Secret("signkey-prod-" + String(repeating: "9", count: 64))
            let app = try FakeSDKApp(appID: "worker", primary: stranger, fallback: nil, platform: server.url)
            defer { app.server.stop() }
            try await sandbox.store.mutate { $0.apps[1].url = app.url }
            let apiKey = try #require(try sandbox.state().apiKey).exposeValue()

            let response = try await Self.post(
                server.url.appendingPathComponent("v2/apps/worker/syncs"), bearer: apiKey)
            #expect(response.status == 422)
            #expect(
                response.json?["data"]?["error"]?["message"]?.stringValue?.contains("Your signing key is invalid")
                    == true)
            #expect(try sandbox.state().apps[1].syncs.last?.status == .error)
        }
    }

    @Test func reportsAnAppThatDoesNotAnswer() async throws {
        try await TestSandbox.with { sandbox in
            try await SandboxServer.ensureCredentials(in: sandbox.store)
            let server = try SandboxServer(store: sandbox.store)
            defer { server.stop() }
            let closed = try HTTPServer { _ in HTTPResponse(status: 200) }
            let url = closed.url.absoluteString + "/api/inngest"
            closed.stop()
            try await sandbox.store.mutate { $0.apps[0].url = url }
            let apiKey = try #require(try sandbox.state().apiKey).exposeValue()
            let response = try await Self.post(server.url.appendingPathComponent("v2/apps/api/syncs"), bearer: apiKey)
            #expect(response.status == 422)
            #expect(response.json?["data"]?["error"]?["message"]?.stringValue?.contains("did not answer") == true)
            let sync = try #require(try sandbox.state().apps[0].syncs.last)
            #expect(sync.status == .error)
        }
    }

    @Test func neverContactsAnAppOffTheLoopbackInterface() async throws {
        try await TestSandbox.with { sandbox in
            let (api, apiKey) = try await (
                SandboxAPI(store: sandbox.store),
                { () async throws -> String in
                    try await SandboxServer.ensureCredentials(in: sandbox.store)
                    return try #require(try sandbox.state().apiKey).exposeValue()
                }()
            )
            try await sandbox.store.mutate { $0.apps[0].url = "http://192.0.2.1/api/inngest" }
            let response = await api.handle(
                HTTPRequest(
                    method: "POST", url: URL(string: "http://127.0.0.1:1/v2/apps/api/syncs")!,
                    headers: ["Authorization": "Bearer " + apiKey])
            )
            #expect(response.status == 422)
            #expect(response.json?["data"]?["error"]?["message"]?.stringValue?.contains("loopback") == true)
        }
    }
}
