import Foundation
import RekeyCore
import RekeyCrypto

// The platform's rules, applied to the state. ``SandboxPlatform`` calls these through the store after its
// capability checks; a human acting in the sandbox "dashboard" (a guided step) applies them directly.

extension SandboxState {
    /// The sync message of a platform that rejected both keys an app presented (the Inngest wording).
    public static let invalidSigningKeyMessage = "Your signing key is invalid"

    // MARK: - Signing keys

    /// Creates a new inactive signing key from 32 secure random bytes.
    ///
    /// - Throws: ``PlatformError/rejected(_:)`` when the environment already has two signing keys.
    @discardableResult
    public mutating func createSigningKey(at now: Date = Date()) throws(PlatformError) -> SigningKey {
        guard signingKeys.count < 2 else {
            throw .rejected("the environment already has an inactive signing key; rotate or delete it first")
        }
        let key = SigningKey(
            id: newID(prefix: "sk_"),
            key: InngestSigningKey.generate(environmentWord: environmentWord),
            active: false,
            createdAt: now
        )
        signingKeys.append(key)
        return key
    }

    /// Promotes the inactive signing key `id`; the previously active key is deleted.
    ///
    /// - Throws: ``PlatformError/notFound(_:)`` for an unknown id, ``PlatformError/rejected(_:)`` when
    ///   `id` is already the active key.
    public mutating func promoteSigningKey(id: String) throws(PlatformError) {
        guard let index = signingKeys.firstIndex(where: { $0.id == id }) else {
            throw .notFound("signing key \(id) does not exist in environment '\(environment)'")
        }
        guard !signingKeys[index].active else {
            throw .rejected("signing key \(id) is already the active key; create a new key to rotate to")
        }
        signingKeys[index].active = true
        signingKeys.removeAll { $0.active && $0.id != id }
    }

    /// Deletes the inactive signing key `id`.
    ///
    /// - Throws: ``PlatformError/notFound(_:)`` for an unknown id, ``PlatformError/rejected(_:)`` for the
    ///   active key.
    public mutating func deleteSigningKey(id: String) throws(PlatformError) {
        guard let index = signingKeys.firstIndex(where: { $0.id == id }) else {
            throw .notFound("signing key \(id) does not exist in environment '\(environment)'")
        }
        guard !signingKeys[index].active else {
            throw .rejected("the active signing key can't be deleted; rotate first")
        }
        signingKeys.remove(at: index)
    }

    // MARK: - Event keys

    /// Creates an event key with a random 64-hex secret and exactly the given filter.
    ///
    /// - Throws: ``PlatformError/rejected(_:)`` for an empty name or an invalid filter (see
    ///   ``validate(filter:)``).
    @discardableResult
    public mutating func createEventKey(
        name: String,
        filter: KeyFilter,
        at now: Date = Date()
    ) throws(PlatformError) -> EventKey {
        guard !name.allSatisfy(\.isWhitespace) else { throw .rejected("an event key needs a name") }
        try Self.validate(filter: filter)
        let key = EventKey(
            id: newID(prefix: "ek_"),
            name: name,
            key: Secret(SecureRandom.hex(32)),
            filter: filter,
            createdAt: now
        )
        eventKeys.append(key)
        return key
    }

    /// Deletes the event key `id`.
    ///
    /// - Throws: ``PlatformError/notFound(_:)`` for an unknown id.
    public mutating func deleteEventKey(id: String) throws(PlatformError) {
        guard let index = eventKeys.firstIndex(where: { $0.id == id }) else {
            throw .notFound("event key \(id) does not exist in environment '\(environment)'")
        }
        eventKeys.remove(at: index)
    }

    /// Checks a filter as the Inngest backend does: an allow-list must list something (an empty one
    /// would admit nothing), event names are non-empty, and IPs are IPv4/IPv6 addresses or CIDR ranges.
    ///
    /// - Throws: ``PlatformError/rejected(_:)`` naming the offending entry.
    public static func validate(filter: KeyFilter) throws(PlatformError) {
        if filter.mode == .allow, filter.isEmpty {
            throw .rejected(
                "an allow filter needs at least one event or IP (an empty allow-list admits nothing); "
                    + "use mode 'deny' with empty lists for no filtering"
            )
        }
        for (index, event) in filter.events.enumerated() where event.allSatisfy(\.isWhitespace) {
            throw .rejected("event filter entry \(index + 1) is empty; remove it or name an event")
        }
        for ip in filter.ips where !IPAddressRange.isValid(ip) {
            throw .rejected("IP filter entry '\(ip)' is not an IPv4/IPv6 address or CIDR range; fix it")
        }
    }

    // MARK: - Apps

    /// Records that the app at `index` was (re)deployed with `running`.
    public mutating func deploy(appAt index: Int, running: Running, at now: Date = Date()) {
        apps[index].running = running
        apps[index].deployedAt = now
    }

    /// Resyncs the app at `index` as the Python SDK's out-of-band sync does: the app presents
    /// `hash(primary)` and, when refused, `hash(fallback)`; the platform accepts the active key's hash.
    /// The attempt is recorded in the app's sync history.
    ///
    /// - Returns: The recorded sync.
    @discardableResult
    public mutating func resync(appAt index: Int, at now: Date = Date()) -> Sync {
        let outcome =
            apps[index].down
            ? (accepted: Fingerprint?.none, message: String?.some("the app did not answer (it is down)"))
            : syncOutcome(apps[index].running)
        let sync = Sync(
            id: newID(prefix: "sync_"),
            at: now,
            status: outcome.accepted == nil ? .error : .success,
            signingKeyFingerprint: outcome.accepted,
            message: outcome.message
        )
        apps[index].syncs.append(sync)
        if apps[index].syncs.count > App.maximumSyncs {
            apps[index].syncs.removeFirst(apps[index].syncs.count - App.maximumSyncs)
        }
        return sync
    }

    private func syncOutcome(_ running: Running) -> (accepted: Fingerprint?, message: String?) {
        guard let primary = running.signingKey else {
            // Cloud mode refuses to start without a signing key (SigningKeyMissingError): nothing answers.
            return (nil, "the app is not running: it has no INNGEST_SIGNING_KEY")
        }
        let activeHash = activeSigningKey.flatMap { InngestSigningKey.hashed($0.key) }
        for candidate in [primary, running.signingKeyFallback].compactMap(\.self) {
            guard let hash = InngestSigningKey.hashed(candidate) else {
                // bytes.fromhex raises in the SDK: the sync PUT fails with HTTP 500 before any request.
                return (nil, "the app failed with HTTP 500: its signing key is not hexadecimal")
            }
            if let activeHash, hash == activeHash {
                return (Fingerprint(digestHex: hash), nil)
            }
        }
        return (nil, Self.invalidSigningKeyMessage)
    }

    /// A fresh id `<prefix><12 hex>` not used by any key.
    private func newID(prefix: String) -> String {
        let used = Set(signingKeys.map(\.id) + eventKeys.map(\.id))
        while true {
            let id = prefix + SecureRandom.hex(6)
            if !used.contains(id) { return id }
        }
    }
}
