import Foundation
import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A child process of the benchmark: started with `posix_spawn`, its output in files (so no pipe can
/// fill up and stall it), reaped with `wait4` for its resource usage.
struct BenchProcess {
    /// How a finished child did.
    struct Result {
        /// The exit status (128 + signal when killed).
        var status: Int32
        /// Seconds from spawn to exit.
        var wall: Double
        /// User plus system CPU seconds.
        var cpu: Double
        /// Peak resident set size in bytes.
        var maxRSS: Int
    }

    let pid: pid_t
    let started: ContinuousClock.Instant
    /// Where stdout and stderr go.
    let output: String

    /// Starts `program` with `arguments`, `environment` (added to this process's), stdout and stderr
    /// appended to `output`.
    static func spawn(_ program: String, _ arguments: [String], environment: [String: String] = [:], output: String)
        throws -> BenchProcess
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let started = ContinuousClock.now
        let code = posix_spawn(&pid, program, &actions, nil, argv, envp)
        guard code == 0 else { throw BenchError("can't start \(program): \(String(cString: strerror(code)))") }
        return BenchProcess(pid: pid, started: started, output: output)
    }

    /// Runs `program` to completion.
    static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:], output: String)
        throws -> Result
    {
        try spawn(program, arguments, environment: environment, output: output).wait()
    }

    /// Waits for the child to exit (blocking this thread).
    func wait() -> Result {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let elapsed = ContinuousClock.now - started
        let exit: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(
            status: exit,
            wall: elapsed.seconds,
            cpu: usage.ru_utime.seconds + usage.ru_stime.seconds,
            maxRSS: Int(usage.ru_maxrss) * 1024
        )
    }

    /// Asks the child to stop (SIGTERM) and reaps it.
    func stop() {
        kill(pid, SIGTERM)
        _ = wait()
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension timeval {
    var seconds: Double { Double(tv_sec) + Double(tv_usec) / 1e6 }
}

/// A benchmark that could not run; the description says what and how to fix it.
struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
