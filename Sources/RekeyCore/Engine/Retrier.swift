/// The one place rekey retries platform calls: capped exponential backoff with jitter for retryable
/// ``PlatformError``s (``RetryPolicy``), `Retry-After` honoured, the adaptive concurrency told about rate
/// limits, and a write reconciled before it is tried again.
///
/// Reads are retried as they are. A write whose response was lost may have been applied, so before trying
/// it again ``write(_:reconcile:perform:)`` looks for its result and adopts it when it is there. When the
/// attempts run out the call throws ``PlatformError/unavailable(_:)`` (exit 69).
public struct Retrier: Sendable {
    /// Backoff.
    public var policy: RetryPolicy
    /// Time (its sleep is cancellable by a stop request).
    public var clock: EngineClock
    /// Where retries are reported.
    public var observer: any RunObserver
    /// Adaptive concurrency, told about rate limits and successes; `nil` outside a run.
    public var governor: ConcurrencyGovernor?
    /// The item the calls are for, in retry events.
    public var item: ItemRef?

    public init(
        policy: RetryPolicy,
        clock: EngineClock,
        observer: any RunObserver,
        governor: ConcurrencyGovernor? = nil,
        item: ItemRef? = nil
    ) {
        self.policy = policy
        self.clock = clock
        self.observer = observer
        self.governor = governor
        self.item = item
    }

    /// Runs a read-only call, retrying transient failures.
    public func read<T: Sendable>(_ what: String, _ operation: @Sendable () async throws -> T) async throws -> T {
        try await run(what, operation, reconcile: nil)
    }

    /// Runs a platform write that must not happen twice: before each retry, `reconcile` looks for the
    /// result (by the name or id the intent recorded) and it is adopted if it is there.
    public func write<T: Sendable>(
        _ what: String,
        reconcile: @Sendable () async throws -> T?,
        perform: @Sendable () async throws -> T
    ) async throws -> T {
        try await withoutActuallyEscaping(reconcile) { reconcile in
            try await run(what, perform, reconcile: reconcile)
        }
    }

    private func run<T: Sendable>(
        _ what: String,
        _ operation: @Sendable () async throws -> T,
        reconcile: (@Sendable () async throws -> T?)?
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                let result = try await operation()
                governor?.succeeded()
                return result
            } catch let error as PlatformError where error.isRetryable {
                guard attempt < policy.maxAttempts else {
                    throw PlatformError.unavailable("\(what): gave up after \(attempt) attempts: \(error)")
                }
                if case .rateLimited = error { governor?.throttled() }
                let delay = policy.delay(forRetry: attempt, retryAfter: error.retryAfter)
                observer.handle(.retrying(item, error: error.description, delaySeconds: delay, attempt: attempt))
                try await clock.sleep(delay)
                if let reconcile, let found = try await read("check whether '\(what)' happened", reconcile) {
                    let subject = item.map { "\($0): " } ?? ""
                    observer.handle(.note("\(subject)the platform had applied '\(what)' before the error; adopted it"))
                    return found
                }
                attempt += 1
            }
        }
    }
}
