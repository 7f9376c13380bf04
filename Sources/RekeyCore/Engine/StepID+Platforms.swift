// The steps of the platforms other than Inngest Cloud. Each platform brings its own procedure (see
// ``ProcedureCatalog/families``); where a step means the same thing on several platforms (staging the
// signing keys, the redeploy gate, dropping the fallback) the procedures share it.

extension StepID {
    // MARK: - API keys (EventNerds, exec plugins)

    /// For each old API key, a new key with the same name plus a rotation suffix and the same scope. The
    /// full key is shown once: it is sealed in the journal until every app holds it.
    public static let createAPIKeys: StepID = "create-api-keys"
    /// Every app gets its replacement key in its configuration (the variable the playbook names).
    public static let stageAPIKeys: StepID = "stage-api-keys"
    /// Make each new key the platform's primary key (plugins that have the notion). Point of no return.
    public static let promoteAPIKeys: StepID = "promote-api-keys"
    /// Delete the replaced API keys. Point of no return when nothing else is.
    public static let deleteOldAPIKeys: StepID = "delete-old-api-keys"

    /// The API-key steps in order.
    public static let apiKeyProcedure: [StepID] = [
        .createAPIKeys, .stageAPIKeys, .confirmRedeploy, .promoteAPIKeys, .deleteOldAPIKeys,
    ]

    // MARK: - Self-hosted Inngest (`inngest start`)

    /// rekey generates the new signing key (32 secure random bytes) and seals it in the journal: the
    /// server has no key store, and no inactive key.
    public static let generateSigningKey: StepID = "generate-signing-key"
    /// rekey generates one new event key per old one and seals them in the journal.
    public static let generateEventKeys: StepID = "generate-event-keys"
    /// The server's configuration lists the old and the new event keys; the server restarts and its v2
    /// API must list both.
    public static let addEventKeys: StepID = "add-event-keys"
    /// The server's configuration gets the new signing key; the server restarts and its v2 API must
    /// accept the new key. Point of no return (the server has no fallback).
    public static let installSigningKey: StepID = "install-signing-key"
    /// The server's configuration lists only the new event keys; the server restarts without the old.
    public static let dropOldEventKeys: StepID = "drop-old-event-keys"

    /// The self-hosted steps in order.
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
