import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Runs the built `rekey` binary, as a user would, and captures what it printed.
struct RekeyProcess {
    /// What a finished process left behind.
    struct Result: CustomStringConvertible {
        var status: Int32
        /// Whether the process died from a signal (`status` is then the signal number).
        var signaled: Bool
        var stdout: String
        var stderr: String

        var description: String {
            "exit \(signaled ? "signal \(status)" : "\(status)")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
        }
    }

    /// The `rekey` executable next to the test bundle (SwiftPM builds it because the test target depends on it).
    static let executable: String = {
        var candidates: [String] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        candidates.append(argv0 + "/rekey")
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().path + "/rekey")
        candidates.append(Bundle.main.bundlePath + "/rekey")
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/rekey")
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        fatalError("the rekey binary was not found; looked in \(candidates)")
    }()

    /// The environment for child processes: the test's, without anything that would change rekey's behaviour.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in ["REKEY_FAULT_POINT", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "REKEY_SEAL_KEY"] {
            environment[key] = nil
        }
        environment["NO_COLOR"] = "1"
        // The environments' locks and registered rotations of every test run on this machine, not the user's.
        environment["REKEY_STATE_DIR"] = FileManager.default.temporaryDirectory.path + "/rekey-test-state"
        environment["no_proxy"] = "127.0.0.1,localhost"
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Starts `rekey arguments…` with stdin from /dev/null (not a TTY); call `wait()` on the result.
    static func start(
        _ arguments: [String],
        environment extra: [String: String] = [:],
        directory: String? = nil
    ) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment(extra)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let stdout = Collector(out.fileHandleForReading)
        let stderr = Collector(err.fileHandleForReading)
        try process.run()
        return Running(process: process, stdout: stdout, stderr: stderr)
    }

    /// Runs `rekey arguments…` to completion, blocking the calling thread (for static set-up only).
    @discardableResult
    static func runBlocking(
        _ arguments: [String],
        environment extra: [String: String] = [:],
        directory: String? = nil
    ) throws -> Result {
        try start(arguments, environment: extra, directory: directory).wait()
    }

    /// Runs `rekey arguments…` to completion without holding a Swift-concurrency thread while it waits
    /// (two cores mean two pool threads: blocking them would stall every other test).
    @discardableResult
    static func run(
        _ arguments: [String],
        environment extra: [String: String] = [:],
        directory: String? = nil
    ) async throws -> Result {
        try await offThePool { try start(arguments, environment: extra, directory: directory).wait() }
    }

    /// Runs `rekey arguments…` like ``run(_:environment:directory:)``, but kills it with SIGKILL if it has
    /// not exited after `timeout` seconds (a hang then fails the test instead of stalling the suite: the
    /// result is `signaled` with status SIGKILL).
    @discardableResult
    static func run(
        _ arguments: [String],
        environment extra: [String: String] = [:],
        directory: String? = nil,
        timeout: Double
    ) async throws -> Result {
        let running = try start(arguments, environment: extra, directory: directory)
        let watchdog = DispatchWorkItem { running.kill() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        return try await running.finish()
    }

    /// A started process. `Process` is safe to wait on and signal from any thread.
    struct Running: @unchecked Sendable {
        let process: Process
        let stdout: Collector
        let stderr: Collector

        func wait() -> Result {
            process.waitUntilExit()
            let signaled = process.terminationReason == .uncaughtSignal
            return Result(
                status: process.terminationStatus,
                signaled: signaled,
                stdout: stdout.text(),
                stderr: stderr.text()
            )
        }

        /// Waits for the process on a thread of its own.
        func finish() async throws -> Result {
            let running = self
            return try await offThePool { running.wait() }
        }

        func kill(_ signal: Int32 = SIGKILL) {
            Glibc.kill(process.processIdentifier, signal)
        }
    }

    /// Reads a pipe to its end on a background thread, so a full pipe never blocks the child.
    final class Collector: @unchecked Sendable {
        // Invariant: `data` is written once by the reader thread before `done` is signalled, and read only after.
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func text() -> String {
            done.wait()
            done.signal()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
