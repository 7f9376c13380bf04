import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A long-running child process (a server, an app) whose standard output and error go to one log file,
/// so the test can read what it printed while it runs without a pipe ever filling up.
final class LoggedProcess: @unchecked Sendable {
    // Invariant: `process` is started once in `init` and only signalled or waited on afterwards.
    let process: Process
    /// The log file (stdout and stderr).
    let log: String

    /// Starts `executable arguments…` with exactly `environment`, stdin from /dev/null.
    init(_ executable: String, _ arguments: [String], environment: [String: String], log: String) throws {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        self.log = log
        try process.run()
        try handle.close()
    }

    /// Everything printed so far.
    var output: String {
        (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }

    /// Waits until the output matches `pattern` (a regular expression) and returns the first match.
    ///
    /// - Throws: ``FixtureError`` when the process exits first or `timeout` passes.
    func waitForOutput(matching pattern: String, timeout: Double = 30) async throws -> String {
        let expression = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            // Checked once more after the deadline: a busy machine may have kept this task asleep past it.
            let text = output
            if let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let range = Range(match.range, in: text)
            {
                return String(text[range])
            }
            guard process.isRunning else {
                throw FixtureError(
                    message: "the process exited (\(process.terminationStatus)) before printing /\(pattern)/:\n\(text)")
            }
            guard Date() < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureError(message: "nothing matched /\(pattern)/ within \(timeout)s:\n\(output)")
    }

    /// Stops the process: SIGTERM, then SIGKILL after `grace` seconds (at once for a zero grace); waits for
    /// it to exit.
    func stop(grace: Double = 5) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, grace > 0 ? SIGTERM : SIGKILL)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop(grace: 1) }
}

/// A free TCP port on 127.0.0.1 (bound and released: another process could take it, which the tests
/// would see as a failed start).
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw FixtureError(message: "can't bind a loopback port (errno \(errno))") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}
