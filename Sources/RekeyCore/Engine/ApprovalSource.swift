/// Where approvals come from during a run: flags given up front, or a human at a terminal.
public struct ApprovalSource: Sendable {
    /// The answer to "may step S proceed?".
    public enum Decision: Sendable, Equatable {
        /// Approved by `by`, given `via` (`flag`, `prompt`).
        case approved(by: String, via: String)
        /// Nobody can answer now (no TTY, or declined): pause.
        case unavailable(reason: String)
    }

    /// Steps approved by `--approve`.
    public var preApproved: Set<StepID>
    /// Who approves by flag.
    public var actor: String
    /// Asks a human (a TTY prompt); `nil` when there is none.
    public var ask: (@Sendable (PlannedStep, RotationPlan) async -> Decision)?
    /// Overrides of failed checks given with the command (`--override CHECK --reason TEXT`): check name →
    /// reason. Journaled by `resume` before anything runs.
    public var overrides: [String: String]

    public init(
        preApproved: Set<StepID> = [],
        actor: String = "unknown",
        overrides: [String: String] = [:],
        ask: (@Sendable (PlannedStep, RotationPlan) async -> Decision)? = nil
    ) {
        self.preApproved = preApproved
        self.actor = actor
        self.overrides = overrides
        self.ask = ask
    }

    /// Decides for `step`.
    public func decide(_ step: PlannedStep, plan: RotationPlan) async -> Decision {
        if preApproved.contains(step.id) { return .approved(by: actor, via: "flag") }
        if let ask { return await ask(step, plan) }
        return .unavailable(reason: "no approval for \(step.id) and no terminal to ask on")
    }
}
