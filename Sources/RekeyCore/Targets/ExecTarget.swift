import Foundation

/// An app's configuration behind a deployment tool: one command per variable to set or remove.
///
/// `set` runs once per variable with the value on **standard input only** (never on argv, never in the
/// environment), `unset` once per removed variable with an empty stdin. Each command runs without a shell
/// in the playbook's directory, with rekey's environment minus the seal key, the Inngest key variables,
/// the platform's credentials and anything holding a value being written; it must exit 0 within the
/// timeout. Its output is captured and
/// scrubbed of every value of the change (and their base64 and hex forms) before any of it appears in
/// an error. The tool can't be read back, so ``read(_:)`` answers ``VariableState/unreadable`` and the
/// engine relies on the exit status, then on verification (introspection) at `confirm-redeploy`.
///
/// Commands must be idempotent: after a crash or a failure, `rekey resume` runs them again.
public struct ExecTarget: SecretTarget {
    /// Environment variables never passed to a command.
    public static let withheldVariables: Set<String> = Set([SealKey.environmentVariable] + InngestVariables.all)
    /// How much of a failing command's output an error shows (characters).
    static let detailLength = 300

    /// The app whose configuration this is.
    public let app: String
    /// The commands.
    public let spec: ExecTargetSpec
    /// The environment commands start with (already without the withheld variables).
    public let environment: [String: String]

    /// Creates the target of `app`.
    ///
    /// - Parameters:
    ///   - app: The app's name (the `{app}` placeholder).
    ///   - spec: The commands from the playbook.
    ///   - environment: rekey's environment; ``withheldVariables`` and `withholding` are removed.
    ///   - withholding: More variables to keep from the commands (the platform's credentials).
    public init(app: String, spec: ExecTargetSpec, environment: [String: String], withholding: Set<String> = []) {
        self.app = app
        self.spec = spec
        self.environment = environment.filter {
            !Self.withheldVariables.contains($0.key) && !withholding.contains($0.key)
        }
    }

    /// `exec <program> (app <app>)`.
    public var summary: String {
        "exec \(FileIO.baseName(of: spec.set.first ?? "?")) (app '\(app)')"
    }

    /// A deployment tool can't be read back: every name is ``VariableState/unreadable``.
    public func read(_ names: [String]) async throws -> [String: VariableState] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, VariableState.unreadable) })
    }

    /// Runs one command per change, in order, stopping at the first that fails.
    ///
    /// - Throws: ``ExecTargetError``: an empty value or a removal without an `unset` command is refused
    ///   before anything runs; a command that can't start, exits non-zero, is killed or times out stops
    ///   the apply (the earlier changes stay applied; applying again is expected to be harmless).
    public func apply(_ changes: [VariableChange]) async throws {
        var values: [Secret] = []
        for change in changes {
            switch change {
            case .set(let name, let value):
                if value.isEmpty { throw ExecTargetError.emptyValueRefused(app: app, name: name) }
                values.append(value)
            case .remove(let name):
                if spec.unset == nil { throw ExecTargetError.noUnsetCommand(app: app, name: name) }
            }
        }
        let scrubber = SecretScrubber(values)
        // Defence in depth: a variable of rekey's own environment that happens to hold a value being
        // written (an operator who exported the new key) does not reach the command either.
        let environment = self.environment.filter { !scrubber.appears(in: Array($0.value.utf8)) }
        for change in changes {
            let argv: [String]
            var input: [UInt8] = []
            switch change {
            case .set(let name, let value):
                argv = ExecTargetSpec.render(spec.set, name: name, app: app)
                input = value.withExposedBytes { $0 } + (spec.newline ? [0x0A] : [])
            case .remove(let name):
                argv = ExecTargetSpec.render(spec.unset ?? [], name: name, app: app)
            }
            let command = Self.display(argv)
            let output: ChildProcess.Output
            do {
                output = try await ChildProcess.run(
                    argv, environment: environment, directory: spec.directory, input: input, timeout: spec.timeout)
            } catch {
                throw ExecTargetError.launchFailed(
                    app: app, name: change.name, command: command, reason: error.description)
            }
            guard output.termination != .exited(0) else { continue }
            throw ExecTargetError.commandFailed(
                app: app,
                name: change.name,
                command: command,
                termination: output.termination,
                timeout: spec.timeout,
                output: Self.detail(of: output, scrubber: scrubber)
            )
        }
    }

    // MARK: - Messages

    /// argv as a person would type it (elements with spaces or quotes quoted), at most 160 characters.
    /// argv holds only the playbook's words and variable names, never a value.
    public static func display(_ argv: [String]) -> String {
        let text = argv.map { word in
            word.isEmpty || word.contains(where: { " \"'\\$`".contains($0) }) ? "'" + word + "'" : word
        }.joined(separator: " ")
        return text.count > 160 ? String(text.prefix(159)) + "…" : text
    }

    /// The end of the command's error output (or of its standard output when it wrote no error), scrubbed,
    /// on one line, at most ``detailLength`` characters.
    public static func detail(of output: ChildProcess.Output, scrubber: SecretScrubber) -> String {
        var bytes = scrubber.scrub(output.stderr.isEmpty ? output.stdout : output.stderr)
        // A secret cut in two where the capture stopped would escape the scrubber: drop the cut end.
        if output.truncated { bytes = Array(bytes.dropLast(256)) }
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map {
            String($0.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
                .trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let joined = lines.suffix(3).joined(separator: " | ")
        return joined.count > detailLength ? "…" + String(joined.suffix(detailLength - 1)) : joined
    }
}

/// Errors from ``ExecTarget``. Descriptions name the app, the variable and the command (argv holds no
/// value) and show only scrubbed output.
public enum ExecTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A change would have set `name` to the empty string.
    case emptyValueRefused(app: String, name: String)
    /// A variable must be removed and the playbook gives no `unset` command.
    case noUnsetCommand(app: String, name: String)
    /// The command could not be started.
    case launchFailed(app: String, name: String, command: String, reason: String)
    /// The command exited non-zero, was killed, or timed out.
    case commandFailed(
        app: String, name: String, command: String, termination: ChildProcess.Termination, timeout: Double,
        output: String)

    public var description: String {
        switch self {
        case .emptyValueRefused(let app, let name):
            "refusing to write an empty value for \(name) of app '\(app)': remove the variable instead"
        case .noUnsetCommand(let app, let name):
            "exec target of app '\(app)': removing \(name) needs an 'unset' command; add one to the playbook "
                + "(e.g. \"unset\": [\"vercel\", \"env\", \"rm\", \"{name}\", \"production\", \"--yes\"])"
        case .launchFailed(let app, let name, let command, let reason):
            "exec target of app '\(app)': \(reason) (setting \(name) with '\(command)'); install the tool or "
                + "correct the command in the playbook, then resume"
        case .commandFailed(let app, let name, let command, let termination, let timeout, let output):
            "exec target of app '\(app)': '\(command)' "
                + (termination == .timedOut
                    ? "did not finish within \(DurationParser.format(seconds: timeout)) and was stopped"
                    : termination.description)
                + " while changing \(name)" + (output.isEmpty ? "" : ": \(output)")
                + "; fix the cause (credentials, network, the command), then resume"
        }
    }
}
