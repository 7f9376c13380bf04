import Foundation
import RekeyCore
import Testing

@testable import RekeyPlatforms

/// The `inngest` platform against scripted REST and GraphQL answers (the wire shapes of
/// `inngest-platform.md` §1).
@Suite struct InngestPlatformTests {
    static let apiKey = "sk-inn-api-secret-value-1234"
    static let keyA = "signkey-prod-" + String(repeating: "a", count: 64)
    static let keyB = "signkey-prod-" + String(repeating: "b", count: 64)

    static func platform(
        _ fake: FakeTransport,
        session: String? = nil,
        pageSize: Int = 100,
        environmentID: String? = nil
    ) -> InngestPlatform {
        InngestPlatform(
            configuration: InngestPlatform.Configuration(
                apiURL: URL(string: "https://api.inngest.com")!,
                graphqlURL: URL(string: "https://api.inngest.com/gql")!,
                environment: "production",
                environmentID: environmentID,
                apiKey: Secret(apiKey),
                sessionToken: session.map(Secret.init),
                sessionTokenSource: "INNGEST_SESSION_TOKEN",
                pageSize: pageSize
            ),
            transport: fake.transport
        )
    }

    static func signingKey(_ id: String, _ key: String, _ createdAt: String) -> JSONValue {
        [
            "id": .string(id), "name": "", "environment": "production", "key": .string(key),
            "createdAt": .string(createdAt),
        ]
    }

    // MARK: - REST reads

    @Test func followsTheCursorUntilHasMoreIsFalse() async throws {
        let keys: [JSONValue] = (1...5).map {
            ["id": .string("ek_\($0)"), "name": .string("Key \($0)"), "key": .string("event-key-\($0)")]
        }
        let fake = FakeTransport { request in
            let limit = Int(request.query("limit") ?? "") ?? 20
            let start =
                request.query("cursor").flatMap { cursor in keys.firstIndex { $0["id"]?.stringValue == cursor } }
                .map { $0 + 1 } ?? 0
            let end = min(keys.count, start + limit)
            let page: JSONValue =
                end < keys.count
                ? ["limit": .number(Double(limit)), "hasMore": true, "cursor": keys[end - 1]["id"]!]
                : ["limit": .number(Double(limit))]
            return .json(200, ["data": .array(Array(keys[start..<end])), "page": page])
        }
        let listed = try await Self.platform(fake, pageSize: 2).listKeys(.event)
        #expect(listed.map(\.id) == ["ek_1", "ek_2", "ek_3", "ek_4", "ek_5"])
        #expect(listed.map(\.name) == ["Key 1", "Key 2", "Key 3", "Key 4", "Key 5"])
        #expect(listed[0].secret == Secret("event-key-1"))
        #expect(listed[0].filter == nil, "REST v2 has no filters: unknown, not 'none'")
        #expect(fake.sent.count == 3)
        for request in fake.sent {
            #expect(request.url.path == "/v2/keys/events")
            #expect(request.headers["Authorization"] == "Bearer \(Self.apiKey)")
            #expect(request.headers["X-Inngest-Env"] == "production")
            #expect(request.query("limit") == "2")
        }
        #expect(fake.sent.map { $0.query("cursor") } == [nil, "ek_2", "ek_4"])
    }

    @Test func refusesAPlatformThatPagesForever() async {
        let fake = FakeTransport { _ in
            .json(
                200, ["data": [["id": "ek_1", "key": "x"]], "page": ["hasMore": true, "cursor": "same", "limit": 1]])
        }
        await #expect(throws: PlatformError.self) { _ = try await Self.platform(fake).listKeys(.event) }
        #expect(fake.sent.count == 2)
    }

    @Test func aLoneRESTSigningKeyIsActive() async throws {
        let fake = FakeTransport { _ in
            .json(200, ["data": [Self.signingKey("sk_1", Self.keyA, "2024-01-01T00:00:00Z")]])
        }
        let keys = try await Self.platform(fake).listKeys(.signing)
        #expect(keys.map(\.isActive) == [true])
        #expect(keys[0].fingerprint == InngestSigningKey.fingerprint(Secret(Self.keyA)))
    }

