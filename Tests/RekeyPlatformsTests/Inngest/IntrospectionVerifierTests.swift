import Foundation
import RekeyCore
import RekeyCrypto
import Testing

@testable import RekeyPlatforms

/// The verifier against scripted serve endpoints behaving like each SDK (`inngest-platform.md` §3,
/// `inngest-sdk.md` §2d).
@Suite struct IntrospectionVerifierTests {
    static let new = Secret("signkey-prod-" + String(repeating: "1", count: 64))
    static let old = Secret("signkey-prod-" + String(repeating: "2", count: 64))
    static let url = URL(string: "https://api.example.com/api/inngest")!
    static let app = AppSpec(
        name: "api", target: .dotenv(path: "/dev/null"), verify: .introspection(url: url.absoluteString))

    /// An app of the Python SDK in cloud mode running `primary`/`fallback`: checks our signature against
    /// both, answers 401 when neither verifies, else the authenticated introspection signed with the key
    /// that verified.
    static func pythonApp(primary: Secret?, fallback: Secret?, eventKey: String? = "event-key") -> FakeTransport {
        FakeTransport { request in
            let header = request.headers["X-Inngest-Signature"] ?? ""
            guard
                let key = [primary, fallback].compactMap(\.self).first(where: {
                    InngestSignature.verify(header: header, body: request.body, key: $0)
                })
            else {
                return .json(401, ["message": "Unauthorized"])
            }
            func hash(_ key: Secret?) -> JSONValue {
                guard let key, !key.isEmpty else { return nil }
                return .string(InngestSigningKey.hashed(key)!)
            }
            let body: JSONValue = [
                "authentication_succeeded": true, "mode": "cloud", "schema_version": "2024-05-24",
                "has_signing_key": .bool(primary != nil), "signing_key_hash": hash(primary),
                "has_signing_key_fallback": .bool(fallback != nil), "signing_key_fallback_hash": hash(fallback),
                "has_event_key": .bool(eventKey != nil),
                "event_key_hash": eventKey.map { .string(SHA256.hex($0)) } ?? nil,
            ]
            let bytes = Array(body.serialized().utf8)
            return HTTPResponse(
                status: 200,
                headers: [
                    "X-Inngest-Signature": InngestSignature.header(body: bytes, timestamp: 1_700_000_000, key: key)
                ],
                body: bytes
            )
        }
    }

    static func verifier(_ fake: FakeTransport) -> IntrospectionVerifier {
        IntrospectionVerifier(url: url, transport: fake.transport, now: { 1_700_000_123 })
    }

