import Foundation
import RekeyCore
import RekeyPlatforms
import Testing

@testable import RekeySandbox

/// The sandbox's wire protocol, request by request (no sockets: ``SandboxAPI/handle(_:)`` directly).
@Suite struct SandboxAPITests {
    static func request(
        _ method: String,
        _ path: String,
        bearer: String? = nil,
        headers: HTTPHeaders = HTTPHeaders(),
        body: JSONValue? = nil
    ) -> HTTPRequest {
        var headers = headers
        if let bearer { headers["Authorization"] = "Bearer " + bearer }
        return HTTPRequest(
            method: method,
            url: URL(string: "http://127.0.0.1:1\(path)")!,
            headers: headers,
            body: body.map { Array($0.serialized().utf8) } ?? []
        )
    }

    static func api(_ sandbox: TestSandbox) async throws -> (api: SandboxAPI, apiKey: String, session: String) {
        try await SandboxServer.ensureCredentials(in: sandbox.store)
        let state = try sandbox.state()
        return (
            SandboxAPI(store: sandbox.store), try #require(state.apiKey).exposeValue(),
            try #require(state.sessionToken).exposeValue()
        )
    }

    // MARK: - REST

    @Test func restAcceptsTheAPIKeyAndEverySigningKeyForm() async throws {
        try await TestSandbox.with { sandbox in
            let (api, apiKey, _) = try await Self.api(sandbox)
            let key = try sandbox.activeKey()
            let accepted = [
                apiKey, key.exposeValue(), InngestSigningKey.stripPrefix(key.exposeValue()),
                try #require(InngestSigningKey.hashed(key)), try #require(InngestSigningKey.hashedWithPrefix(key)),
            ]
            for token in accepted {
                let response = await api.handle(Self.request("GET", "/v2/keys/signing", bearer: token))
                #expect(response.status == 200)
            }
            let missing = await api.handle(Self.request("GET", "/v2/keys/signing"))
            #expect(missing.status == 401)
            #expect(missing.json?["errors"]?.arrayValue?.first?["code"] == "authorization_header_missing")
            let wrong = await api.handle(Self.request("GET", "/v2/keys/signing", bearer: "sk-inn-api-wrong"))
            #expect(wrong.status == 401)
            #expect(wrong.json?["errors"]?.arrayValue?.first?["code"] == "invalid_api_key")
        }
    }

    @Test func listsSigningKeysWithTheirMaterial() async throws {
        try await TestSandbox.with { sandbox in
            let (api, apiKey, _) = try await Self.api(sandbox)
            let response = await api.handle(Self.request("GET", "/api/v2/keys/signing", bearer: apiKey))
            let data = try #require(response.json?["data"]?.arrayValue)
            let state = try sandbox.state()
            #expect(data.map { $0["id"]?.stringValue } == state.signingKeys.map(\.id))
            #expect(data.first?["key"]?.stringValue == state.signingKeys.first?.key.exposeValue())
            #expect(data.first?["environment"] == "production")
            #expect(data.first?["isActive"] == nil, "REST v2 has no active flag")
            #expect(response.json?["page"]?["hasMore"] == nil, "proto3 JSON leaves out a false hasMore")
        }
    }

