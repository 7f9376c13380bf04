/// Time for the engine: now and sleep, injectable so tests don't wait.
public struct EngineClock: Sendable {
    /// The current time.
    public var now: @Sendable () -> Timestamp
    /// Sleeps for seconds (cancellable).
    public var sleep: @Sendable (Double) async throws -> Void

    public init(
        now: @escaping @Sendable () -> Timestamp,
        sleep: @escaping @Sendable (Double) async throws -> Void
    ) {
        self.now = now
        self.sleep = sleep
    }

    /// Real time.
    public static let system = EngineClock(
        now: { Timestamp.now() },
        sleep: { seconds in
            guard seconds > 0 else { return }
            try await Task.sleep(nanoseconds: DurationParser.nanoseconds(seconds))
        }
    )
}
