import Dispatch
import Foundation

/// Runs blocking jobs (socket exchanges) on threads of their own, reusing idle threads instead of
/// starting one per job: a fan-out of thousands of requests otherwise spends much of its CPU creating
/// and tearing down threads (stacks mapped, faulted in, unmapped).
///
/// Every job gets a thread at once (an idle one, or a new one), so jobs never wait for each other and
/// a job may itself wait for another job (a server handler calling back into the same process). At
/// most `keepIdle` threads stay parked between jobs; each leaves after `idleTimeout` seconds unused.
public final class ReusedThreads: @unchecked Sendable {
    // Invariant: `idle` and every parked worker's `job` are only touched under `lock`.
    private let lock = NSLock()
    private var idle: [Worker] = []
    private let name: String
    private let keepIdle: Int
    private let idleTimeout: Double

    /// A parked thread: its job slot, and the semaphore that wakes it.
    private final class Worker: @unchecked Sendable {
        // Invariant: `job` is only touched under the owning pool's `lock`.
        let wake = DispatchSemaphore(value: 0)
        var job: (@Sendable () -> Void)?
    }

    /// - Parameters:
    ///   - name: The threads' name.
    ///   - keepIdle: Threads kept parked between jobs.
    ///   - idleTimeout: Seconds a parked thread waits for a job before it ends.
    public init(name: String, keepIdle: Int = 64, idleTimeout: Double = 10) {
        self.name = name
        self.keepIdle = keepIdle
        self.idleTimeout = idleTimeout
    }

    /// Runs `job` on a thread now.
    public func run(_ job: @escaping @Sendable () -> Void) {
        lock.lock()
        if let worker = idle.popLast() {
            worker.job = job
            lock.unlock()
            worker.wake.signal()
            return
        }
        lock.unlock()
        let thread = Thread { [self] in loop(first: job) }
        thread.name = name
        thread.start()
    }

    private func loop(first: @escaping @Sendable () -> Void) {
        var job: (@Sendable () -> Void)? = first
        let worker = Worker()
        while let current = job {
            current()
            job = park(worker)
        }
    }

    /// Parks the thread until a job arrives (returned) or it times out (`nil`: the thread ends).
    private func park(_ worker: Worker) -> (@Sendable () -> Void)? {
        lock.lock()
        guard idle.count < keepIdle else {
            lock.unlock()
            return nil
        }
        idle.append(worker)
        lock.unlock()
        while true {
            let timedOut = worker.wake.wait(timeout: .now() + idleTimeout) == .timedOut
            lock.lock()
            if let job = worker.job {
                worker.job = nil
                lock.unlock()
                return job
            }
            if timedOut, let index = idle.firstIndex(where: { $0 === worker }) {
                idle.remove(at: index)
                lock.unlock()
                return nil
            }
            // Taken off the idle list by `run`, whose signal is on its way.
            lock.unlock()
        }
    }
}
