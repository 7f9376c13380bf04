/// Finds key material by key id or fingerprint, from the platform, once per run.
///
/// Secrets live only in memory here; the journal holds ids and fingerprints. Platforms that can
/// re-read keys (Inngest) are asked again after a crash.
public actor SecretResolver {
    private let platform: any Platform
    private let call: @Sendable (String, @Sendable () async throws -> [PlatformKey]) async throws -> [PlatformKey]
    private var cache: [KeyKind: [PlatformKey]] = [:]

    /// - Parameters:
    ///   - platform: Where keys are listed.
    ///   - call: Wraps platform calls (retries); `(description, operation)`.
    public init(
        platform: any Platform,
        call: @escaping @Sendable (String, @Sendable () async throws -> [PlatformKey]) async throws -> [PlatformKey]
    ) {
        self.platform = platform
        self.call = call
    }

    /// The keys of `kind`, listed now (and cached) or from the cache.
    public func keys(_ kind: KeyKind, refresh: Bool = false) async throws -> [PlatformKey] {
        if !refresh, let cached = cache[kind] { return cached }
        let platform = self.platform
        let listed = try await call("list \(kind.rawValue) keys") { try await platform.listKeys(kind) }
        cache[kind] = listed
        return listed
    }

    /// Forgets cached listings (after a write).
    public func invalidate(_ kind: KeyKind) {
        cache[kind] = nil
    }

    /// The secret of key `id`, listing again once if the cache doesn't know it.
    public func secret(_ kind: KeyKind, id: String) async throws -> Secret? {
        if let key = try await keys(kind).first(where: { $0.id == id }), let secret = key.secret { return secret }
        return try await keys(kind, refresh: true).first { $0.id == id }?.secret
    }

    /// The secret of the key of `kind` with fingerprint `fingerprint`.
    public func secret(_ kind: KeyKind, fingerprint: Fingerprint) async throws -> Secret? {
        if let key = try await keys(kind).first(where: { $0.fingerprint == fingerprint }) { return key.secret }
        return try await keys(kind, refresh: true).first { $0.fingerprint == fingerprint }?.secret
    }

    /// Remembers a secret the platform returned at creation (it may not list it again).
    public func remember(_ key: PlatformKey) {
        guard var keys = cache[key.kind] else { return }
        keys.removeAll { $0.id == key.id }
        keys.append(key)
        cache[key.kind] = keys
    }
}
