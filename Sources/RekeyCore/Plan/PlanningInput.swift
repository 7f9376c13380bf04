/// What a step plans from (``StepBehavior/plan(_:)``): the playbook, the platform, the live state the plan
/// is made from, and the replacement keys the planner named.
public struct PlanningInput: Sendable {
    /// The playbook.
    public var playbook: Playbook
    /// The platform backend (its capabilities decide what is automatic, its wording the calls shown).
    public var platform: any Platform
    /// What the platform and the targets held.
    public var baseline: LiveState
    /// For each old event key, the key that will replace it.
    public var eventKeyReplacements: [EventKeyReplacement]
    /// For each old API key, the key that will replace it (API-key platforms).
    public var apiKeyReplacements: [APIKeyReplacement]

    public init(
        playbook: Playbook,
        platform: any Platform,
        baseline: LiveState,
        eventKeyReplacements: [EventKeyReplacement] = [],
        apiKeyReplacements: [APIKeyReplacement] = []
    ) {
        self.playbook = playbook
        self.platform = platform
        self.baseline = baseline
        self.eventKeyReplacements = eventKeyReplacements
        self.apiKeyReplacements = apiKeyReplacements
    }

    /// What the platform can do through its API.
    public var capabilities: PlatformCapabilities { platform.capabilities }

    /// The active signing key of the baseline.
    public var activeSigningKey: KeySnapshot? { baseline.activeSigningKey }

    /// The active signing key's fingerprint, or `?`.
    public var oldSigningKeyFingerprint: String { activeSigningKey?.fingerprint?.hex ?? "?" }

    /// The replacement planned for old event key `id`.
    public func eventKeyReplacement(_ id: String) -> EventKeyReplacement? {
        eventKeyReplacements.first { $0.oldID == id }
    }

    /// The replacement planned for old API key `id`.
    public func apiKeyReplacement(_ id: String) -> APIKeyReplacement? {
        apiKeyReplacements.first { $0.oldID == id }
    }

    /// The playbook's app named `name`.
    public func app(_ name: String) -> AppSpec? {
        playbook.apps.first { $0.name == name }
    }
}
