/// Capped exponential backoff with full jitter for transient platform errors, honouring
/// `Retry-After`.
public struct RetryPolicy: Sendable {
    /// Attempts in total (first try included).
    public var maxAttempts: Int
    /// Delay before the first retry, in seconds.
    public var baseDelay: Double
    /// Cap on any delay, in seconds.
    public var maxDelay: Double
    /// Returns a number in [0, 1) for jitter (injectable for deterministic tests).
    public var random: @Sendable () -> Double

    public init(
        maxAttempts: Int = 6,
        baseDelay: Double = 0.2,
        maxDelay: Double = 10,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.random = random
    }

    /// The delay before retry number `retry` (1 for the first retry).
    public func delay(forRetry retry: Int, retryAfter: Double?) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxDelay * 6) }
        let exponential = min(maxDelay, baseDelay * Double(1 << min(retry - 1, 20)))
        // Full jitter in [exponential/2, exponential): spread retries without ever retrying at once.
        return exponential / 2 + random() * exponential / 2
    }
}