    @Test func ofTwoRESTSigningKeysTheOlderIsActive() async throws {
        // Listed newest first, with nanosecond precision: the order of the list must not matter.
        let fake = FakeTransport { _ in
            .json(
                200,
                [
                    "data": [
                        Self.signingKey("sk_new", Self.keyB, "2024-06-01T10:00:00.123456789Z"),
                        Self.signingKey("sk_old", Self.keyA, "2024-01-01T00:00:00Z"),
                    ]
                ]
            )
        }
        let keys = try await Self.platform(fake).listKeys(.signing)
        #expect(keys.first { $0.id == "sk_old" }?.isActive == true)
        #expect(keys.first { $0.id == "sk_new" }?.isActive == false)
    }

    @Test func refusesToGuessBetweenTwoKeysOfTheSameAge() async {
        let fake = FakeTransport { _ in
            .json(
                200,
                [
                    "data": [
                        Self.signingKey("sk_1", Self.keyA, "2024-01-01T00:00:00Z"),
                        Self.signingKey("sk_2", Self.keyB, "2024-01-01T00:00:00Z"),
                    ]
                ]
            )
        }
        await #expect(throws: PlatformError.self) { _ = try await Self.platform(fake).listKeys(.signing) }
    }

    @Test func namesTheAPIKeyVariableWhenTheKeyIsRefused() async {
        let fake = FakeTransport { _ in .json(401, ["errors": [["code": "invalid_api_key", "message": "bad key"]]]) }
        do {
            _ = try await Self.platform(fake).listKeys(.signing)
            Issue.record("expected unauthorized")
        } catch let error as PlatformError {
            guard case .unauthorized(let message) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(message.contains("INNGEST_API_KEY"))
            #expect(message.contains("bad key"))
            #expect(!message.contains(Self.apiKey))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    // MARK: - Capabilities

    @Test func withoutASessionTokenKeyMutationsAreGuided() async {
        let fake = FakeTransport { _ in .json(200, [:]) }
        let platform = Self.platform(fake)
        #expect(platform.capabilities == [.listSigningKeys, .listEventKeys, .listApps, .resyncApp])
        await #expect(throws: PlatformError.self) { _ = try await platform.createKey(NewKeyRequest(kind: .signing)) }
        await #expect(throws: PlatformError.self) { try await platform.promoteSigningKey(id: "sk_1") }
        #expect(fake.sent.isEmpty)
        let instructions = platform.instructions(for: .createSigningKey).joined(separator: " ")
        #expect(instructions.contains("'production'"))
        #expect(instructions.contains("Create new signing key"))
        let eventKey = platform.instructions(for: .createEventKey(name: "Orders (rotated)", filter: .unrestricted))
        #expect(eventKey.joined(separator: " ").contains("Copy any event and IP filters from the old key"))
    }

    @Test func withASessionTokenEverythingIsAutomatic() {
        let platform = Self.platform(FakeTransport { _ in .json(200, [:]) }, session: "session")
        #expect(platform.capabilities == .inngest)
    }

    // MARK: - GraphQL

    @Test func findsTheEnvironmentBySlugOnceAndRotatesTheInactiveKey() async throws {
        let fake = FakeTransport { request in
            let body = try JSONValue.parse(request.body)
            switch body["operationName"]?.stringValue {
            case "GetEnvironmentBySlug":
                return .json(
                    200, ["data": ["envBySlug": ["id": "env-uuid", "name": "production", "slug": "production"]]])
            case "GetSigningKeys":
                return .json(
                    200,
                    [
                        "data": [
                            "environment": [
                                "signingKeys": [
                                    [
                                        "id": "sk_old", "decryptedValue": .string(Self.keyA), "isActive": true,
                                        "createdAt": "2024-01-01T00:00:00Z",
                                    ],
                                    [
                                        "id": "sk_new", "decryptedValue": .string(Self.keyB), "isActive": false,
                                        "createdAt": "2024-01-01T00:00:00Z",
                                    ],
                                ]
                            ]
                        ]
                    ]
                )
            case "RotateSigningKey":
                return .json(200, ["data": ["rotateSigningKey": ["createdAt": "2024-01-01T00:00:00Z"]]])
            default:
                return .json(200, ["errors": [["message": "unexpected"]]])
            }
        }
        let platform = Self.platform(fake, session: "the-session-token")
        try await platform.promoteSigningKey(id: "sk_new")
        let keys = try await platform.listKeys(.signing)
        #expect(keys.map(\.isActive) == [true, false], "GraphQL's flag wins, whatever the creation times")
        let operations = fake.sent.map { (try? JSONValue.parse($0.body))?["operationName"]?.stringValue ?? "?" }
        #expect(operations == ["GetEnvironmentBySlug", "GetSigningKeys", "RotateSigningKey", "GetSigningKeys"])
        let rotate = try #require(
            fake.sent.first { (try? JSONValue.parse($0.body))?["operationName"] == "RotateSigningKey" })
        #expect(try JSONValue.parse(rotate.body)["variables"]?["envID"] == "env-uuid")
        #expect(rotate.headers["Authorization"] == "Bearer the-session-token")
        #expect(rotate.url.absoluteString == "https://api.inngest.com/gql")
    }

    @Test func refusesToRotateWhenTheNamedKeyIsNotTheInactiveOne() async {
        let fake = FakeTransport { request in
            let body = try JSONValue.parse(request.body)
            switch body["operationName"]?.stringValue {
            case "GetSigningKeys":
                return .json(
                    200,
                    [
                        "data": [
                            "environment": [
                                "signingKeys": [
                                    ["id": "sk_old", "decryptedValue": .string(Self.keyA), "isActive": true]
                                ]
                            ]
                        ]
                    ]
                )
            default:
                return .json(200, ["errors": [["message": "must not be called"]]])
            }
        }
        let platform = Self.platform(fake, session: "s", environmentID: "env-uuid")
        await #expect(
            throws: PlatformError.rejected(
                "signing key sk_old is already the active key; there is nothing to rotate to")
        ) {
            try await platform.promoteSigningKey(id: "sk_old")
        }
        await #expect(throws: PlatformError.self) { try await platform.promoteSigningKey(id: "sk_gone") }
    }

