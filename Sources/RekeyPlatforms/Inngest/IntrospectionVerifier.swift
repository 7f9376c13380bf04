import Foundation
import RekeyCore

/// Reads what a deployed app runs with from its Inngest serve endpoint: a GET signed like Inngest signs
/// its requests (empty body, `t=now`), answered by the SDK's introspection (schema `2024-05-24`).
///
/// - A signed request the app accepts unlocks the authenticated view: `signing_key_hash`,
///   `signing_key_fallback_hash`, `event_key_hash`, `has_…`. The response must carry a signature made
///   with the key we signed with, which proves the app holds that key (a proxy can't fake it).
/// - A request the app refuses: 401 (JS and Python SDKs in cloud mode), or 200 with
///   `authentication_succeeded` false or null (Go, older SDKs).
/// - A dev-mode app (`mode: "dev"`) checks no signatures at all; reported as is, so that
///   `confirm-redeploy` stops on it.
///
/// Hashes are passed on as the SDK reports them: Python the full hash, Go `signkey-<env>-` + hash, JS the
/// first 12 hex characters (and no fallback fields). ``Fingerprint/matches(reportedHash:)`` compares them.
public struct IntrospectionVerifier: RolloutVerifier {
    /// The app's serve endpoint (`https://api.example.com/api/inngest`).
    public let url: URL
    private let http: HTTPClient
    private let timeout: Double
    private let now: @Sendable () -> Int

    /// Creates a verifier for the serve endpoint at `url`.
    ///
    /// - Parameters:
    ///   - url: The serve endpoint. HTTPS unless loopback (the request carries a signature).
    ///   - transport: How requests are sent.
    ///   - timeout: Seconds one request may take.
    ///   - now: Unix seconds for the signature's timestamp.
    public init(
        url: URL,
        transport: @escaping HTTPTransport,
        timeout: Double = 10,
        now: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }
    ) {
        self.url = url
        self.http = HTTPClient(transport: transport)
        self.timeout = timeout
        self.now = now
    }

    public func inspect(app: AppSpec, signedWith key: Secret) async throws -> AppIntrospection {
        switch try await probe(app: app, key: key) {
        case .refused: return AppIntrospection(mode: nil, authenticated: false)
        case .introspection(let report): return report
        }
    }

    /// Whether a GET signed with `key` is accepted (a dev-mode app accepts everything).
    public func accepts(app: AppSpec, signedWith key: Secret) async throws -> Bool {
        switch try await probe(app: app, key: key) {
        case .refused: return false
        case .introspection(let report): return report.authenticated || report.mode == "dev"
        }
    }

    // MARK: - Internals

    private enum Outcome {
        case refused
        case introspection(AppIntrospection)
    }

    private func probe(app: AppSpec, key: Secret) async throws -> Outcome {
        let header = InngestSignature.header(body: [], timestamp: now(), key: key)
        let request = HTTPRequest(
            method: "GET",
            url: url,
            headers: ["X-Inngest-Signature": header, "Accept": "application/json"],
            timeout: timeout
        )
        let response = try await http.send(request)
        let what = "app '\(app.name)' at \(HTTPRequest.display(url))"
        switch response.status {
        case 401:
            return .refused
        case 200:
            break
        case 404:
            throw PlatformError.notFound(
                "\(what): no Inngest serve endpoint (HTTP 404); check the playbook's verify url")
        default:
            if let error = HTTPClient.error(for: response, request: request) {
                throw Self.relabel(error, what: what)
            }
            throw PlatformError.invalidResponse("\(what): unexpected HTTP \(response.status)")
        }
        guard let body = response.json, body.objectValue != nil else {
            throw PlatformError.invalidResponse("\(what): the introspection is not a JSON object")
        }
        let mode = body["mode"]?.stringValue
        let authenticated = body["authentication_succeeded"]?.boolValue == true
        if authenticated {
            let signature = response.headers["X-Inngest-Signature"]
            guard InngestSignature.verifyResponse(header: signature, body: response.body, key: key) else {
                throw PlatformError.invalidResponse(
                    "\(what): the introspection claims our signature was accepted, but its response is "
                        + (signature == nil ? "not signed" : "not signed with the key we used")
                        + "; something between rekey and the app answers for it"
                )
            }
        }
        guard authenticated || mode == "dev" else { return .refused }
        return .introspection(
            AppIntrospection(
                mode: mode,
                authenticated: authenticated,
                hasSigningKey: body["has_signing_key"]?.boolValue,
                signingKeyHash: body["signing_key_hash"]?.stringValue,
                hasSigningKeyFallback: body["has_signing_key_fallback"]?.boolValue,
                signingKeyFallbackHash: body["signing_key_fallback_hash"]?.stringValue,
                hasEventKey: body["has_event_key"]?.boolValue,
                eventKeyHash: body["event_key_hash"]?.stringValue
            )
        )
    }

    private static func relabel(_ error: PlatformError, what: String) -> PlatformError {
        switch error {
        case .transient(let message, let after): .transient("\(what): \(message)", retryAfter: after)
        case .rateLimited(let message, let after): .rateLimited("\(what): \(message)", retryAfter: after)
        case .unauthorized(let message), .rejected(let message):
            .rejected("\(what) refused the signed introspection: \(message)")
        default: error
        }
    }
}
