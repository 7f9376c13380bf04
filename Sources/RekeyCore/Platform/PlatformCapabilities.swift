/// What a platform backend can do through its API. A missing capability makes the step that needs it
/// *guided*: rekey prints instructions, a human performs the action, and rekey observes the result.
public struct PlatformCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// List signing keys with their material.
    public static let listSigningKeys = PlatformCapabilities(rawValue: 1 << 0)
    /// Create an inactive signing key.
    public static let createSigningKey = PlatformCapabilities(rawValue: 1 << 1)
    /// Promote the inactive signing key (the platform deletes the old one).
    public static let promoteSigningKey = PlatformCapabilities(rawValue: 1 << 2)
    /// Delete an inactive signing key.
    public static let deleteSigningKey = PlatformCapabilities(rawValue: 1 << 3)
    /// List event keys with their material and filters.
    public static let listEventKeys = PlatformCapabilities(rawValue: 1 << 4)
    /// Create an event key with filters.
    public static let createEventKey = PlatformCapabilities(rawValue: 1 << 5)
    /// Delete an event key.
    public static let deleteEventKey = PlatformCapabilities(rawValue: 1 << 6)
    /// List registered apps.
    public static let listApps = PlatformCapabilities(rawValue: 1 << 7)
    /// Resync an app.
    public static let resyncApp = PlatformCapabilities(rawValue: 1 << 8)
    /// List API keys (prefix only).
    public static let listAPIKeys = PlatformCapabilities(rawValue: 1 << 9)
    /// Create an API key (secret shown once).
    public static let createAPIKey = PlatformCapabilities(rawValue: 1 << 10)
    /// Delete an API key.
    public static let deleteAPIKey = PlatformCapabilities(rawValue: 1 << 11)
    /// Promote a new API key to the platform's primary key (``Platform/promoteKey(_:id:)``).
    public static let promoteAPIKey = PlatformCapabilities(rawValue: 1 << 12)
    /// Listed API keys carry when they were last used (``PlatformKey/lastUsedAt``), so the redeploy gate
    /// can watch the old key stop being used and the new one start.
    public static let reportsKeyUsage = PlatformCapabilities(rawValue: 1 << 13)

    /// Everything an Inngest-like platform can do.
    public static let inngest: PlatformCapabilities = [
        .listSigningKeys, .createSigningKey, .promoteSigningKey, .deleteSigningKey,
        .listEventKeys, .createEventKey, .deleteEventKey, .listApps, .resyncApp,
    ]

    /// The capability to list keys of `kind`.
    public static func list(_ kind: KeyKind) -> PlatformCapabilities {
        switch kind {
        case .signing: .listSigningKeys
        case .event: .listEventKeys
        case .api: .listAPIKeys
        }
    }

    /// The capability to create keys of `kind`.
    public static func create(_ kind: KeyKind) -> PlatformCapabilities {
        switch kind {
        case .signing: .createSigningKey
        case .event: .createEventKey
        case .api: .createAPIKey
        }
    }

    /// The capability to delete keys of `kind`.
    public static func delete(_ kind: KeyKind) -> PlatformCapabilities {
        switch kind {
        case .signing: .deleteSigningKey
        case .event: .deleteEventKey
        case .api: .deleteAPIKey
        }
    }
}
