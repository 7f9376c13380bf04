import Foundation

/// A scripted ``Terminal`` for tests: captures what is written to each stream and answers reads from a list.
///
/// ```swift
/// let recorder = TerminalRecorder(answers: ["production"], stdinIsTTY: true)
/// let confirmed = try Prompter(terminal: recorder.terminal).confirm(typed: "production", prompt: "Rotate?")
/// #expect(recorder.stderr.contains("Type 'production'"))
/// ```
public final class TerminalRecorder: @unchecked Sendable {
    // Invariant: every stored property is read and written only while holding `lock`, which makes the
    // recorder safe to share between the tasks of a command under test.
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""
    private var pendingAnswers: [String]
    private var echoes: [Bool] = []
    private let configuration: Configuration

    private struct Configuration {
        var stdoutIsTTY: Bool
        var stderrIsTTY: Bool
        var stdinIsTTY: Bool
        var environment: [String: String]
        var width: Int
    }

    /// Creates a recorder.
    ///
    /// - Parameters:
    ///   - answers: Lines that successive reads return, in order; reads after the last return `nil` (end of input).
    ///   - stdoutIsTTY: Whether standard output claims to be a terminal.
    ///   - stderrIsTTY: Whether standard error claims to be a terminal.
    ///   - stdinIsTTY: Whether standard input claims to be a terminal (prompts refuse when it does not).
    ///   - environment: The environment the colour rules see.
    ///   - width: The terminal width.
    public init(
        answers: [String] = [],
        stdoutIsTTY: Bool = false,
        stderrIsTTY: Bool = false,
        stdinIsTTY: Bool = false,
        environment: [String: String] = [:],
        width: Int = 80
    ) {
        self.pendingAnswers = answers
        self.configuration = Configuration(
            stdoutIsTTY: stdoutIsTTY,
            stderrIsTTY: stderrIsTTY,
            stdinIsTTY: stdinIsTTY,
            environment: environment,
            width: width
        )
    }

    /// Everything written to standard output so far.
    public var stdout: String { lock.withLock { outText } }
    /// Everything written to standard error so far.
    public var stderr: String { lock.withLock { errText } }
    /// The answers not read yet.
    public var remainingAnswers: [String] { lock.withLock { pendingAnswers } }
    /// For each read so far, whether it echoed (`false` for hidden input).
    public var readEchoes: [Bool] { lock.withLock { echoes } }

    /// A terminal that writes into this recorder and reads its answers.
    public var terminal: Terminal {
        let config = configuration
        return Terminal(
            out: Terminal.Output(
                isTTY: config.stdoutIsTTY,
                colorEnabled: Terminal.colorEnabled(isTTY: config.stdoutIsTTY, environment: config.environment)
            ) { [self] text in lock.withLock { outText += text } },
            err: Terminal.Output(
                isTTY: config.stderrIsTTY,
                colorEnabled: Terminal.colorEnabled(isTTY: config.stderrIsTTY, environment: config.environment)
            ) { [self] text in lock.withLock { errText += text } },
            input: Terminal.Input(isTTY: config.stdinIsTTY) { [self] echo in
                lock.withLock {
                    echoes.append(echo)
                    return pendingAnswers.isEmpty ? nil : pendingAnswers.removeFirst()
                }
            },
            environment: config.environment,
            width: config.width
        )
    }
}
