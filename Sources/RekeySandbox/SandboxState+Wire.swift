import Foundation
import RekeyCore
import RekeyCrypto

// The rules `rekey sandbox serve` applies to what arrives over HTTP: who may call the API, which signing
// key an SDK presented, and the sync it records. Key material is compared in constant time and never
// returned.

extension SandboxState {
    /// The environment's id as the GraphQL API shows it: a UUID derived from the environment's name, so
    /// it is stable across restarts of `rekey sandbox serve`.
    public var environmentID: String {
        let hex = Array(SHA256.hex("rekey-sandbox-environment:" + environment).prefix(32))
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }
        return groups.joined(separator: "-")
    }

    /// Whether `token` (an `Authorization: Bearer` value) may call the REST API: the sandbox's API key,
    /// or one of the environment's signing keys, raw or hashed, with or without its `signkey-<env>-`
    /// prefix (as the self-hosted server accepts).
    public func acceptsAPIToken(_ token: String) -> Bool {
        if let apiKey, Self.equal(apiKey.exposeValue(), token) { return true }
        let bare = InngestSigningKey.stripPrefix(token)
        return signingKeys.contains { key in
            Self.equal(InngestSigningKey.stripPrefix(key.key.exposeValue()), bare)
                || InngestSigningKey.hashed(key.key).map { Self.equal($0, bare) } == true
        }
    }

    /// Whether `token` is the sandbox's dashboard session token.
    public func acceptsSessionToken(_ token: String) -> Bool {
        guard let sessionToken else { return false }
        return Self.equal(sessionToken.exposeValue(), token)
    }

    /// The signing key, active or inactive, whose *hashed* form an SDK presented as its Bearer on
    /// `/fn/register` (with or without the `signkey-<env>-` prefix the JS and Go SDKs keep).
    public func signingKey(presentedAs bearer: String) -> SigningKey? {
        let bare = InngestSigningKey.stripPrefix(bearer).lowercased()
        return signingKeys.first { key in InngestSigningKey.hashed(key.key).map { Self.equal($0, bare) } == true }
    }

    /// Records a sync attempt of the app at `index` (an SDK's `/fn/register`, or a failed PUT to the app),
    /// keeping the last ``App/maximumSyncs``; a successful one also records the URL the SDK serves at.
    @discardableResult
    public mutating func recordSync(
        appAt index: Int,
        accepted key: SigningKey?,
        message: String?,
        url: String? = nil,
        at now: Date = Date()
    ) -> Sync {
        let sync = Sync(
            id: "sync_" + SecureRandom.hex(6),
            at: now,
            status: key == nil ? .error : .success,
            signingKeyFingerprint: key?.fingerprint,
            message: key == nil ? message : nil
        )
        apps[index].syncs.append(sync)
        if apps[index].syncs.count > App.maximumSyncs {
            apps[index].syncs.removeFirst(apps[index].syncs.count - App.maximumSyncs)
        }
        if key != nil, let url, url.hasPrefix("http://") || url.hasPrefix("https://") { apps[index].url = url }
        return sync
    }

    private static func equal(_ a: String, _ b: String) -> Bool {
        ConstantTime.equal(Array(a.utf8), Array(b.utf8))
    }
}
