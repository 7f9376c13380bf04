import Synchronization

/// Adaptive concurrency for a fan-out: additive increase, multiplicative decrease (AIMD), as TCP does.
///
/// The limit starts at the playbook's `concurrency`. Every HTTP 429 (rate limited) halves it (never
/// below 1); every `limit` successful platform calls in a row raise it by one, back up to the
/// configured maximum. So a fan-out approaches the critical path when the platform keeps up, and
/// backs off at once when it says it can't.
public final class ConcurrencyGovernor: Sendable {
    private struct State {
        var limit: Int
        var successes = 0
        var throttles = 0
    }

    /// The configured maximum.
    public let maximum: Int
    private let state: Mutex<State>

    public init(maximum: Int) {
        self.maximum = max(1, maximum)
        self.state = Mutex(State(limit: max(1, maximum)))
    }

    /// Items that may be in flight now.
    public var limit: Int { state.withLock { $0.limit } }

    /// How many times the platform throttled us.
    public var throttles: Int { state.withLock { $0.throttles } }

    /// The platform said "too many requests": halve the limit.
    public func throttled() {
        state.withLock { state in
            state.limit = max(1, state.limit / 2)
            state.successes = 0
            state.throttles += 1
        }
    }

    /// A platform call succeeded: after `limit` successes in a row, allow one more.
    public func succeeded() {
        state.withLock { state in
            guard state.limit < maximum else { return }
            state.successes += 1
            if state.successes >= state.limit {
                state.limit += 1
                state.successes = 0
            }
        }
    }
}
