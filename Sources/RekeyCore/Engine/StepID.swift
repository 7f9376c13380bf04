/// The identifier of a rotation step (`create-signing-key`, …). Stable: it appears in journals,
/// playbooks, `--until`, `--approve` and `gate`.
///
/// A closed enum: every step the engine can run is a case, and ``StepCatalog/behavior(for:)`` maps each
/// case to its behaviour with an exhaustive `switch`, so a step without a behaviour (and so without a plan)
/// does not compile. An unknown id in a journal or a playbook is bad input, reported where it is read.
public enum StepID: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    // MARK: - The Inngest procedure (seed runbook "Rotating keys")

    /// 1. Create a new (inactive) signing key.
    case createSigningKey = "create-signing-key"
    /// 2. Every app gets `INNGEST_SIGNING_KEY=new`, `INNGEST_SIGNING_KEY_FALLBACK=old`.
    case stageSigningKeys = "stage-signing-keys"
    /// 3. A new event key per old one, with the same filters.
    case createEventKeys = "create-event-keys"
    /// 4. Every app gets `INNGEST_EVENT_KEY=` its replacement key.
    case stageEventKeys = "stage-event-keys"
    /// 5. Gate: every app runs with the new values.
    case confirmRedeploy = "confirm-redeploy"
    /// 6. Promote the new signing key; the platform deletes the old one. Point of no return.
    case rotateSigningKey = "rotate-signing-key"
    /// 7. Resync every app.
    case resyncApps = "resync-apps"
    /// 8. Delete the replaced event keys.
    case deleteOldEventKeys = "delete-old-event-keys"
    /// 9. Remove `INNGEST_SIGNING_KEY_FALLBACK` from every app.
    case dropFallback = "drop-fallback"

    // MARK: - API keys (EventNerds, exec plugins)

    /// For each old API key, a new key with the same name plus a rotation suffix and the same scope. The
    /// full key is shown once: it is sealed in the journal until every app holds it.
    case createAPIKeys = "create-api-keys"
    /// Every app gets its replacement key in its configuration (the variable the playbook names).
    case stageAPIKeys = "stage-api-keys"
    /// Make each new key the platform's primary key (plugins that have the notion). Point of no return.
    case promoteAPIKeys = "promote-api-keys"
    /// Delete the replaced API keys. Point of no return when nothing else is.
    case deleteOldAPIKeys = "delete-old-api-keys"

    // MARK: - Server-configured keys (self-hosted Inngest)

    /// rekey generates the new signing key (32 secure random bytes) and seals it in the journal: the
    /// server has no key store, and no inactive key.
    case generateSigningKey = "generate-signing-key"
    /// rekey generates one new event key per old one and seals them in the journal.
    case generateEventKeys = "generate-event-keys"
    /// The server's configuration lists the old and the new event keys; the server restarts and its v2
    /// API must list both.
    case addEventKeys = "add-event-keys"
    /// The server's configuration gets the new signing key; the server restarts and its v2 API must
    /// accept the new key. Point of no return (the server has no fallback).
    case installSigningKey = "install-signing-key"
    /// The server's configuration lists only the new event keys; the server restarts without the old.
    case dropOldEventKeys = "drop-old-event-keys"

    public var description: String { rawValue }

    public static func < (lhs: StepID, rhs: StepID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The step whose id is `text`, or `nil` for an id no procedure has.
    public init?(_ text: String) {
        self.init(rawValue: text)
    }

    /// The nine Inngest steps in order.
    public static let inngestProcedure: [StepID] = [
        .createSigningKey, .stageSigningKeys, .createEventKeys, .stageEventKeys, .confirmRedeploy,
        .rotateSigningKey, .resyncApps, .deleteOldEventKeys, .dropFallback,
    ]

    /// The API-key steps in order.
    public static let apiKeyProcedure: [StepID] = [
        .createAPIKeys, .stageAPIKeys, .confirmRedeploy, .promoteAPIKeys, .deleteOldAPIKeys,
    ]

    /// The steps of a server that reads its keys from its configuration, in order.
    public static let selfHostedProcedure: [StepID] = [
        .generateSigningKey, .stageSigningKeys, .generateEventKeys, .addEventKeys, .stageEventKeys,
        .confirmRedeploy, .installSigningKey, .dropOldEventKeys, .dropFallback,
    ]
}

/// The single item of the steps that change a self-hosted server's configuration.
public enum ServerItem {
    /// Its id.
    public static let id = "server"
}
