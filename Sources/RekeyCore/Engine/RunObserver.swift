/// Something that happened during a run, for progress output (terminal, JSON events, CI summaries).
/// Events carry ids, names and fingerprints only.
public enum RunEvent: Sendable, Equatable {
    /// A run began (a new rotation, or a resumed one) with this plan and journal.
    case began(RotationPlan, journal: String, resumed: Bool)
    /// A step began.
    case stepStarted(PlannedStep)
    /// An item's side effect is about to start.
    case itemStarted(ItemRef, action: String, attempt: Int)
    /// An item completed; `adopted` when it was found already done (a resumed run).
    case itemDone(ItemRef, summary: String, adopted: Bool, durationMs: Int)
    /// An item failed.
    case itemFailed(ItemRef, error: String, retryable: Bool)
    /// A retry after a transient platform error.
    case retrying(ItemRef?, error: String, delaySeconds: Double, attempt: Int)
    /// Waiting for something outside rekey (a redeploy, a human action).
    case waiting(ItemRef?, message: String)
    /// A human must act: the instructions.
    case guided(ItemRef, instructions: [String])
    /// A step was approved.
    case approved(StepID, by: String, via: String)
    /// A step completed.
    case stepDone(StepID, durationMs: Int)
    /// A rollback action completed.
    case undone(ItemRef, summary: String)
    /// A warning worth showing (a hazard).
    case warning(String)
    /// Information.
    case note(String)
}

/// Receives run events. Implementations must be quick and must not throw.
public protocol RunObserver: Sendable {
    func handle(_ event: RunEvent)
}

/// Drops every event.
public struct SilentObserver: RunObserver {
    public init() {}
    public func handle(_ event: RunEvent) {}
}
