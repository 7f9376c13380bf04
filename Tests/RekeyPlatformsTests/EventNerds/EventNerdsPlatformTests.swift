import Foundation
import RekeyCore
import Testing

@testable import RekeyPlatforms

/// The `eventnerds` platform against scripted answers in the shapes of the API-keys page
/// (`eventnerds.md`), and error bodies in whatever shape the undocumented errors take.
@Suite struct EventNerdsPlatformTests {
    static let token = "eyJhbGciOiJIUzI1NiJ9.session-token-value.signature"
    static let fullKey = "evn_prod_abc123xyz789secretpart"

    static func platform(_ fake: FakeTransport, base: String = "https://eventnerds.com/api/developer/v1")
        -> EventNerdsPlatform
    {
        EventNerdsPlatform(
            configuration: EventNerdsPlatform.Configuration(
                baseURL: URL(string: base)!, token: Secret(token), tokenSource: "EVENTNERDS_TOKEN"),
            transport: fake.transport)
    }

    @Test func listsKeysWithPrefixScopeAndLastUse() async throws {
        let fake = FakeTransport { _ in
            .json(
                200,
                [
                    "success": true,
                    "data": [
                        [
                            "id": "k1", "name": "Production API Key", "prefix": "evn_prod_", "event_id": "e-1",
                            "created_at": "2025-01-15T10:00:00Z", "last_used_at": "2025-01-16T14:30:00.250Z",
                        ],
                        [
                            "id": "k2", "name": "Org", "prefix": "evn_prod_", "event_id": nil,
                            "created_at": "2025-01-15T10:00:00Z", "last_used_at": nil,
                        ],
                    ],
                ])
        }
        let keys = try await Self.platform(fake).listKeys(.api)
        #expect(keys.map(\.id) == ["k1", "k2"])
        #expect(keys.map(\.scope) == ["e-1", nil])
        #expect(keys[0].prefix == "evn_prod_")
        #expect(keys[0].secret == nil)
        #expect(keys[0].lastUsedAt == Date(timeIntervalSince1970: 1_737_037_800.25))
        #expect(keys[1].lastUsedAt == nil)
        let request = try #require(fake.sent.first)
        #expect(request.method == "GET")
        #expect(request.url.absoluteString == "https://eventnerds.com/api/developer/v1/api-keys")
        #expect(request.headers["Authorization"] == "Bearer \(Self.token)")
    }

    @Test func createsAKeyWithTheSameScopeAndKeepsTheSecretShownOnce() async throws {
        let fake = FakeTransport { request in
            .json(
                201,
                [
                    "success": true,
                    "data": [
                        "id": "k3", "name": "Production API Key (rotated)", "key": .string(Self.fullKey),
                        "event_id": "e-1", "created_at": "2025-01-15T10:00:00Z",
                    ],
                ])
        }
        let platform = Self.platform(fake)
        #expect(platform.secretsAreReadable(.api) == false)
        let key = try await platform.createKey(
            NewKeyRequest(kind: .api, name: "Production API Key (rotated)", scope: "e-1"))
        #expect(key.id == "k3")
        #expect(key.secret == Secret(Self.fullKey))
        #expect(key.scope == "e-1")
        let request = try #require(fake.sent.first)
        #expect(request.method == "POST")
        let body = try JSONValue.parse(request.body)
        #expect(body == ["name": "Production API Key (rotated)", "event_id": "e-1"])

        // An organisation-wide key sends no event_id.
        _ = try await platform.createKey(NewKeyRequest(kind: .api, name: "Org (rotated)"))
        #expect(try JSONValue.parse(fake.sent[1].body) == ["name": "Org (rotated)"])
    }

