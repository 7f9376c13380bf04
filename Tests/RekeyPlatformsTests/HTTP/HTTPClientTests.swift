import Foundation
import RekeyCore
import Testing

@testable import RekeyPlatforms

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite struct HTTPClientTests {
    static let token = "sk-inn-api-0123456789abcdef"

    static func request(_ url: String, credential: String? = "Authorization") -> HTTPRequest {
        var headers = HTTPHeaders()
        if let credential { headers[credential] = credential == "Authorization" ? "Bearer \(token)" : "t=1&s=ab" }
        return HTTPRequest(method: "GET", url: URL(string: url)!, headers: headers)
    }

    // MARK: - Cleartext guard

    @Test(arguments: [
        ("http://api.inngest.com/v2/keys/signing", "Authorization"),
        ("http://10.0.0.5:8288/v2/keys/signing", "Authorization"),
        ("http://127.0.0.2/v2", "Authorization"),
        ("http://localhost.example.com/x", "Authorization"),
        ("http://api.example.com/api/inngest", "X-Inngest-Signature"),
        ("http://api.example.com/gql", "Cookie"),
    ])
    func refusesToSendACredentialOverCleartextToAnotherHost(url: String, header: String) async {
        let fake = FakeTransport { _ in .json(200, [:]) }
        let client = HTTPClient(transport: fake.transport)
        await #expect(throws: PlatformError.self) { _ = try await client.send(Self.request(url, credential: header)) }
        #expect(fake.sent.isEmpty, "nothing may leave the process")
        do {
            _ = try await client.send(Self.request(url, credential: header))
        } catch let error as PlatformError {
            guard case .rejected(let message) = error else {
                Issue.record("expected rejected, got \(error)")
                return
            }
            #expect(message.contains("https://"))
            #expect(!message.contains(Self.token))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        "https://api.inngest.com/v2/keys/signing", "http://127.0.0.1:8288/v2/keys/signing", "http://[::1]:9000/v2",
        "http://localhost:3000/api/inngest", "HTTPS://API.INNGEST.COM/v2",
    ])
    func sendsCredentialsOverHTTPSAndToLoopback(url: String) async throws {
        let fake = FakeTransport { _ in .json(200, [:]) }
        _ = try await HTTPClient(transport: fake.transport).send(Self.request(url))
        #expect(fake.sent.count == 1)
    }

    @Test func sendsRequestsWithoutCredentialsOverCleartext() async throws {
        let fake = FakeTransport { _ in .json(200, [:]) }
        _ = try await HTTPClient(transport: fake.transport).send(
            Self.request("http://example.com/health", credential: nil))
        #expect(fake.sent.count == 1)
    }

    @Test(arguments: ["ftp://127.0.0.1/x", "file:///etc/passwd"])
    func refusesOtherSchemes(url: String) async {
        let fake = FakeTransport { _ in .json(200, [:]) }
        await #expect(throws: PlatformError.self) {
            _ = try await HTTPClient(transport: fake.transport).send(Self.request(url, credential: nil))
        }
        #expect(fake.sent.isEmpty)
    }

    // MARK: - Status mapping

    @Test func mapsA429WithRetryAfterToRateLimited() async {
        let fake = FakeTransport { _ in
            .json(429, ["errors": [["code": "rate_limited", "message": "slow down"]]], headers: ["Retry-After": "7"])
        }
        await #expect(
            throws: PlatformError.rateLimited("GET https://api.inngest.com/v2: HTTP 429: slow down", retryAfter: 7)
        ) {
            _ = try await HTTPClient(transport: fake.transport).checked(Self.request("https://api.inngest.com/v2"))
        }
    }

    @Test func readsRetryAfterAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let response = HTTPResponse(status: 429, headers: ["Retry-After": "Tue, 14 Nov 2023 22:13:50 GMT"])
        #expect(HTTPClient.retryAfter(response, now: now) == 30)
        #expect(HTTPClient.retryAfter(HTTPResponse(status: 429, headers: ["Retry-After": "soon"])) == nil)
    }

    @Test(arguments: [
        (500, "transient"), (502, "transient"), (503, "transient"), (408, "transient"), (401, "unauthorized"),
        (403, "unauthorized"), (404, "notFound"), (400, "rejected"), (409, "rejected"), (422, "rejected"),
        (302, "rejected"),
    ])
    func mapsStatusesToPlatformErrors(status: Int, kind: String) {
        let response = HTTPResponse.json(status, ["errors": [["code": "x", "message": "the platform says no"]]])
        let error = HTTPClient.error(for: response, request: Self.request("https://api.inngest.com/v2/apps"))
        let actual: String? =
            switch error {
            case .transient(let message, _): message.contains("the platform says no") ? "transient" : "message lost"
            case .unauthorized(let message): message.contains("the platform says no") ? "unauthorized" : "message lost"
            case .notFound(let message): message.contains("the platform says no") ? "notFound" : "message lost"
            case .rejected(let message): message.contains("the platform says no") ? "rejected" : "message lost"
            default: "\(String(describing: error))"
            }
        #expect(actual == kind)
        #expect(error?.isRetryable == (kind == "transient"))
    }

    @Test func returnsNoErrorFor2xx() {
        #expect(HTTPClient.error(for: HTTPResponse(status: 201), request: Self.request("https://a.b/")) == nil)
    }

    @Test(arguments: [
        (#"{"errors":[{"code":"a","message":"one"},{"code":"b","message":"two"}]}"#, "one; two"),
        (#"{"message":"Unauthorized"}"#, "Unauthorized"),
        (#"{"error":"Your signing key is invalid"}"#, "Your signing key is invalid"),
        ("Authentication failed\n", "Authentication failed"),
    ])
    func readsThePlatformsMessage(body: String, message: String) {
        #expect(HTTPClient.platformMessage(HTTPResponse(status: 400, body: Array(body.utf8))) == message)
    }

    @Test func neverEchoesTheCredentialInAnError() {
        let body = #"{"errors":[{"message":"key \#(Self.token) is revoked"}]}"#
        let error = HTTPClient.error(
            for: HTTPResponse(status: 401, body: Array(body.utf8)),
            request: Self.request("https://api.inngest.com/v2/keys/signing")
        )
        let text = "\(String(describing: error))"
        #expect(!text.contains(Self.token))
        #expect(text.contains("<redacted>"))
    }

    // MARK: - Transport failures

    @Test(arguments: [URLError.Code.cannotConnectToHost, .timedOut, .networkConnectionLost])
    func mapsTransportFailuresToTransient(code: URLError.Code) async {
        let fake = FakeTransport { _ in throw URLError(code) }
        do {
            _ = try await HTTPClient(transport: fake.transport).send(Self.request("https://api.inngest.com/v2"))
            Issue.record("expected an error")
        } catch let error as PlatformError {
            #expect(error.isRetryable)
            #expect(!error.description.contains(Self.token))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func describesRequestsWithoutHeadersOrQuery() {
        var request = Self.request("https://api.inngest.com/v2/keys/signing?cursor=abc&limit=2")
        request.headers["X-Other"] = "1"
        #expect(request.description == "GET https://api.inngest.com/v2/keys/signing")
        #expect(request.headers.description == "[Authorization, X-Other]")
        #expect(request.carriesCredential)
    }

    @Test func headersLookUpAnyCaseAndReplaceInPlace() {
        var headers: HTTPHeaders = ["Content-Type": "a", "X-One": "1"]
        headers["content-type"] = "b"
        #expect(headers.fields.map(\.name) == ["content-type", "X-One"])
        #expect(headers["CONTENT-TYPE"] == "b")
        headers["x-one"] = nil
        #expect(!headers.contains("X-One"))
    }
}
