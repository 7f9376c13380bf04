/// A platform whose keys are whatever its server's configuration lists, with no key store and no
/// server-side fallback: self-hosted Inngest (`inngest start`).
///
/// rekey generates the new keys itself, writes the configuration, restarts the server and checks through
/// the server's API that it runs with what was written. ``Platform/listKeys(_:)`` lists what the
/// configuration holds, with ids from ``ServerKeyID`` (a generated key gets the same id before and
/// after it is installed).
///
/// Implementers must guarantee:
/// - ``configure(signingKey:eventKeys:)`` writes the whole of each part it is given (a list replaces the
///   list), so that writing again after a crash converges; it returns once the server answers again,
///   or throws (a restart that keeps failing is ``PlatformError/rejected(_:)``, one that times out
///   ``PlatformError/transient(_:retryAfter:)``).
/// - No secret in errors: the restart command's output is scrubbed of the values written.
public protocol ConfiguredKeyServer: Platform {
    /// The word in the apps' signing keys (`prod`: apps hold `signkey-prod-<hex>`, the server the hex).
    var signingKeyWord: String { get }

    /// Writes the parts of the server's configuration that are given (`nil`: unchanged), restarts the
    /// server and waits until its API answers.
    ///
    /// - Parameters:
    ///   - signingKey: The signing key, in the apps' form (`signkey-<word>-<hex>`) or bare.
    ///   - eventKeys: Every event key the server must accept, in order.
    func configure(signingKey: Secret?, eventKeys: [Secret]?) async throws

    /// What the running server accepts, asked through its API with `credential` (a signing key).
    ///
    /// - Returns: The running keys, or `nil` when the server refuses `credential` (it runs another key).
    func running(authenticatingWith credential: Secret) async throws -> RunningServerKeys?
}

/// The keys a self-hosted server runs with, as its API reports them.
public struct RunningServerKeys: Sendable, Equatable {
    /// The fingerprint of its signing key.
    public var signingKey: Fingerprint?
    /// The fingerprints of its event keys, in the order it lists them.
    public var eventKeys: [Fingerprint]

    public init(signingKey: Fingerprint?, eventKeys: [Fingerprint]) {
        self.signingKey = signingKey
        self.eventKeys = eventKeys
    }
}

/// The ids of a configured server's keys: the configuration gives keys neither ids nor names, so a key's
/// id is its kind and fingerprint (`signing-3f9a1c0d2b4e`); a generated key has the same id before and
/// after it is installed.
public enum ServerKeyID {
    /// The id of the key of `kind` with `fingerprint`.
    public static func of(_ kind: KeyKind, fingerprint: Fingerprint) -> String {
        "\(kind.rawValue)-\(fingerprint.hex)"
    }
}
