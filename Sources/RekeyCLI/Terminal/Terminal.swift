import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's terminal: standard output and error, standard input, the environment and the width.
///
/// Every command writes through a `Terminal` value instead of `print`, so tests inject a
/// ``TerminalRecorder`` to capture output and script answers, and colour decisions live in one place.
/// ``standard(environment:)`` writes with `write(2)` straight to file descriptors 1 and 2: nothing sits
/// in a buffer that a later `exit` could lose (call ``flush()`` anyway before exiting, for anything
/// written through stdio).
public struct Terminal: Sendable {
    /// An output stream (standard output or standard error) and whether it may be coloured.
    public struct Output: Sendable {
        /// Whether the stream is a terminal.
        public let isTTY: Bool
        /// Whether styles produce ANSI escapes on this stream (see ``Terminal/colorEnabled(isTTY:environment:)``).
        public let colorEnabled: Bool
        private let sink: @Sendable (String) -> Void

        /// Creates a stream.
        ///
        /// - Parameters:
        ///   - isTTY: Whether the stream is a terminal.
        ///   - colorEnabled: Whether ``styled(_:_:)`` emits escapes.
        ///   - write: Writes text to the stream, completely, without buffering.
        public init(isTTY: Bool, colorEnabled: Bool, write: @escaping @Sendable (String) -> Void) {
            self.isTTY = isTTY
            self.colorEnabled = colorEnabled
            self.sink = write
        }

        /// Writes `text` as is.
        public func write(_ text: String) {
            sink(text)
        }

        /// Writes `text` followed by a newline.
        public func line(_ text: String = "") {
            sink(text + "\n")
        }

        /// Returns `text` wrapped in the ANSI escapes for `styles`, or `text` unchanged when colour is off.
        public func styled(_ text: String, _ styles: Style...) -> String {
            guard colorEnabled, !styles.isEmpty, !text.isEmpty else { return text }
            let codes = styles.map(\.rawValue).joined(separator: ";")
            return "\u{1B}[\(codes)m\(text)\u{1B}[0m"
        }
    }

    /// Standard input: whether it is a terminal, and a line reader.
    public struct Input: Sendable {
        /// Whether standard input is a terminal. Prompts are only ever shown when it is.
        public let isTTY: Bool
        private let reader: @Sendable (_ echo: Bool) -> String?

        /// Creates an input.
        ///
        /// - Parameters:
        ///   - isTTY: Whether the input is a terminal.
        ///   - readLine: Reads one line without its newline (`nil` at end of input); when `echo` is false the
        ///     typed characters must not appear on the screen.
        public init(isTTY: Bool, readLine: @escaping @Sendable (_ echo: Bool) -> String?) {
            self.isTTY = isTTY
            self.reader = readLine
        }

        /// Reads one line, without its newline; `nil` at end of input.
        ///
        /// - Parameter echo: Pass `false` for secrets: the terminal does not show what is typed.
        public func readLine(echo: Bool = true) -> String? {
            reader(echo)
        }
    }

    /// A text style (SGR attribute). Styles vanish when the stream's colour is off.
    public enum Style: String, Sendable, CaseIterable {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case cyan = "36"
    }

    /// Standard output: results, help, `--version`, JSON.
    public var out: Output
    /// Standard error: progress, prompts, warnings, errors.
    public var err: Output
    /// Standard input.
    public var input: Input
    /// The environment the process runs with (injectable for tests).
    public var environment: [String: String]
    /// The terminal's width in columns (80 when unknown).
    public var width: Int
    private let flushBody: @Sendable () -> Void

    /// Creates a terminal from its parts; tests usually use ``TerminalRecorder`` instead.
    public init(
        out: Output,
        err: Output,
        input: Input,
        environment: [String: String] = [:],
        width: Int = 80,
        flush: @escaping @Sendable () -> Void = {}
    ) {
        self.out = out
        self.err = err
        self.input = input
        self.environment = environment
        self.width = width
        self.flushBody = flush
    }

    /// Flushes anything written through stdio (`print`, `fputs`). Call before exiting.
    public func flush() {
        flushBody()
    }

    /// The process's real terminal.
    ///
    /// - Parameter environment: The environment used for the colour rules and `COLUMNS`.
    ///
    /// SIGPIPE is ignored from here on: a closed standard output is an EPIPE that rekey handles (see
    /// ``ClosedOutput``), not a death between two journal records. Child processes get SIGPIPE back at its
    /// default action (``ChildProcess``).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> Terminal {
        signal(SIGPIPE, SIG_IGN)
        let outTTY = isTTY(STDOUT_FILENO)
        let errTTY = isTTY(STDERR_FILENO)
        return Terminal(
            out: Output(isTTY: outTTY, colorEnabled: colorEnabled(isTTY: outTTY, environment: environment)) {
                writeAll($0, to: STDOUT_FILENO)
            },
            err: Output(isTTY: errTTY, colorEnabled: colorEnabled(isTTY: errTTY, environment: environment)) {
                writeAll($0, to: STDERR_FILENO)
            },
            input: Input(isTTY: isTTY(STDIN_FILENO)) { echo in
                readStandardInput(echo: echo)
            },
            environment: environment,
            width: width(of: outTTY ? STDOUT_FILENO : STDERR_FILENO, environment: environment),
            flush: { fflush(nil) }
        )
    }

    // MARK: - Rules

    /// Whether file descriptor `fd` is a terminal.
    public static func isTTY(_ fd: Int32) -> Bool {
        isatty(fd) == 1
    }

    /// The colour rule: colour only when the stream is a terminal, `TERM` is not `dumb`, and `NO_COLOR` is
    /// unset (an empty `NO_COLOR` counts as unset, as <https://no-color.org> specifies).
    ///
    /// - Parameters:
    ///   - isTTY: Whether the stream is a terminal.
    ///   - environment: The process environment.
    public static func colorEnabled(isTTY: Bool, environment: [String: String]) -> Bool {
        guard isTTY else { return false }
        if environment["TERM"] == "dumb" { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return true
    }

    /// The width of the terminal on `fd` (`TIOCGWINSZ`), else a positive `COLUMNS`, else 80.
    ///
    /// - Parameters:
    ///   - fd: A file descriptor that may be a terminal.
    ///   - environment: The process environment (for `COLUMNS`).
    public static func width(of fd: Int32, environment: [String: String]) -> Int {
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            return columns
        }
        return 80
    }

    // MARK: - Standard streams

    /// Writes all of `text` to `fd`, retrying on `EINTR` and short writes. Errors drop the text: there is
    /// nowhere left to report them. A closed standard output (EPIPE) is reported once to ``ClosedOutput``,
    /// and nothing more is written to it.
    private static func writeAll(_ text: String, to fd: Int32) {
        if fd == STDOUT_FILENO, ClosedOutput.isClosed { return }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress, buffer.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE, fd == STDOUT_FILENO { ClosedOutput.report() }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Reads a line from standard input, with terminal echo off when `echo` is false.
    private static func readStandardInput(echo: Bool) -> String? {
        guard !echo, isTTY(STDIN_FILENO) else { return Swift.readLine(strippingNewline: true) }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return Swift.readLine(strippingNewline: true) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer { _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
        return Swift.readLine(strippingNewline: true)
    }
}
