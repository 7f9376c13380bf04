import RekeyCore
import RekeySandbox

/// `rekey sandbox init|show|redeploy`.
struct SandboxCommands {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func initialize() async throws -> ExitCode {
        let arguments = context.arguments
        guard let directory = arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        let apps = try arguments.int("apps", in: 1...500) ?? 3
        let eventKeys = try arguments.int("event-keys", in: 0...5000) ?? 2
        let result = try SandboxScaffold.create(
            directory: FileIO.absolute(directory),
            apps: apps,
            eventKeys: eventKeys,
            autoRedeploy: !arguments.flag("manual-redeploy")
        )
        let out = context.terminal.out
        out.line("Created a sandbox in \(directory):")
        out.line("  \(FileIO.baseName(of: result.statePath))  the environment: 1 signing key, \(eventKeys) event keys, \(apps) apps")
        out.line("  apps/*.env     one dotenv file per app (\(result.appNames.joined(separator: ", ")))")
        out.line("  playbook.json  a playbook for a full rotation")
        out.line()
        out.line("Next:")
        out.line("  rekey plan \(directory)/playbook.json")
        out.line("  rekey run \(directory)/playbook.json --journal \(directory)/rotation.jsonl --approve rotate-signing-key")
        return .success
    }

    func show() async throws -> ExitCode {
        guard let directory = context.arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        let report = try await SandboxReport.load(from: SandboxStore(path: statePath(directory)))
        context.terminal.out.line(context.json ? report.json : report.text)
        return .success
    }

    func redeploy() async throws -> ExitCode {
        let arguments = context.arguments
        guard let directory = arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        let platform = SandboxPlatform(statePath: statePath(directory))
        let apps = arguments.positionals("app")
        if apps.isEmpty {
            try await platform.redeployAll()
            context.terminal.out.line("redeployed every app: each now runs with what its dotenv file says")
        } else {
            for app in apps {
                try await platform.redeploy(app)
                context.terminal.out.line("redeployed \(app)")
            }
        }
        return .success
    }

    func serve() async throws -> ExitCode {
        throw BackendError.notAvailable("'rekey sandbox serve' is not available in this build yet")
    }

    /// The state file of a sandbox directory (or the file itself when given).
    private func statePath(_ directory: String) -> String {
        let absolute = FileIO.absolute(directory)
        return FileIO.isDirectory(absolute) ? absolute + "/sandbox.json" : absolute
    }
}
