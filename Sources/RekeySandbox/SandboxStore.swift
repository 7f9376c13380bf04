import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The single place that loads, mutates and saves a sandbox's state file.
///
/// Every operation:
/// 1. passes through the ``interceptor`` (where latency and faults are injected), then
/// 2. takes an exclusive `flock` on `<state>.lock` (so two processes, or two stores in one process,
///    never interleave: `flock` locks belong to the open file, not to the process),
/// 3. reads and decodes the file (failing closed on a corrupt or unknown-version file),
/// 4. runs the body, and for a mutation that changed the state, checks its invariants and writes it
///    with ``FileIO/writeAtomically(_:to:newFileMode:)`` (mode 0600),
/// 5. releases the lock.
///
/// The lock is never held across a suspension point: it is acquired by polling with `LOCK_NB` (so a
/// waiting task doesn't block a cooperative thread) and the body runs synchronously.
public struct SandboxStore: Sendable {
    /// Called before every operation; throw to inject a fault, sleep to inject latency.
    public typealias Interceptor = @Sendable (SandboxOperation) async throws -> Void

    /// The state file.
    public let path: String
    /// How long to wait for the lock before failing with ``SandboxError/stateLocked(path:seconds:)``.
    public var lockTimeout: Double
    /// The fault and latency hook, if any.
    public var interceptor: Interceptor?
    /// Called after a mutation was saved, before its result is returned: throwing here models a
    /// response lost after the platform applied the change.
    public var afterCommit: Interceptor?
    /// Whether concurrent mutations are saved together (group commit, ``SandboxCommitQueue``): a served
    /// sandbox answers many requests at once, and one save per mutation of a large state would make it
    /// the bottleneck. Each mutation still returns only once it is durable.
    public var groupCommit = false
    /// The decoded state, shared by the copies of this store.
    let cache = SandboxStateCache()
    /// The group commit of this store and its copies.
    let commits = SandboxCommitQueue()

    /// Creates a store over the state file at `path` (made absolute against the current directory).
    ///
    /// - Parameters:
    ///   - path: The state file (`sandbox.json`).
    ///   - lockTimeout: Seconds to wait for another holder of the lock.
    ///   - interceptor: A hook called before every operation.
    public init(path: String, lockTimeout: Double = 30, interceptor: Interceptor? = nil) {
        self.path = FileIO.absolute(path)
        self.lockTimeout = lockTimeout
        self.interceptor = interceptor
    }

    /// The lock file next to the state file.
    public var lockPath: String { path + ".lock" }

    /// The directory holding the state file; apps' `envFile` paths are relative to it.
    public var directory: String { FileIO.parentDirectory(of: path) }

    /// Resolves a path stored in the state (an app's `envFile`) against the state's directory.
    public func resolve(_ storedPath: String) -> String {
        FileIO.resolve(storedPath, relativeTo: directory)
    }

    // MARK: - Operations

    /// Runs `body` on the current state, under the lock.
    ///
    /// - Parameters:
    ///   - operation: The operation's name, for the interceptor.
    ///   - body: Reads what it needs from the state.
    /// - Returns: What `body` returns.
    /// - Throws: What the interceptor or `body` throws, or a ``SandboxError`` about the state file.
    public func read<R>(_ operation: String = "read", _ body: (SandboxState) throws -> R) async throws -> R {
        try await intercept(SandboxOperation(name: operation, isMutation: false))
        if groupCommit {
            // Saves replace the file by rename, and while this process holds the lock the file is the
            // last saved state: no lock needed either way.
            return try body(try commits.committedState() ?? load())
        }
        // Writes replace the file by rename, so a read needs no lock to see one consistent version; taking
        // one would create the lock file, and a read (`rekey plan`) must leave the directory as it was.
        guard FileIO.exists(lockPath) else { return try body(try load()) }
        return try await withLock { try body(try load()) }
    }

    /// Runs `body` on the current state, under the lock, and saves the state if `body` changed it.
    /// When `body` throws, nothing is written.
    ///
    /// - Parameters:
    ///   - operation: The operation's name, for the interceptor.
    ///   - body: Changes the state.
    /// - Returns: What `body` returns.
    /// - Throws: What the interceptor or `body` throws, or a ``SandboxError`` about the state file
    ///   (including a change that breaks the state's invariants, which is not written).
    public func mutate<R>(_ operation: String = "mutate", _ body: (inout SandboxState) throws -> R) async throws -> R {
        try await intercept(SandboxOperation(name: operation, isMutation: true))
        if groupCommit {
            let result = try await commits.mutate(self, body)
            if let afterCommit { try await afterCommit(SandboxOperation(name: operation, isMutation: true)) }
            return result
        }
        let result = try await withLock {
            let original = try load()
            var state = original
            let result = try body(&state)
            if state != original { try save(state) }
            return result
        }
        if let afterCommit { try await afterCommit(SandboxOperation(name: operation, isMutation: true)) }
        return result
    }

    /// Reads the state without the lock or the interceptor. Writes replace the file by `rename`, so the
    /// snapshot is always one consistent version; use it where blocking is not an option (a
    /// synchronous property).
    public func snapshot() throws(SandboxError) -> SandboxState {
        try load()
    }

    /// Writes the first state of a new sandbox. Fails if the state file already exists.
    public func create(_ state: SandboxState) throws(SandboxError) {
        guard !FileIO.exists(path) else { throw .directoryNotEmpty(path: directory) }
        try save(state)
    }

    // MARK: - Internals

    private func intercept(_ operation: SandboxOperation) async throws {
        if let interceptor { try await interceptor(operation) }
    }

    /// The state in the file (decoded again only when the file changed).
    func load() throws(SandboxError) -> SandboxState {
        try cache.load(path)
    }

    func save(_ state: SandboxState) throws(SandboxError) {
        if let problem = state.invariantViolation() {
            throw .stateCorrupt(path: path, detail: "refusing to write a state that breaks an invariant: \(problem)")
        }
        do throws(FileIOError) {
            try FileIO.writeAtomically(SandboxStateWriter.bytes(state), to: path, newFileMode: 0o600)
            // writeAtomically keeps an existing file's mode; this file holds keys, so it is always 0600.
            if try FileIO.mode(path) != 0o600, chmod(path, 0o600) != 0 { throw FileIOError("chmod", path: path) }
        } catch {
            throw .io(error)
        }
        cache.remember(state, writtenTo: path)
    }

    private func withLock<R>(_ body: () throws -> R) async throws -> R {
        // Never through a link planted in the sandbox's directory.
        let fd = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SandboxError.io(FileIOError("open lock file", path: lockPath)) }
        defer { close(fd) }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(lockTimeout * 1000))
        var delay = Duration.microseconds(500)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                throw SandboxError.io(FileIOError("lock", path: lockPath, code: code))
            }
            guard clock.now < deadline else { throw SandboxError.stateLocked(path: path, seconds: lockTimeout) }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(10))
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