    @Test func paginatesWithACursor() async throws {
        try await TestSandbox.with(eventKeys: 5) { sandbox in
            let (api, apiKey, _) = try await Self.api(sandbox)
            var ids: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let response = await api.handle(Self.request("GET", "/v2/keys/events\(query)", bearer: apiKey))
                let json = try #require(response.json)
                ids += try #require(json["data"]?.arrayValue).compactMap { $0["id"]?.stringValue }
                cursor = json["page"]?["hasMore"] == true ? json["page"]?["cursor"]?.stringValue : nil
                pages += 1
            } while cursor != nil
            #expect(ids == (try sandbox.state().eventKeys.map(\.id)))
            #expect(pages == 3)
            let bad = await api.handle(Self.request("GET", "/v2/keys/events?limit=0", bearer: apiKey))
            #expect(bad.status == 400)
            let unknown = await api.handle(Self.request("GET", "/v2/keys/events?cursor=nope", bearer: apiKey))
            #expect(unknown.status == 400)
        }
    }

    @Test func answersOnlyForItsEnvironment() async throws {
        try await TestSandbox.with { sandbox in
            let (api, apiKey, _) = try await Self.api(sandbox)
            let other = await api.handle(
                Self.request("GET", "/v2/keys/signing", bearer: apiKey, headers: ["X-Inngest-Env": "staging"])
            )
            #expect(other.status == 404)
            #expect(other.json?["errors"]?.arrayValue?.first?["code"] == "env_not_found")
            let same = await api.handle(
                Self.request("GET", "/v2/keys/signing", bearer: apiKey, headers: ["X-Inngest-Env": "Production"])
            )
            #expect(same.status == 200)
        }
    }

    @Test func resyncsAnEmulatedAppInProcess() async throws {
        try await TestSandbox.with { sandbox in
            let (api, apiKey, _) = try await Self.api(sandbox)
            let ok = await api.handle(Self.request("POST", "/v2/apps/api/syncs", bearer: apiKey, body: [:]))
            #expect(ok.status == 200)
            #expect(ok.json?["data"]?["status"] == "success")
            #expect(ok.json?["data"]?["id"]?.stringValue == (try sandbox.state().apps[0].syncs.last?.id))

            try sandbox.setEnv("worker", "INNGEST_SIGNING_KEY", "signkey-prod-" + String(repeating: "0", count: 64))
            let refused = await api.handle(Self.request("POST", "/v2/apps/worker/syncs", bearer: apiKey))
            #expect(refused.status == 422)
            #expect(refused.json?["data"]?["status"] == "error")
            #expect(refused.json?["data"]?["error"]?["message"] == "Your signing key is invalid")

            let missing = await api.handle(Self.request("POST", "/v2/apps/nope/syncs", bearer: apiKey))
            #expect(missing.status == 404)
        }
    }

    // MARK: - /fn/register

    @Test func registersAnSDKPresentingAnyOfTheEnvironmentsHashedKeys() async throws {
        try await TestSandbox.with { sandbox in
            let (api, _, _) = try await Self.api(sandbox)
            let active = try sandbox.activeKey()
            let inactive = try #require(try await sandbox.platform.createKey(NewKeyRequest(kind: .signing)).secret)
            let body: JSONValue = ["appname": "api", "url": "http://127.0.0.1:3000/api/inngest", "deploy_type": "ping"]
            for (key, bearer) in [
                (active, InngestSigningKey.hashed(active)), (active, InngestSigningKey.hashedWithPrefix(active)),
                (inactive, InngestSigningKey.hashed(inactive)),
            ] {
                let response = await api.handle(Self.request("POST", "/fn/register", bearer: bearer, body: body))
                #expect(response.status == 200)
                #expect(response.json?["ok"] == true)
                #expect(response.json?["modified"] != nil)
                let sync = try #require(try sandbox.state().apps[0].syncs.last)
                #expect(sync.status == .success)
                #expect(sync.signingKeyFingerprint == InngestSigningKey.fingerprint(key))
                #expect(response.json?["sync_id"]?.stringValue == sync.id)
            }
            #expect(try sandbox.state().apps[0].url == "http://127.0.0.1:3000/api/inngest")
        }
    }

    @Test func refusesAnSDKWithAnotherKeyAsInngestDoes() async throws {
        try await TestSandbox.with { sandbox in
            let (api, _, _) = try await Self.api(sandbox)
            let active = try sandbox.activeKey()
            let body: JSONValue = ["appname": "api", "url": "http://127.0.0.1:3000/api/inngest"]
            for bearer in [
                InngestSigningKey.hashed(Secret("signkey-prod-" + String(repeating: "1", count: 64)))!,
                active.exposeValue(),  // the raw key is not what an SDK sends
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // hash of an empty key
            ] {
                let response = await api.handle(Self.request("POST", "/fn/register", bearer: bearer, body: body))
                #expect(response.status == 401)
                #expect(response.json?["error"] == "Your signing key is invalid")
            }
            let syncs = try sandbox.state().apps[0].syncs
            #expect(syncs.suffix(3).allSatisfy { $0.status == .error && $0.message == "Your signing key is invalid" })
            #expect(try sandbox.state().apps[0].url == nil, "a refused sync teaches the platform nothing")
            let unknown = await api.handle(
                Self.request("POST", "/fn/register", bearer: InngestSigningKey.hashed(active), body: ["appname": "x"])
            )
            #expect(unknown.status == 400)
        }
    }

    // MARK: - GraphQL

    static func graphQL(_ operation: InngestGraphQL.Operation, _ variables: JSONValue, token: String?) -> HTTPRequest {
        request(
            "POST", "/gql", bearer: token,
            body: [
                "operationName": .string(operation.name), "query": .string(operation.document), "variables": variables,
            ]
        )
    }

    @Test func graphQLNeedsTheSessionToken() async throws {
        try await TestSandbox.with { sandbox in
            let (api, apiKey, _) = try await Self.api(sandbox)
            for token in [nil, apiKey, "wrong"] {
                let response = await api.handle(
                    Self.graphQL(InngestGraphQL.environmentBySlug, ["slug": "production"], token: token))
                #expect(response.status == 401)
            }
        }
    }

    @Test func runsTheSigningKeyLifecycleThroughGraphQL() async throws {
        try await TestSandbox.with { sandbox in
            let (api, _, session) = try await Self.api(sandbox)
            let lookup = await api.handle(
                Self.graphQL(InngestGraphQL.environmentBySlug, ["slug": "production"], token: session))
            let environmentID = try #require(lookup.json?["data"]?["envBySlug"]?["id"]?.stringValue)
            #expect(environmentID == (try sandbox.state().environmentID))
            let none = await api.handle(
                Self.graphQL(InngestGraphQL.environmentBySlug, ["slug": "staging"], token: session))
            #expect(none.json?["data"]?["envBySlug"] == .null)

            let old = try sandbox.state().signingKeys[0]
            let created = await api.handle(
                Self.graphQL(InngestGraphQL.createSigningKey, ["envID": .string(environmentID)], token: session))
            #expect(created.json?["errors"] == nil)
            let listed = await api.handle(
                Self.graphQL(InngestGraphQL.signingKeys, ["envID": .string(environmentID)], token: session))
            let keys = try #require(listed.json?["data"]?["environment"]?["signingKeys"]?.arrayValue)
            #expect(keys.map { $0["isActive"] } == [true, false])
            #expect(keys[0]["decryptedValue"]?.stringValue == old.key.exposeValue())

            let twice = await api.handle(
                Self.graphQL(InngestGraphQL.createSigningKey, ["envID": .string(environmentID)], token: session))
            #expect(twice.json?["errors"]?.arrayValue?.count == 1, "an environment holds at most two keys")

            let rotated = await api.handle(
                Self.graphQL(InngestGraphQL.rotateSigningKey, ["envID": .string(environmentID)], token: session))
            #expect(rotated.json?["errors"] == nil)
            let after = try sandbox.state().signingKeys
            #expect(after.count == 1)
            #expect(after[0].id == keys[1]["id"]?.stringValue)
            #expect(after[0].active)

            let wrongEnvironment = await api.handle(
                Self.graphQL(InngestGraphQL.signingKeys, ["envID": "other"], token: session))
            #expect(wrongEnvironment.json?["errors"] != nil)
        }
    }

    @Test func createsAndDeletesEventKeysWithFiltersThroughGraphQL() async throws {
        try await TestSandbox.with(eventKeys: 1) { sandbox in
            let (api, _, session) = try await Self.api(sandbox)
            let environmentID = try sandbox.state().environmentID
            let input: JSONValue = [
                "workspaceID": .string(environmentID), "name": "Orders (rotated)", "source": "key",
                "filterList": ["type": "allow", "events": ["orders/*"], "ips": ["10.0.0.0/8"]],
            ]
            let created = await api.handle(
                Self.graphQL(InngestGraphQL.createEventKey, ["input": input], token: session))
            let id = try #require(created.json?["data"]?["key"]?["id"]?.stringValue)
            let listed = await api.handle(
                Self.graphQL(InngestGraphQL.eventKeys, ["environmentID": .string(environmentID)], token: session)
            )
            let keys = try #require(listed.json?["data"]?["environment"]?["ingestKeys"]?.arrayValue)
            let key = try #require(keys.first { $0["id"]?.stringValue == id })
            #expect(key["filter"] == ["type": "allow", "events": ["orders/*"], "ips": ["10.0.0.0/8"]])
            #expect(key["name"] == "Orders (rotated)")
            #expect(key["presharedKey"]?.stringValue?.isEmpty == false)

            let emptyAllow: JSONValue = [
                "workspaceID": .string(environmentID), "name": "Nothing", "source": "key",
                "filterList": ["type": "allow", "events": [], "ips": []],
            ]
            let refused = await api.handle(
                Self.graphQL(InngestGraphQL.createEventKey, ["input": emptyAllow], token: session))
            #expect(refused.json?["errors"] != nil, "an empty allow-list is rejected, as by Inngest")

            let deleted = await api.handle(
                Self.graphQL(
                    InngestGraphQL.deleteEventKey,
                    ["input": ["id": .string(id), "workspaceID": .string(environmentID)]],
                    token: session)
            )
            #expect(deleted.json?["data"]?["deleteIngestKey"]?["ids"] == [.string(id)])
            #expect(try !sandbox.state().eventKeys.contains { $0.id == id })
        }
    }

    // MARK: - Faults

    @Test func answersInjectedFaultsAsHTTPErrors() async throws {
        try await TestSandbox.with { sandbox in
            let (_, apiKey, session) = try await Self.api(sandbox)
            let store = SandboxStore(path: sandbox.store.path) { operation in
                switch operation.name {
                case "listKeys": throw PlatformError.rateLimited("slow down (sandbox fault)", retryAfter: 1.5)
                case "createKey": throw PlatformError.transient("HTTP 503 (sandbox fault)")
                default: return
                }
            }
            let api = SandboxAPI(store: store)
            let limited = await api.handle(Self.request("GET", "/v2/keys/signing", bearer: apiKey))
            #expect(limited.status == 429)
            #expect(limited.headers["Retry-After"] == "2")
            let environmentID = try sandbox.state().environmentID
            let unavailable = await api.handle(
                Self.graphQL(InngestGraphQL.createSigningKey, ["envID": .string(environmentID)], token: session)
            )
            #expect(unavailable.status == 503)
            #expect(try sandbox.state().signingKeys.count == 1)
        }
    }
}
