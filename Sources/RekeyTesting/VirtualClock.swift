import RekeyCore
import Synchronization

/// Time for tests: `now` moves only when someone sleeps, and a sleep returns at once having moved it. A
/// wait of ten minutes takes no time, and its arithmetic (deadlines, countdowns, intervals) is exact.
public final class VirtualClock: Sendable {
    private let milliseconds: Mutex<Int64>
    private let slept = Mutex<[Double]>([])

    /// A clock that starts at `start` (default 2026-01-01T00:00:00Z).
    public init(start: Int64 = 1_767_225_600_000) {
        milliseconds = Mutex(start)
    }

    /// The engine's view of this clock.
    public var clock: EngineClock {
        EngineClock(
            now: { [self] in Timestamp(millisecondsSinceEpoch: milliseconds.withLock { $0 }) },
            sleep: { [self] seconds in
                guard seconds > 0 else { return }
                slept.withLock { $0.append(seconds) }
                milliseconds.withLock { $0 += Int64((seconds * 1000).rounded()) }
                // Let other tasks run, as a real sleep would.
                await Task.yield()
            }
        )
    }

    /// Moves time forward by `seconds` without anyone sleeping.
    public func advance(_ seconds: Double) {
        milliseconds.withLock { $0 += Int64((seconds * 1000).rounded()) }
    }

    /// Every sleep so far, in seconds, in order.
    public var sleeps: [Double] { slept.withLock { $0 } }

    /// Seconds since the start.
    public func elapsed(since start: Timestamp) -> Double {
        Double(start.milliseconds(to: clock.now())) / 1000
    }
}
