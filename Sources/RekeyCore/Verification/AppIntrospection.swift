/// What an app reports about the keys it runs with (the Inngest serve endpoint's signed GET, schema
/// `2024-05-24`, or the sandbox's equivalent).
///
/// Hashes are as reported: full 64-hex (Python), `signkey-<env>-` + 64-hex (Go), or the first 12 hex
/// (JS). Compare them with ``Fingerprint/matches(reportedHash:)``.
public struct AppIntrospection: Sendable, Equatable {
    /// `cloud` or `dev`; a dev-mode app checks no signatures at all.
    public var mode: String?
    /// Whether our signed request was accepted (`authentication_succeeded`).
    public var authenticated: Bool
    /// `has_signing_key`.
    public var hasSigningKey: Bool?
    /// `signing_key_hash`.
    public var signingKeyHash: String?
    /// `has_signing_key_fallback` (JS never reports it).
    public var hasSigningKeyFallback: Bool?
    /// `signing_key_fallback_hash`.
    public var signingKeyFallbackHash: String?
    /// `has_event_key`.
    public var hasEventKey: Bool?
    /// `event_key_hash`.
    public var eventKeyHash: String?

    public init(
        mode: String? = "cloud",
        authenticated: Bool = true,
        hasSigningKey: Bool? = nil,
        signingKeyHash: String? = nil,
        hasSigningKeyFallback: Bool? = nil,
        signingKeyFallbackHash: String? = nil,
        hasEventKey: Bool? = nil,
        eventKeyHash: String? = nil
    ) {
        self.mode = mode
        self.authenticated = authenticated
        self.hasSigningKey = hasSigningKey
        self.signingKeyHash = signingKeyHash
        self.hasSigningKeyFallback = hasSigningKeyFallback
        self.signingKeyFallbackHash = signingKeyFallbackHash
        self.hasEventKey = hasEventKey
        self.eventKeyHash = eventKeyHash
    }
}

/// Checks which keys a deployed app runs with.
///
/// Implementers must guarantee: no secret in errors; bounded time per call; `inspect` has no side
/// effect on the app.
public protocol RolloutVerifier: Sendable {
    /// Reads what `app` runs with, authenticating with `key` (the new signing key) where the app
    /// requires a signed request.
    func inspect(app: AppSpec, signedWith key: Secret) async throws -> AppIntrospection

    /// Whether `app` accepts a request signed with `key` (after `drop-fallback`, the old key must be
    /// refused).
    func accepts(app: AppSpec, signedWith key: Secret) async throws -> Bool
}
