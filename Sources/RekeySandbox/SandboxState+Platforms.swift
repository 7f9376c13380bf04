import Foundation
import RekeyCore
import RekeyCrypto

// The other platforms the sandbox emulates next to Inngest Cloud: an EventNerds account (its API keys)
// and a self-hosted Inngest server (its configuration file and what it runs with).

extension SandboxState {
    /// An EventNerds API key.
    public struct APIKey: Sendable, Equatable {
        /// A UUID.
        public var id: String
        /// Display name.
        public var name: String
        /// The key's visible prefix (`evn_live_`).
        public var prefix: String
        /// The full key (`evn_live_<40 hex>`), shown once by the API.
        public var key: Secret
        /// The event it is scoped to, `nil` for organisation-wide.
        public var eventID: String?
        /// Creation time.
        public var createdAt: Date
        /// When an app last used it.
        public var lastUsedAt: Date?

        public init(
            id: String, name: String, prefix: String, key: Secret, eventID: String?, createdAt: Date,
            lastUsedAt: Date? = nil
        ) {
            self.id = id
            self.name = name
            self.prefix = prefix
            self.key = key
            self.eventID = eventID
            self.createdAt = createdAt
            self.lastUsedAt = lastUsedAt
        }
    }

    /// A self-hosted Inngest server: it reads its configuration file when it (re)starts.
    public struct Server: Sendable, Equatable {
        /// Its name (`rekey sandbox redeploy DIR <name>` restarts it).
        public var name: String
        /// Its configuration (a dotenv file), relative to the state file's directory (or absolute).
        public var configFile: String
        /// The signing key it runs with (bare hex), `nil` when it never started.
        public var signingKey: Secret?
        /// The event keys it runs with.
        public var eventKeys: [Secret]
        /// When it last started.
        public var startedAt: Date?

        public init(
            name: String, configFile: String, signingKey: Secret? = nil, eventKeys: [Secret] = [],
            startedAt: Date? = nil
        ) {
            self.name = name
            self.configFile = configFile
            self.signingKey = signingKey
            self.eventKeys = eventKeys
            self.startedAt = startedAt
        }
    }

    /// The prefix of the sandbox's EventNerds keys.
    public static let apiKeyPrefix = "evn_live_"

    // MARK: - EventNerds rules

    /// Creates an API key; the full key is in the result (and only there, on the wire).
    ///
    /// - Throws: ``PlatformError/rejected(_:)`` for an empty name or an `event_id` that is not a UUID.
    @discardableResult
    public mutating func createAPIKey(name: String, eventID: String?, at now: Date = Date()) throws(PlatformError)
        -> APIKey
    {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .rejected("name is required") }
        if let eventID, UUID(uuidString: eventID) == nil { throw .rejected("event_id must be a UUID") }
        let key = APIKey(
            id: UUID().uuidString.lowercased(), name: name, prefix: Self.apiKeyPrefix,
            key: Secret(Self.apiKeyPrefix + SecureRandom.hex(20)), eventID: eventID?.lowercased(), createdAt: now)
        apiKeys.append(key)
        return key
    }

    /// Deletes (revokes) the API key `id`.
    ///
    /// - Throws: ``PlatformError/notFound(_:)`` for an unknown id.
    public mutating func deleteAPIKey(id: String) throws(PlatformError) {
        guard let index = apiKeys.firstIndex(where: { $0.id == id }) else {
            throw .notFound("API key not found")
        }
        apiKeys.remove(at: index)
    }

    /// Every app that runs with an API key uses it now: its `last_used_at` becomes `now` (apps call the API
    /// continuously; an observation is a moment of that traffic).
    public mutating func recordAPIKeyUsage(at now: Date = Date()) {
        // Milliseconds, as the state file keeps them: a listing then equals what a later read finds.
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded() / 1000)
        for app in apps where app.apiKeyVariable != nil {
            guard let running = app.running.apiKey,
                let index = apiKeys.firstIndex(where: { $0.key == running })
            else { continue }
            apiKeys[index].lastUsedAt = now
        }
    }

    // MARK: - Self-hosted server

    /// Whether `token` authenticates to the self-hosted server's API: its signing key, bare, prefixed or
    /// hashed (as the Inngest server compares).
    public func serverAccepts(_ token: String) -> Bool {
        guard let key = server?.signingKey, !key.isEmpty else { return false }
        let bare = InngestSigningKey.stripPrefix(key.exposeValue())
        let given = InngestSigningKey.stripPrefix(token)
        if given == bare { return true }
        return InngestSigningKey.hashed(Secret(bare)) == given
    }
}
