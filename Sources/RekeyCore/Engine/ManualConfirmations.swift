/// What the operator confirmed for manual targets in this run: `--approve STEP` confirms the changes that
/// STEP asked a person to make, provided the request was shown (journaled) before and has not changed.
public struct ManualConfirmations: Sendable, Equatable {
    /// Steps given with `--approve`.
    public var steps: Set<StepID>
    /// Who confirms (as recorded with approvals).
    public var actor: String
    /// The requests journaled before this run, by item.
    public var requests: [ItemRef: [String: Fingerprint?]]

    public init(steps: Set<StepID> = [], actor: String = "unknown", requests: [ItemRef: [String: Fingerprint?]] = [:]) {
        self.steps = steps
        self.actor = actor
        self.requests = requests
    }

    /// Whether the operator confirmed that `item` now holds `variables`.
    public func confirms(_ item: ItemRef, _ variables: [String: Fingerprint?]) -> Bool {
        steps.contains(item.step) && requests[item] == variables
    }
}