    @Test func signsAnEmptyBodiedGETWithTheKeyItChecks() async throws {
        let fake = Self.pythonApp(primary: Self.new, fallback: Self.old)
        _ = try await Self.verifier(fake).inspect(app: Self.app, signedWith: Self.new)
        let request = try #require(fake.sent.first)
        #expect(request.method == "GET")
        #expect(request.url == Self.url)
        #expect(request.body.isEmpty)
        #expect(
            request.headers["X-Inngest-Signature"]
                == InngestSignature.header(body: [], timestamp: 1_700_000_123, key: Self.new))
        #expect(request.headers["X-Inngest-Server-Kind"] == nil, "a dev-mode app would answer 403 and hide its mode")
    }

    @Test func reportsWhatAnAppOnTheNewKeysRunsWith() async throws {
        let report = try await Self.verifier(Self.pythonApp(primary: Self.new, fallback: Self.old))
            .inspect(app: Self.app, signedWith: Self.new)
        #expect(report.authenticated)
        #expect(report.mode == "cloud")
        #expect(InngestSigningKey.fingerprint(Self.new)!.matches(reportedHash: try #require(report.signingKeyHash)))
        #expect(
            InngestSigningKey.fingerprint(Self.old)!.matches(reportedHash: try #require(report.signingKeyFallbackHash)))
        #expect(report.eventKeyHash == SHA256.hex("event-key"))
    }

    @Test func anAppStillOnTheOldKeyIsNotAuthenticated() async throws {
        let verifier = Self.verifier(Self.pythonApp(primary: Self.old, fallback: nil))
        let report = try await verifier.inspect(app: Self.app, signedWith: Self.new)
        #expect(!report.authenticated)
        #expect(report.signingKeyHash == nil)
        #expect(try await !verifier.accepts(app: Self.app, signedWith: Self.new))
        #expect(try await verifier.accepts(app: Self.app, signedWith: Self.old))
    }

    @Test func afterTheFallbackIsDroppedTheOldKeyIsRefused() async throws {
        let verifier = Self.verifier(Self.pythonApp(primary: Self.new, fallback: nil))
        #expect(try await verifier.accepts(app: Self.app, signedWith: Self.new))
        #expect(try await !verifier.accepts(app: Self.app, signedWith: Self.old))
    }

    @Test func passesOnAnEmptyFallbackForTheGateToStopOn() async throws {
        // `INNGEST_SIGNING_KEY_FALLBACK=`: has_signing_key_fallback true, hash null (hazard 1).
        let report = try await Self.verifier(Self.pythonApp(primary: Self.new, fallback: Secret("")))
            .inspect(app: Self.app, signedWith: Self.new)
        #expect(report.hasSigningKeyFallback == true)
        #expect(report.signingKeyFallbackHash == nil)
    }

    @Test func refusesAnAnswerNotSignedWithOurKey() async {
        let forged = FakeTransport { _ in
            .json(
                200, ["authentication_succeeded": true, "mode": "cloud", "signing_key_hash": "x"],
                headers: ["X-Inngest-Signature": "t=1&s=00"])
        }
        await #expect(throws: PlatformError.self) {
            _ = try await Self.verifier(forged).inspect(app: Self.app, signedWith: Self.new)
        }
        let unsigned = FakeTransport { _ in .json(200, ["authentication_succeeded": true, "mode": "cloud"]) }
        await #expect(throws: PlatformError.self) {
            _ = try await Self.verifier(unsigned).inspect(app: Self.app, signedWith: Self.new)
        }
    }

    @Test func reportsADevModeApp() async throws {
        let dev = FakeTransport { _ in
            .json(
                200,
                [
                    "function_count": 1, "has_signing_key": true, "has_signing_key_fallback": false, "mode": "dev",
                    "schema_version": "2024-05-24",
                ])
        }
        let verifier = Self.verifier(dev)
        let report = try await verifier.inspect(app: Self.app, signedWith: Self.new)
        #expect(report.mode == "dev")
        #expect(!report.authenticated)
        #expect(try await verifier.accepts(app: Self.app, signedWith: Self.old), "a dev-mode app accepts anything")
    }

    @Test func readsTheGoSDKsRefusalInTheBody() async throws {
        let go = FakeTransport { _ in
            .json(200, ["authentication_succeeded": false, "mode": "cloud", "has_signing_key": true])
        }
        let report = try await Self.verifier(go).inspect(app: Self.app, signedWith: Self.new)
        #expect(!report.authenticated)
    }

    @Test(arguments: [
        // JS: the first 12 hex characters, no fallback fields.
        ("js", String(InngestSigningKey.hashed(new)!.prefix(12)), false),
        // Go: the prefix and the full hash.
        ("go", InngestSigningKey.hashedWithPrefix(new)!, true),
        // Python: the full hash without prefix.
        ("py", InngestSigningKey.hashed(new)!, true),
    ])
    func acceptsEachSDKsHashFormat(sdk: String, reported: String, reportsFallback: Bool) async throws {
        let fake = FakeTransport { request in
            var body: JSONValue = [
                "authentication_succeeded": true, "mode": "cloud", "signing_key_hash": .string(reported),
                "sdk_language": .string(sdk),
            ]
            if reportsFallback, case .object(var object) = body {
                object["has_signing_key_fallback"] = false
                object["signing_key_fallback_hash"] = nil
                body = .object(object)
            }
            let bytes = Array(body.serialized().utf8) + [0x0A]
            return HTTPResponse(
                status: 200,
                headers: [
                    "X-Inngest-Signature": InngestSignature.header(
                        body: Array(bytes.dropLast()), timestamp: 5, key: Self.new)
                ],
                body: bytes
            )
        }
        let report = try await Self.verifier(fake).inspect(app: Self.app, signedWith: Self.new)
        #expect(report.authenticated)
        #expect(InngestSigningKey.fingerprint(Self.new)!.matches(reportedHash: try #require(report.signingKeyHash)))
        #expect((report.hasSigningKeyFallback == nil) == !reportsFallback)
    }

    @Test func aMissingEndpointIsNotFoundAndAnOutageIsRetryable() async {
        let missing = FakeTransport { _ in HTTPResponse(status: 404, body: Array("not found".utf8)) }
        await #expect(throws: PlatformError.self) {
            _ = try await Self.verifier(missing).inspect(app: Self.app, signedWith: Self.new)
        }
        let down = FakeTransport { _ in throw URLError(.cannotConnectToHost) }
        do {
            _ = try await Self.verifier(down).inspect(app: Self.app, signedWith: Self.new)
            Issue.record("expected an error")
        } catch let error as PlatformError {
            #expect(error.isRetryable)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func neverSendsASignatureOverCleartextToAnotherHost() async {
        let fake = FakeTransport { _ in .json(200, [:]) }
        let verifier = IntrospectionVerifier(
            url: URL(string: "http://api.example.com/api/inngest")!, transport: fake.transport)
        await #expect(throws: PlatformError.self) {
            _ = try await verifier.inspect(app: Self.app, signedWith: Self.new)
        }
        #expect(fake.sent.isEmpty)
    }
}
