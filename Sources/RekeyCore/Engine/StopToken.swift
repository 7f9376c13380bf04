import Synchronization

/// A request to stop a run gracefully (SIGINT, SIGTERM): no new item starts, in-flight side effects
/// finish and are journaled, waits and polls end early, and the run returns ``RunResult/interrupted``.
public final class StopToken: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    /// Asks the run to stop.
    public func request() {
        requested.store(true, ordering: .sequentiallyConsistent)
    }

    /// Whether a stop was asked for.
    public var isRequested: Bool {
        requested.load(ordering: .sequentiallyConsistent)
    }
}

/// Thrown out of waits and polls when a stop was requested; not a failure.
public struct RunInterrupted: Error, Sendable, Equatable {
    public init() {}
}

extension EngineClock {
    /// The same clock, whose sleeps end early (throwing ``RunInterrupted``) once `token` is requested.
    func interruptible(by token: StopToken) -> EngineClock {
        let base = self
        return EngineClock(
            now: base.now,
            sleep: { seconds in
                var remaining = seconds
                while remaining > 0 {
                    if token.isRequested { throw RunInterrupted() }
                    let slice = min(remaining, 0.05)
                    try await base.sleep(slice)
                    remaining -= slice
                }
                if token.isRequested { throw RunInterrupted() }
            }
        )
    }
}
