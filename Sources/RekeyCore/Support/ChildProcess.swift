import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program with bytes on its standard input and its output captured, under a deadline.
///
/// The program is started with `posix_spawnp` (no shell: argv is passed as is) in its own process group,
/// with `SIGPIPE` at its default disposition. Input is written as the program reads it, output is read as
/// it comes (so neither side blocks on a full pipe), and at the deadline the whole process group gets
/// `SIGTERM`, then `SIGKILL` two seconds later. rekey's own descriptors are close-on-exec and never reach
/// the child.
public enum ChildProcess {
    /// How the program ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)
        /// It ran past the deadline and was killed.
        case timedOut

        public var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signaled(let signal): "was ended by signal \(signal)"
            case .timedOut: "did not finish in time and was stopped"
            }
        }
    }

    /// What the program did.
    public struct Output: Sendable, Equatable {
        /// How it ended.
        public var termination: Termination
        /// Its standard output (at most the limit's worth: the first bytes).
        public var stdout: [UInt8]
        /// Its standard error (at most the limit's worth: the first bytes).
        public var stderr: [UInt8]
        /// Whether output beyond the limit was dropped.
        public var truncated: Bool
    }

    /// Runs `argv` to completion (or to the deadline).
    ///
    /// - Parameters:
    ///   - argv: The program (a path, or a name looked up in `PATH`) and its arguments.
    ///   - environment: The child's whole environment.
    ///   - directory: The child's working directory, or `nil` for rekey's.
    ///   - input: Written to the child's standard input, which is then closed.
    ///   - timeout: Seconds before the child is stopped.
    ///   - outputLimit: Bytes kept of each output stream.
    /// - Throws: ``ChildProcessError`` when the program can't be started.
    public static func run(
        _ argv: [String],
        environment: [String: String],
        directory: String?,
        input: [UInt8],
        timeout: Double,
        outputLimit: Int = 1 << 20
    ) async throws(ChildProcessError) -> Output {
        let result: Result<Output, ChildProcessError> = await withCheckedContinuation { continuation in
            // A dedicated thread: the child is waited for with blocking calls, which must not hold a
            // cooperative-pool thread.
            let thread = Thread {
                do throws(ChildProcessError) {
                    continuation.resume(
                        returning: .success(
                            try runBlocking(
                                argv, environment: environment, directory: directory, input: input,
                                timeout: timeout, outputLimit: outputLimit
                            )))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.start()
        }
        return try result.get()
    }

    // MARK: - Blocking implementation

    /// Runs `argv` to completion on the calling thread, blocking it (see ``run(_:environment:directory:input:timeout:outputLimit:)``
    /// for the parameters). For synchronous callers that must ask a child once before anything else runs
    /// (an exec plugin's `describe`); everything else uses the `async` form.
    ///
    /// - Throws: ``ChildProcessError`` when the program can't be started.
    public static func runBlocking(
        _ argv: [String],
        environment: [String: String],
        directory: String?,
        input: [UInt8],
        timeout: Double,
        outputLimit: Int
    ) throws(ChildProcessError) -> Output {
        guard let program = argv.first, !program.isEmpty else { throw .launchFailed(program: "", code: ENOENT) }
        // A child that stops reading its input must not kill rekey with SIGPIPE; the child itself gets the
        // default disposition back (POSIX_SPAWN_SETSIGDEF below).
        signal(SIGPIPE, SIG_IGN)

        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        for index in 0..<3 {
            let ok: Bool
            switch index {
            case 0: ok = makePipe(&stdinPipe)
            case 1: ok = makePipe(&stdoutPipe)
            default: ok = makePipe(&stderrPipe)
            }
            guard ok else {
                let code = errno
                for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
                throw .pipeFailed(code: code)
            }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], STDERR_FILENO)
        if let directory {
            guard let addChdir = Self.addChdir else { throw .launchFailed(program: program, code: ENOSYS) }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments + cEnvironment { free(pointer) }
        }
        var pid: pid_t = 0
        var spawned = posix_spawnp(&pid, program, &actions, &attributes, cArguments, cEnvironment)
        // ETXTBSY: a script written a moment ago may still be open for writing in a child another thread
        // forked before that child's exec closed it; it goes away within milliseconds.
        for _ in 0..<20 where spawned == ETXTBSY {
            usleep(20_000)
            spawned = posix_spawnp(&pid, program, &actions, &attributes, cArguments, cEnvironment)
        }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw .launchFailed(program: program, code: spawned)
        }

        var streams = Streams(
            input: input, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0], limit: outputLimit)
        let deadline = monotonicSeconds() + timeout
        var timedOut = !streams.pump(until: deadline)
        var status: Int32 = 0
        if !timedOut { timedOut = !wait(pid, status: &status, until: deadline) }
        if timedOut {
            kill(-pid, SIGTERM)
            if !wait(pid, status: &status, until: monotonicSeconds() + 2) {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
            // Whatever the group left in the pipes is not waited for.
            _ = streams.pump(until: monotonicSeconds())
        }
        streams.closeAll()

        let termination: Termination
        if timedOut {
            termination = .timedOut
        } else if status & 0x7F == 0 {
            termination = .exited((status >> 8) & 0xFF)
        } else {
            termination = .signaled(status & 0x7F)
        }
        return Output(
            termination: termination, stdout: streams.stdoutBytes, stderr: streams.stderrBytes,
            truncated: streams.truncated)
    }

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29, macOS 10.15), looked up at run time because
    /// Swift's Glibc module does not declare the GNU extensions.
    private static let addChdir:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32)? = {
            // The process's global symbols (RTLD_DEFAULT differs between platforms; dlopen(nil) does not).
            guard let process = dlopen(nil, RTLD_NOW),
                let symbol = dlsym(process, "posix_spawn_file_actions_addchdir_np")
            else { return nil }
            return unsafeBitCast(
                symbol,
                to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32)
                    .self)
        }()

    /// A pipe whose ends are close-on-exec (the child gets copies through `dup2`, which clears the flag).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Waits for `pid` until `deadline`; `false` if it is still running then.
    private static func wait(_ pid: pid_t, status: inout Int32, until deadline: Double) -> Bool {
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return true }
            if result < 0 && errno != EINTR { return true }
            if monotonicSeconds() >= deadline { return false }
            usleep(5_000)
        }
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The parent's ends of the three pipes.
    private struct Streams {
        var input: [UInt8]
        var written = 0
        var stdin: Int32
        var stdout: Int32
        var stderr: Int32
        let limit: Int
        var stdoutBytes: [UInt8] = []
        var stderrBytes: [UInt8] = []
        var truncated = false

        init(input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32, limit: Int) {
            self.input = input
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
            self.limit = limit
            for fd in [stdin, stdout, stderr] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            if input.isEmpty { closeStdin() }
        }

        /// Moves bytes until every pipe is closed (`true`) or `deadline` passes (`false`).
        mutating func pump(until deadline: Double) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while stdin >= 0 || stdout >= 0 || stderr >= 0 {
                let remaining = deadline - ChildProcess.monotonicSeconds()
                if remaining <= 0 { return false }
                var fds: [pollfd] = []
                if stdin >= 0 { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
                if stdout >= 0 { fds.append(pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)) }
                if stderr >= 0 { fds.append(pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)) }
                let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000, 1000)) + 1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                for entry in fds where entry.revents != 0 {
                    if entry.fd == stdin {
                        writeInput()
                    } else {
                        read(entry.fd, into: &buffer)
                    }
                }
            }
            return true
        }

        private mutating func writeInput() {
            guard stdin >= 0 else { return }
            let n = input.withUnsafeBytes { raw in
                Glibc.write(stdin, raw.baseAddress! + written, raw.count - written)
            }
            if n > 0 {
                written += n
                if written == input.count { closeStdin() }
            } else if n < 0 && errno != EAGAIN && errno != EINTR {
                // EPIPE: the child does not read its input; that is its business.
                closeStdin()
            }
        }

        private mutating func read(_ fd: Int32, into buffer: inout [UInt8]) {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                let chunk = buffer[0..<n]
                if fd == stdout {
                    Self.append(chunk, to: &stdoutBytes, limit: limit, truncated: &truncated)
                } else {
                    Self.append(chunk, to: &stderrBytes, limit: limit, truncated: &truncated)
                }
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                close(fd)
                if fd == stdout { stdout = -1 } else { stderr = -1 }
            }
        }

        private static func append(
            _ chunk: ArraySlice<UInt8>, to bytes: inout [UInt8], limit: Int, truncated: inout Bool
        ) {
            let room = limit - bytes.count
            if room >= chunk.count {
                bytes.append(contentsOf: chunk)
            } else {
                if room > 0 { bytes.append(contentsOf: chunk.prefix(room)) }
                truncated = true
            }
        }

        private mutating func closeStdin() {
            if stdin >= 0 { close(stdin) }
            stdin = -1
        }

        mutating func closeAll() {
            closeStdin()
            if stdout >= 0 { close(stdout) }
            if stderr >= 0 { close(stderr) }
            stdout = -1
            stderr = -1
        }
    }
}

/// Why a program could not be started. Descriptions name the program and the system error.
public enum ChildProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `posix_spawnp` failed (not found, not executable).
    case launchFailed(program: String, code: Int32)
    /// A pipe could not be created (too many open files).
    case pipeFailed(code: Int32)

    public var description: String {
        switch self {
        case .launchFailed(let program, let code):
            "cannot start '\(program)': \(String(cString: strerror(code)))"
        case .pipeFailed(let code):
            "cannot create a pipe: \(String(cString: strerror(code)))"
        }
    }
}
