/// The platform, targets and verifiers a playbook needs.
public struct Backends: Sendable {
    /// The platform backend.
    public var platform: any Platform
    /// Each app's target, by app name.
    public var targets: [String: any SecretTarget]
    /// Each app's verifier, by app name (apps without one are confirmed by approval).
    public var verifiers: [String: any RolloutVerifier]
    /// What identifies the platform the playbook rotates, whatever the journal (its kind and where it is:
    /// an API URL, a sandbox's state file), so that two playbooks of one environment share its lock
    /// (``EnvironmentRegistry``). The playbook's environment name is added to it.
    public var location: String

    public init(
        platform: any Platform,
        targets: [String: any SecretTarget],
        verifiers: [String: any RolloutVerifier],
        location: String? = nil
    ) {
        self.platform = platform
        self.targets = targets
        self.verifiers = verifiers
        self.location = location ?? platform.kind
    }

    /// The identity of the environment `playbook` rotates on these backends.
    public func environmentIdentity(_ playbook: Playbook) -> String {
        "\(location) environment \(playbook.environment)"
    }
}

/// Builds the backends for a playbook. The CLI provides the implementation that knows every
/// platform module; tests provide their own.
public protocol BackendProvider: Sendable {
    /// The backends for `playbook`, reading credentials from `environment`.
    func backends(for playbook: Playbook, environment: [String: String]) throws -> Backends
}
