import Foundation

/// The kinds of keys a rotation manages.
public enum KeyKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// An Inngest signing key (one active, at most one inactive per environment).
    case signing
    /// An Inngest event key (ingest key), possibly with event and IP filters.
    case event
    /// An API key of a platform that shows the full secret once (EventNerds).
    case api
}

/// Event-name and IP filters of an Inngest event key.
///
/// One mode applies to both lists, as in the dashboard: `allow` admits only the listed events and
/// addresses, `deny` admits everything else. Event names may use `*` wildcards (`orders/*`); IPs are
/// addresses or CIDR ranges.
public struct KeyFilter: Sendable, Codable, Hashable {
    /// Whether the lists allow or deny.
    public enum Mode: String, Sendable, Codable, Hashable {
        case allow
        case deny
    }

    /// Allow or deny.
    public var mode: Mode
    /// Event names or patterns.
    public var events: [String]
    /// IP addresses or CIDR ranges.
    public var ips: [String]

    public init(mode: Mode, events: [String] = [], ips: [String] = []) {
        self.mode = mode
        self.events = events
        self.ips = ips
    }

    /// A filter that lets everything through (deny nothing).
    public static let unrestricted = KeyFilter(mode: .deny)

    /// Whether the filter restricts nothing.
    public var isEmpty: Bool { events.isEmpty && ips.isEmpty }

    /// A one-line human summary: `allow events [a, b/*], ips [10.0.0.0/8]`.
    public var summary: String {
        if isEmpty { return "no filters" }
        var parts = [String]()
        if !events.isEmpty { parts.append("events [\(events.joined(separator: ", "))]") }
        if !ips.isEmpty { parts.append("ips [\(ips.joined(separator: ", "))]") }
        return "\(mode.rawValue) " + parts.joined(separator: ", ")
    }
}

/// A key as a platform lists it.
///
/// `secret` is present only where the platform shows key material (Inngest signing and event keys can
/// be re-read; EventNerds shows an API key once, at creation). `fingerprint` is derived from the secret
/// when there is one.
public struct PlatformKey: Sendable, Hashable {
    /// Which kind of key.
    public var kind: KeyKind
    /// The platform's identifier.
    public var id: String
    /// The display name, where the platform has one.
    public var name: String?
    /// For signing keys: whether this is the current (active) key; `nil` where the platform can't tell.
    public var isActive: Bool?
    /// The key material, when the platform shows it.
    public var secret: Secret?
    /// Event and IP filters (event keys).
    public var filter: KeyFilter?
    /// A scope the key is bound to (EventNerds `event_id`), `nil` for organisation-wide.
    public var scope: String?
    /// A visible prefix of the key (EventNerds `prefix`).
    public var prefix: String?
    /// When it was created.
    public var createdAt: Date?
    /// When it was last used (EventNerds `last_used_at`).
    public var lastUsedAt: Date?

    public init(
        kind: KeyKind,
        id: String,
        name: String? = nil,
        isActive: Bool? = nil,
        secret: Secret? = nil,
        filter: KeyFilter? = nil,
        scope: String? = nil,
        prefix: String? = nil,
        createdAt: Date? = nil,
        lastUsedAt: Date? = nil
    ) {
        self.kind = kind
        self.id = id
        self.name = name
        self.isActive = isActive
        self.secret = secret
        self.filter = filter
        self.scope = scope
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    /// The key's fingerprint: of the hashed signing key for signing keys, of the UTF-8 bytes otherwise.
    public var fingerprint: Fingerprint? {
        guard let secret else { return nil }
        switch kind {
        case .signing: return InngestSigningKey.fingerprint(secret)
        case .event, .api: return secret.utf8Fingerprint
        }
    }
}

/// What rekey asks a platform to create.
public struct NewKeyRequest: Sendable, Hashable {
    /// Which kind of key.
    public var kind: KeyKind
    /// The name to give it (its idempotency marker: rekey finds it again by this name after a crash).
    public var name: String?
    /// Filters to copy from the key it replaces.
    public var filter: KeyFilter?
    /// The scope to copy (EventNerds `event_id`).
    public var scope: String?

    public init(kind: KeyKind, name: String? = nil, filter: KeyFilter? = nil, scope: String? = nil) {
        self.kind = kind
        self.name = name
        self.filter = filter
        self.scope = scope
    }
}

/// An app registered with the platform.
public struct PlatformApp: Sendable, Hashable {
    /// The platform's identifier for the app (Inngest: the client id).
    public var id: String
    /// Display name.
    public var name: String
    /// Where the platform reaches it (serve URL), if known.
    public var url: String?

    public init(id: String, name: String, url: String? = nil) {
        self.id = id
        self.name = name
        self.url = url
    }
}

/// The result of asking the platform to resync an app.
public struct SyncResult: Sendable, Hashable {
    /// Outcome reported by the platform.
    public enum Status: String, Sendable, Hashable {
        case success
        case duplicate
        case pending
        case error
    }

    /// Outcome.
    public var status: Status
    /// The platform's message (never a secret).
    public var message: String?
    /// The platform's sync id, if any.
    public var syncID: String?

    public init(status: Status, message: String? = nil, syncID: String? = nil) {
        self.status = status
        self.message = message
        self.syncID = syncID
    }

    /// Whether the app is now registered with the platform's current key.
    public var succeeded: Bool { status == .success || status == .duplicate }
}
