import Foundation
import RekeyCore
import Synchronization

/// The `rekey` command-line tool: parses arguments, runs the command, and returns the exit code.
/// Nothing escapes: every error is mapped to a message and one of the documented exit codes.
public enum RekeyCLI {
    /// Runs `rekey` with `arguments` (without the program name).
    ///
    /// - Parameters:
    ///   - arguments: The command line after `rekey`.
    ///   - terminal: Where output goes and answers come from.
    ///   - clock: Time, for every wait (tests pass a virtual clock).
    /// - Returns: The exit code.
    public static func main(
        _ arguments: [String], terminal: Terminal = .standard(), clock: EngineClock = .system
    ) async -> ExitCode {
        defer { terminal.flush() }
        let parsed: ParsedArguments
        switch RekeyCommands.parser.resolve(arguments, terminal: terminal) {
        case .exit(let code): return code
        case .run(let arguments): parsed = arguments
        }
        if MemoryTuning.commands.contains(parsed.command) { MemoryTuning.apply() }
        let context = CommandContext(terminal: terminal, arguments: parsed, clock: clock)
        do {
            switch parsed.command {
            case "plan": return try await PlanCommand(context).run()
            case "run": return try await RunCommand(context).run()
            case "resume": return try await RunCommand(context).resume()
            case "status": return try StatusCommand(context).run()
            case "explain": return try StatusCommand(context).explain()
            case "gate": return try await GateCommand(context).run()
            case "approve": return try await ApproveCommand(context).run()
            case "override": return try await OverrideCommand(context).run()
            case "abort": return try await AbortCommand(context).run()
            case "log": return try LogCommand(context).run()
            case "reveal": return try await RevealCommand(context).run()
            case "sandbox init": return try await SandboxCommands(context).initialize()
            case "sandbox show": return try await SandboxCommands(context).show()
            case "sandbox redeploy": return try await SandboxCommands(context).redeploy()
            case "sandbox serve": return try await SandboxCommands(context).serve()
            case "demo": return try await DemoCommand(context).run()
            default:
                terminal.err.line("Error: '\(parsed.command)' is not implemented")
                return .usage
            }
        } catch let error as UsageError {
            ErrorReport.reportJSON(error, when: context.json, on: terminal)
            return HelpRenderer(root: RekeyCommands.root, width: HelpRenderer.width(for: terminal)).report(
                error, to: terminal)
        } catch {
            return ErrorReport.report(error, on: terminal, json: context.json)
        }
    }
}

/// One signal handler per process.
enum SignalHandlers {
    private static let lock = Mutex<SignalHandler?>(nil)

    static func shared(_ terminal: Terminal) -> SignalHandler {
        lock.withLock { handler in
            if let handler { return handler }
            let created = SignalHandler(terminal: terminal)
            handler = created
            return created
        }
    }
}

/// What every command gets: the terminal, its parsed arguments and the environment.
struct CommandContext: Sendable {
    let terminal: Terminal
    let arguments: ParsedArguments
    /// Time, for every wait.
    var clock: EngineClock = .system

    var environment: [String: String] { terminal.environment }

    /// The session over the real backends, reporting to `observer`. Installs the SIGINT/SIGTERM handler.
    func session(observer: any RunObserver) throws -> RotationSession {
        var session = RotationSession(
            provider: BackendFactory(),
            environment: environment,
            toolVersion: RekeyCommands.version,
            observer: observer,
            clock: clock,
            retry: try retryPolicy(),
            faults: try FaultInjector.fromEnvironment(environment),
            stop: signals.token,
            sealKey: try sealKey()
        )
        session.force = has("force") && arguments.flag("force")
        session.registry = EnvironmentRegistry(
            directory: EnvironmentRegistry.defaultDirectory(environment: environment))
        session.waitTimeout = has("no-wait") && arguments.flag("no-wait") ? 0 : nil
        return session
    }

    /// Whether the command declares the flag `name`.
    private func has(_ name: String) -> Bool {
        arguments.spec.flags.contains { $0.name == name }
    }

    /// The retry policy; `REKEY_RETRY_BASE_DELAY` (seconds, a testing aid) shortens the backoff.
    func retryPolicy() throws -> RetryPolicy {
        guard let text = environment["REKEY_RETRY_BASE_DELAY"], !text.isEmpty else { return RetryPolicy() }
        guard let base = Double(text), base >= 0, base <= 60 else {
            throw UsageError.invalid(
                "REKEY_RETRY_BASE_DELAY='\(text)' must be a number of seconds between 0 and 60",
                command: arguments.commandPath
            )
        }
        return RetryPolicy(maxAttempts: 8, baseDelay: base, maxDelay: max(base * 20, 0.001))
    }

    /// The process's signal handler (installed on first use, by commands that run rotations).
    var signals: SignalHandler { SignalHandlers.shared(terminal) }

    /// Whether prompts may be shown (a TTY on stdin, and neither --non-interactive nor --json).
    var interactive: Bool {
        let disabled =
            arguments.spec.flags.contains { $0.name == "non-interactive" } && arguments.flag("non-interactive")
        let json = arguments.spec.flags.contains { $0.name == "json" } && arguments.flag("json")
        return terminal.input.isTTY && !disabled && !json
    }

    /// Whether `--json` was given (for commands that have it).
    var json: Bool {
        arguments.spec.flags.contains { $0.name == "json" } && arguments.flag("json")
    }

    /// A step id from an option or argument, checked against the known steps.
    func step(_ value: String) throws(UsageError) -> StepID {
        let known = ProcedureCatalog.everyStep
        guard let step = StepID(value), known.contains(step) else {
            let hint =
                Spelling.suggestion(for: value, among: known.map(\.rawValue)).map { "; did you mean '\($0)'?" } ?? ""
            throw UsageError.invalid(
                "'\(value)' is not a step\(hint) (steps: \(known.map(\.rawValue).joined(separator: ", ")))",
                command: arguments.commandPath
            )
        }
        return step
    }
}