    @Test func createsEventKeysWithTheOldFiltersAndNeverAnEmptyAllowList() async throws {
        let inputs = LockedArray<JSONValue>()
        let fake = FakeTransport { request in
            let body = try JSONValue.parse(request.body)
            switch body["operationName"]?.stringValue {
            case "NewIngestKey":
                inputs.append(body["variables"]?["input"] ?? nil)
                return .json(200, ["data": ["key": ["id": "ek_new"]]])
            case "GetIngestKeys":
                return .json(200, ["data": ["environment": ["ingestKeys": []]]])
            default:
                return .json(200, ["errors": [["message": "unexpected"]]])
            }
        }
        let platform = Self.platform(fake, session: "s", environmentID: "env-uuid")
        let filter = KeyFilter(mode: .allow, events: ["orders/*"], ips: ["10.0.0.0/8"])
        _ = try await platform.createKey(NewKeyRequest(kind: .event, name: "Orders (rotated)", filter: filter))
        _ = try await platform.createKey(NewKeyRequest(kind: .event, name: "Open", filter: KeyFilter(mode: .allow)))
        let sent = inputs.values
        #expect(
            sent[0] == [
                "workspaceID": "env-uuid", "name": "Orders (rotated)", "source": "key",
                "filterList": ["type": "allow", "events": ["orders/*"], "ips": ["10.0.0.0/8"]],
            ])
        #expect(sent[1]["filterList"]?["type"] == "deny")
    }

    @Test func mapsGraphQLErrorsByTheirMessage() async {
        let fake = FakeTransport { _ in .json(200, ["data": nil, "errors": [["message": "signing key not found"]]]) }
        let platform = Self.platform(fake, session: "s", environmentID: "env-uuid")
        await #expect(throws: PlatformError.self) { _ = try await platform.listKeys(.signing) }
        do {
            _ = try await platform.listKeys(.signing)
        } catch let error as PlatformError {
            guard case .notFound(let message) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(message.contains("GetSigningKeys"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func namesTheSessionTokenVariableWhenTheTokenIsRefused() async {
        let fake = FakeTransport { _ in .json(401, ["errors": [["message": "unauthenticated"]]]) }
        let platform = Self.platform(fake, session: "expired-session", environmentID: "env-uuid")
        do {
            _ = try await platform.listKeys(.event)
            Issue.record("expected unauthorized")
        } catch let error as PlatformError {
            guard case .unauthorized(let message) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(message.contains("INNGEST_SESSION_TOKEN"))
            #expect(!message.contains("expired-session"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    // MARK: - Resync

    @Test(arguments: [
        (200, #"{"data":{"id":"s1","status":"success","appId":"api"}}"#, SyncResult(status: .success, syncID: "s1")),
        (
            200, #"{"data":{"id":"s2","status":"duplicate","appId":"api"}}"#,
            SyncResult(status: .duplicate, syncID: "s2")
        ),
        (
            422,
            #"{"data":{"id":"s3","status":"error","appId":"api","error":{"code":"app_sync_failed","message":"Your signing key is invalid"}}}"#,
            SyncResult(status: .error, message: "Your signing key is invalid", syncID: "s3")
        ),
        (
            200, #"{"data":{"status":"error","error":{"message":"unreachable"}}}"#,
            SyncResult(status: .error, message: "unreachable")
        ),
    ])
    func readsTheSyncOutcomeFromTheBody(status: Int, body: String, expected: SyncResult) async throws {
        let fake = FakeTransport { _ in HTTPResponse(status: status, body: Array(body.utf8)) }
        let result = try await Self.platform(fake).resyncApp(id: "api", url: "https://api.example.com/api/inngest")
        #expect(result == expected)
        let request = try #require(fake.sent.first)
        #expect(request.method == "POST")
        #expect(request.url.path == "/v2/apps/api/syncs")
        #expect(try JSONValue.parse(request.body) == ["url": "https://api.example.com/api/inngest"])
    }

    @Test func aResyncOfAnUnknownAppIsNotFound() async {
        let fake = FakeTransport { _ in .json(404, ["errors": [["code": "not_found", "message": "app not found"]]]) }
        await #expect(throws: PlatformError.self) {
            _ = try await Self.platform(fake).resyncApp(id: "nope", url: "https://x.example.com/api/inngest")
        }
    }

    @Test func describesEachCallOnTheWire() {
        let rest = Self.platform(FakeTransport { _ in .json(200, [:]) })
        #expect(rest.describe(.listKeys(.signing)).hasPrefix("GET https://api.inngest.com/v2/keys/signing"))
        #expect(
            rest.describe(.resyncApp(id: "my app")).hasPrefix("POST https://api.inngest.com/v2/apps/my%20app/syncs"))
        let graphQL = Self.platform(FakeTransport { _ in .json(200, [:]) }, session: "s")
        #expect(graphQL.describe(.promoteSigningKey(id: "sk_1")).hasPrefix("GraphQL RotateSigningKey(envID)"))
        let create = graphQL.describe(
            .createKey(.event, name: "Orders (rotated)", filter: KeyFilter(mode: .allow, events: ["orders/*"]))
        )
        #expect(create.contains("name: 'Orders (rotated)'"))
        #expect(create.contains("type: allow, events: [orders/*]"))
        #expect(!create.contains("session"))
    }
}
