import Dispatch
import Foundation
import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Group commit for a store's mutations (``SandboxStore/groupCommit``), as a database does: mutations
/// that arrive while the state file is being written are applied, in order, to the state in memory and
/// written together by the next save. Each mutation still returns only once a save covering it is
/// durable, so "the platform answered" keeps meaning "the change is on disk".
///
/// While mutations are pending the queue holds the state file's `flock` (other processes and stores wait,
/// as they would for one long mutation) and releases it as soon as every change is saved. Reads in this
/// process meanwhile see the last *saved* state, never a change that is not durable yet.
final class SandboxCommitQueue: @unchecked Sendable {
    // Invariant: every stored property below `lock` is read and written only while holding `lock`; the
    // descriptor is closed only by the task that sets it back to -1, under `lock`.
    private let lock = NSLock()
    /// The descriptor holding the state's `flock`, -1 when not held.
    private var lockFD: Int32 = -1
    /// The state as saved (the file's content) while the flock is held.
    private var committed: SandboxState?
    /// The state with every applied mutation, saved or not.
    private var working: SandboxState?
    private var version = 0
    private var savedVersion = 0
    private var saving = false
    private var waiters: [(version: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private let io = DispatchQueue(label: "rekey.sandbox.commit")
    /// How long the first pending change waits for others before a save starts.
    static let commitDelay = DispatchTimeInterval.microseconds(1_000)

    init() {}

    /// The saved state, when this queue holds the lock (so no other writer can have changed the file).
    func committedState() -> SandboxState? {
        lock.withLock { lockFD >= 0 ? committed : nil }
    }

    /// Applies `body` to the latest state and returns once a save covering the change is durable.
    func mutate<R>(_ store: SandboxStore, _ body: (inout SandboxState) throws -> R) async throws -> R {
        while true {
            let applied = try lock.withLock { () throws -> (result: R, version: Int)? in
                guard lockFD >= 0, let current = working else { return nil }
                var state = current
                do {
                    let result = try body(&state)
                    if state != current {
                        if let problem = state.invariantViolation() {
                            throw SandboxError.stateCorrupt(
                                path: store.path,
                                detail: "refusing to write a state that breaks an invariant: \(problem)"
                            )
                        }
                        working = state
                        version += 1
                    }
                    return (result, version)
                } catch {
                    releaseIfIdle()
                    throw error
                }
            }
            if let applied {
                try await waitUntilSaved(applied.version, store: store)
                return applied.result
            }
            try await acquire(store)
        }
    }

    // MARK: - Saving

    private func waitUntilSaved(_ needed: Int, store: SandboxStore) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.withLock {
                if savedVersion >= needed {
                    releaseIfIdle()
                    continuation.resume()
                    return
                }
                waiters.append((needed, continuation))
                if !saving {
                    saving = true
                    // A short commit delay, as databases have: the requests of a client's fan-out arrive
                    // within a millisecond of each other, and one save then covers them all instead of
                    // one for the first and another for the rest.
                    io.asyncAfter(deadline: .now() + Self.commitDelay) { self.saveLoop(store) }
                }
            }
        }
    }

    /// Runs on `io`: saves the latest state until every applied change is durable.
    private func saveLoop(_ store: SandboxStore) {
        while true {
            let next = lock.withLock { () -> (state: SandboxState, version: Int)? in
                guard version > savedVersion, let working else {
                    saving = false
                    releaseIfIdle()
                    return nil
                }
                return (working, version)
            }
            guard let next else { return }
            do {
                try store.save(next.state)
                lock.withLock {
                    savedVersion = next.version
                    committed = next.state
                    let ready = waiters.filter { $0.version <= next.version }
                    waiters.removeAll { $0.version <= next.version }
                    for waiter in ready { waiter.continuation.resume() }
                }
            } catch {
                // Nothing after the last save is durable: every pending change is refused and forgotten.
                lock.withLock {
                    for waiter in waiters { waiter.continuation.resume(throwing: error) }
                    waiters = []
                    working = committed
                    version = savedVersion
                    saving = false
                    releaseIfIdle()
                }
                return
            }
        }
    }

    /// Releases the flock when nothing is pending. Call with `lock` held.
    private func releaseIfIdle() {
        guard lockFD >= 0, !saving, version == savedVersion, waiters.isEmpty else { return }
        flock(lockFD, LOCK_UN)
        close(lockFD)
        lockFD = -1
        committed = nil
        working = nil
    }

    // MARK: - Locking

    /// Takes the state's flock (polling, so no cooperative thread blocks) and loads the state under it.
    private func acquire(_ store: SandboxStore) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(store.lockTimeout * 1000))
        var delay = Duration.microseconds(500)
        while true {
            if lock.withLock({ lockFD >= 0 }) { return }
            let fd = open(store.lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw SandboxError.io(FileIOError("open lock file", path: store.lockPath)) }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                let state: SandboxState
                do {
                    state = try store.load()
                } catch {
                    flock(fd, LOCK_UN)
                    close(fd)
                    throw error
                }
                lock.withLock {
                    lockFD = fd
                    committed = state
                    working = state
                    version = 0
                    savedVersion = 0
                }
                return
            }
            let code = errno
            close(fd)
            guard code == EWOULDBLOCK || code == EINTR else {
                throw SandboxError.io(FileIOError("lock", path: store.lockPath, code: code))
            }
            guard clock.now < deadline else {
                throw SandboxError.stateLocked(path: store.path, seconds: store.lockTimeout)
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(10))
        }
    }
}