    @Test func aCreateAnswerWithoutTheKeyIsAnErrorThatShowsNoBody() async throws {
        let fake = FakeTransport { _ in .json(201, ["success": true, "data": ["id": "k3", "name": "n"]]) }
        let error = await #expect(throws: PlatformError.self) {
            _ = try await Self.platform(fake).createKey(NewKeyRequest(kind: .api, name: "n"))
        }
        guard case .invalidResponse(let message)? = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(message.contains("data.key") && message.contains("k3"))
    }

    @Test func deletesByID() async throws {
        let fake = FakeTransport { _ in .json(200, ["success": true]) }
        try await Self.platform(fake).deleteKey(.api, id: "k 1/x")
        #expect(fake.sent.first?.method == "DELETE")
        #expect(fake.sent.first?.url.absoluteString == "https://eventnerds.com/api/developer/v1/api-keys/k%201%2Fx")
    }

    @Test(
        arguments: [
            (404, #"{"success": false, "message": "API key not found"}"#, "notFound", "API key not found"),
            (400, #"{"success": false, "error": "name is required"}"#, "rejected", "name is required"),
            (
                422,
                #"{"success": false, "error": {"code": "validation_error", "message": "event_id must be a UUID"}}"#,
                "rejected", "event_id must be a UUID"
            ),
            (422, #"{"success": false, "errors": {"name": ["is required"]}}"#, "rejected", "name: is required"),
            (400, #"{"success": false, "error": {"code": "bad_event"}}"#, "rejected", "bad_event"),
            (401, #"{"success": false, "error": "Unauthorized"}"#, "unauthorized", "EVENTNERDS_TOKEN"),
            (429, #"{"success": false}"#, "rateLimited", "HTTP 429"),
            (503, "<html>upstream down</html>", "transient", "HTTP 503"),
            (500, "", "transient", "HTTP 500"),
        ] as [(Int, String, String, String)])
    func errorsInAnyShapeBecomeClassifiedPlatformErrors(status: Int, body: String, kind: String, message: String)
        async throws
    {
        let fake = FakeTransport { _ in HTTPResponse(status: status, body: Array(body.utf8)) }
        let error = await #expect(throws: PlatformError.self) {
            try await Self.platform(fake).deleteKey(.api, id: "k1")
        }
        let thrown = try #require(error)
        #expect("\(thrown)".contains(message), "\(thrown)")
        #expect(!"\(thrown)".contains(Self.token))
        let actual: String
        switch thrown {
        case .notFound: actual = "notFound"
        case .rejected: actual = "rejected"
        case .unauthorized: actual = "unauthorized"
        case .rateLimited: actual = "rateLimited"
        case .transient: actual = "transient"
        default: actual = "\(thrown)"
        }
        #expect(actual == kind)
        #expect(thrown.isRetryable == (kind == "rateLimited" || kind == "transient"))
    }

    @Test func aSuccessfulStatusWithSuccessFalseIsARefusal() async throws {
        let fake = FakeTransport { _ in .json(200, ["success": false, "error": "quota exceeded"]) }
        let error = await #expect(throws: PlatformError.self) { _ = try await Self.platform(fake).listKeys(.api) }
        #expect(error == .rejected("GET https://eventnerds.com/api/developer/v1/api-keys: quota exceeded"))
    }

    @Test func theTokenIsNeverSentInCleartextExceptToLoopback() async throws {
        let fake = FakeTransport { _ in .json(200, ["success": true, "data": []]) }
        await #expect(throws: PlatformError.self) {
            _ = try await Self.platform(fake, base: "http://eventnerds.com/api/developer/v1").listKeys(.api)
        }
        #expect(fake.sent.isEmpty)
        _ = try await Self.platform(fake, base: "http://127.0.0.1:9/api/developer/v1").listKeys(.api)
        #expect(fake.sent.count == 1)
    }

    @Test func otherKindsOfKeysAreNotSupported() async throws {
        let fake = FakeTransport { _ in .json(200, ["success": true, "data": []]) }
        let platform = Self.platform(fake)
        await #expect(throws: PlatformError.self) { _ = try await platform.listKeys(.signing) }
        #expect(platform.capabilities == [.listAPIKeys, .createAPIKey, .deleteAPIKey, .reportsKeyUsage])
        #expect(fake.sent.isEmpty)
    }
}
