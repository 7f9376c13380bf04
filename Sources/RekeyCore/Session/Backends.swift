/// The platform, targets and verifiers a playbook needs.
public struct Backends: Sendable {
    /// The platform backend.
    public var platform: any Platform
    /// Each app's target, by app name.
    public var targets: [String: any SecretTarget]
    /// Each app's verifier, by app name (apps without one are confirmed by approval).
    public var verifiers: [String: any RolloutVerifier]

    public init(
        platform: any Platform,
        targets: [String: any SecretTarget],
        verifiers: [String: any RolloutVerifier]
    ) {
        self.platform = platform
        self.targets = targets
        self.verifiers = verifiers
    }
}

/// Builds the backends for a playbook. The CLI provides the implementation that knows every
/// platform module; tests provide their own.
public protocol BackendProvider: Sendable {
    /// The backends for `playbook`, reading credentials from `environment`.
    func backends(for playbook: Playbook, environment: [String: String]) throws -> Backends
}
