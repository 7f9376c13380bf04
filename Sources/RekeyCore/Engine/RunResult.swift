/// How a run ended.
public enum RunResult: Sendable, Equatable {
    /// Every step is done.
    case finished
    /// The `--until` step is done.
    case reachedUntil(StepID)
    /// Waiting for an approval, a gate or a human action; resume later.
    case paused(StepID, reason: String)
    /// An item failed; the journal is consistent and `resume` retries it.
    case failed(ItemRef, error: String, kind: FailureKind)
    /// The rotation was rolled back.
    case aborted
    /// A stop was requested (SIGINT, SIGTERM); in-flight items finished and the journal is consistent.
    case interrupted
}
