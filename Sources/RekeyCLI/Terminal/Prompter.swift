import RekeyCore

/// Asks the operator questions on the terminal, and refuses to when nobody can answer.
///
/// Prompts are written to standard error (standard output stays clean for results and JSON). A prompter
/// never reads when standard input is not a terminal or prompts are disabled (`--non-interactive`): it
/// throws ``PromptError``, whose ``PromptError/exitCode`` is ``ExitCode/paused``, so the caller pauses the
/// rotation and prints the command that continues it instead of hanging a CI job on a read.
public struct Prompter: Sendable {
    /// The terminal prompts are written to and answers read from.
    public let terminal: Terminal
    /// Whether prompting is allowed at all (false with `--non-interactive`).
    public let allowsPrompts: Bool

    /// Creates a prompter.
    ///
    /// - Parameters:
    ///   - terminal: Where to ask and read.
    ///   - allowsPrompts: Pass `false` for `--non-interactive`.
    public init(terminal: Terminal, allowsPrompts: Bool = true) {
        self.terminal = terminal
        self.allowsPrompts = allowsPrompts
    }

    /// Whether a prompt would be shown: prompts are allowed and standard input is a terminal.
    public var canPrompt: Bool {
        allowsPrompts && terminal.input.isTTY
    }

    /// Asks the operator to type `expected` exactly (for example the environment's name) to pass the point of
    /// no return. Surrounding whitespace is ignored; case is not.
    ///
    /// - Parameters:
    ///   - expected: The word to type.
    ///   - prompt: What is about to happen, shown above the question.
    /// - Returns: `true` only when the typed line equals `expected`; `false` for anything else or end of input.
    /// - Throws: ``PromptError`` when prompting is impossible.
    public func confirm(typed expected: String, prompt: String) throws(PromptError) -> Bool {
        try ensureInteractive(prompt)
        terminal.err.line(prompt)
        terminal.err.write("Type '\(terminal.err.styled(expected, .bold))' to continue, anything else to stop: ")
        guard let answer = terminal.input.readLine(echo: true) else {
            terminal.err.line()
            return false
        }
        return answer.trimmingWhitespace == expected
    }

    /// Asks a question and returns the typed line (surrounding whitespace removed).
    ///
    /// - Parameter prompt: The question, shown before the cursor.
    /// - Throws: ``PromptError`` when prompting is impossible or input ended.
    public func readLine(prompt: String) throws(PromptError) -> String {
        try ensureInteractive(prompt)
        terminal.err.write(prompt)
        guard let answer = terminal.input.readLine(echo: true) else {
            terminal.err.line()
            throw .endOfInput(prompt: prompt)
        }
        return answer.trimmingWhitespace
    }

    /// Reads a secret with terminal echo off. The value is returned wrapped, never written anywhere.
    ///
    /// - Parameter prompt: What to enter (never the value), shown before the cursor.
    /// - Throws: ``PromptError`` when prompting is impossible, input ended, or the entry is empty.
    public func readHidden(prompt: String) throws(PromptError) -> Secret {
        try ensureInteractive(prompt)
        terminal.err.write(prompt)
        let answer = terminal.input.readLine(echo: false)
        // Echo is off, so the operator's Enter did not move the cursor.
        terminal.err.line()
        guard let answer else { throw .endOfInput(prompt: prompt) }
        let value = answer.trimmingWhitespace
        guard !value.isEmpty else { throw .emptySecret(prompt: prompt) }
        return Secret(value)
    }

    private func ensureInteractive(_ prompt: String) throws(PromptError) {
        guard allowsPrompts else { throw .promptsDisabled(prompt: prompt) }
        guard terminal.input.isTTY else { throw .notATerminal(prompt: prompt) }
    }
}

/// Why a ``Prompter`` did not get an answer. Descriptions name the question, never an answer.
public enum PromptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Standard input is not a terminal (CI, a pipe): nobody can answer.
    case notATerminal(prompt: String)
    /// Prompts are disabled (`--non-interactive`).
    case promptsDisabled(prompt: String)
    /// Input ended (Ctrl-D, closed pipe) before an answer.
    case endOfInput(prompt: String)
    /// A secret was asked for and an empty line was entered.
    case emptySecret(prompt: String)

    /// How the command should end: paused, so that the rotation can continue once the question is answered
    /// another way (`rekey approve`, `rekey gate`, an environment variable).
    public var exitCode: ExitCode { .paused }

    public var description: String {
        switch self {
        case .notATerminal(let prompt):
            "cannot ask '\(prompt.trimmingWhitespace)': standard input is not a terminal; "
                + "answer it another way (for example 'rekey approve') and resume"
        case .promptsDisabled(let prompt):
            "cannot ask '\(prompt.trimmingWhitespace)': prompts are disabled by --non-interactive; "
                + "answer it another way (for example 'rekey approve') and resume"
        case .endOfInput(let prompt):
            "no answer to '\(prompt.trimmingWhitespace)': input ended; run the command again to answer"
        case .emptySecret(let prompt):
            "no value entered for '\(prompt.trimmingWhitespace)': enter a non-empty value"
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
