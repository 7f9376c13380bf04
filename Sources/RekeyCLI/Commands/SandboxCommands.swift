import Dispatch
import Foundation
import RekeyCore
import RekeySandbox

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `rekey sandbox init|show|redeploy`.
struct SandboxCommands {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func initialize() async throws -> ExitCode {
        let arguments = context.arguments
        guard let directory = arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        let apps = try arguments.int("apps", in: 1...500) ?? 3
        let eventKeys = try arguments.int("event-keys", in: 0...5000) ?? 2
        let platform = try sandboxPlatform()
        let result = try SandboxScaffold.create(
            directory: FileIO.absolute(directory),
            apps: apps,
            eventKeys: eventKeys,
            autoRedeploy: !arguments.flag("manual-redeploy"),
            platform: platform
        )
        let out = context.terminal.out
        out.line("Created a sandbox in \(directory):")
        let state = FileIO.baseName(of: result.statePath)
        switch platform {
        case .inngest:
            out.line("  \(state)  the environment: 1 signing key, \(eventKeys) event keys, \(apps) apps")
        case .eventNerds:
            out.line("  \(state)  an EventNerds account: \(eventKeys) API keys, \(apps) apps (API: /api/developer/v1)")
        case .inngestSelfHosted:
            out.line("  \(state)  a self-hosted Inngest server (\(eventKeys) event keys) and \(apps) apps")
            out.line("  \(SandboxScaffold.serverConfigPath)  the server's configuration")
        case .plugin:
            out.line("  \(SandboxScaffold.pluginFileName), \(state)  the example exec plugin and its platform's keys")
        }
        out.line("  apps/*.env     one dotenv file per app (\(result.appNames.joined(separator: ", ")))")
        out.line("  playbook.json  a playbook for a full rotation")
        out.line()
        out.line("Next:")
        out.line("  rekey plan \(directory)/playbook.json")
        let command = "  rekey run \(directory)/playbook.json --journal \(directory)/rotation.jsonl"
        switch platform {
        case .inngest: out.line(command + " --approve rotate-signing-key")
        case .eventNerds: out.line(command + " --approve delete-old-api-keys    (with REKEY_SEAL_KEY set)")
        case .inngestSelfHosted: out.line(command + " --approve install-signing-key    (with REKEY_SEAL_KEY set)")
        case .plugin:
            out.line(command + " --approve confirm-redeploy --approve promote-api-keys    (with REKEY_SEAL_KEY set)")
        }
        return .success
    }

    func show() async throws -> ExitCode {
        guard let directory = context.arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        let path = statePath(directory)
        // A sandbox of the example plugin has no sandbox.json: its platform's keys are in the plugin's own file.
        let pluginState = FileIO.parentDirectory(of: path) + "/" + SandboxScaffold.pluginStateFileName
        if !FileIO.exists(path), FileIO.exists(pluginState) {
            let report = try PluginSandboxReport.load(from: pluginState)
            context.terminal.out.line(context.json ? report.json : report.text)
            return .success
        }
        let report = try await SandboxReport.load(from: SandboxStore(path: path))
        context.terminal.out.line(context.json ? report.json : report.text)
        return .success
    }

    func redeploy() async throws -> ExitCode {
        let arguments = context.arguments
        guard let directory = arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        try refuseIfPluginSandbox(
            directory,
            "its apps are not emulated: the plugin's platform can't tell which key an app uses, so a person confirms "
                + "the redeploy ('rekey resume JOURNAL --approve confirm-redeploy')")
        let platform = SandboxPlatform(statePath: statePath(directory))
        let apps = arguments.positionals("app")
        let server = try SandboxStore(path: statePath(directory)).snapshot().server?.name
        if apps.isEmpty {
            try await platform.redeployAll()
            context.terminal.out.line("redeployed every app: each now runs with what its dotenv file says")
            if server != nil {
                try await platform.restartServer()
                context.terminal.out.line("restarted the self-hosted server with its configuration")
            }
        } else {
            for app in apps {
                if app == server {
                    try await platform.restartServer()
                    context.terminal.out.line("restarted \(app) with its configuration")
                } else {
                    try await platform.redeploy(app)
                    context.terminal.out.line("redeployed \(app)")
                }
            }
        }
        return .success
    }

    /// `rekey sandbox serve DIR [--port N]`: serves the state over HTTP on 127.0.0.1 until SIGINT/SIGTERM.
    func serve() async throws -> ExitCode {
        let arguments = context.arguments
        guard let directory = arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        let port = try arguments.int("port", in: 0...65535) ?? 0
        try refuseIfPluginSandbox(directory, "rekey reaches its platform through the plugin, not over HTTP")
        let path = statePath(directory)
        _ = try SandboxStore(path: path).snapshot()  // a missing or corrupt state fails here, before anything listens
        try await SandboxServer.ensureCredentials(in: SandboxStore(path: path))
        // REKEY_SANDBOX_FAULTS (a testing aid) injects faults, answered as HTTP errors, and latency, added
        // once per request.
        let faults = try SandboxFaults.fromEnvironment(context.environment, statePath: path)
        var store = SandboxStore(path: path, interceptor: faults?.faultsOnly)
        store.afterCommit = faults?.after
        // Requests are answered concurrently: their mutations are saved together.
        store.groupCommit = true
        let out = context.terminal.out
        let server = try SandboxServer(
            store: store,
            port: UInt16(port),
            log: { line in out.line("  " + line) },
            latency: faults?.profile.latency ?? 0,
            faults: faults
        )
        defer { server.stop() }
        let url = server.url.absoluteString
        out.line("Serving the sandbox \(path) at \(url)")
        out.line("  REST API v2   \(url)/v2        Bearer: the state's apiKey, or a signing key of the environment")
        out.line("  GraphQL       \(url)/gql       Bearer: the state's sessionToken")
        out.line("  SDK syncs     \(url)/fn/register (INNGEST_API_BASE_URL=\(url) in the apps)")
        out.line("The credentials are the apiKey and sessionToken fields of \(FileIO.baseName(of: path)).")
        out.line("Press Ctrl-C to stop.")
        await Self.waitForTermination()
        out.line("stopped")
        return .success
    }

    /// Returns when the process receives SIGINT or SIGTERM.
    private static func waitForTermination() async {
        let sources = SignalSources()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            sources.install([SIGINT, SIGTERM]) { continuation.resume() }
        }
        sources.cancel()
    }

    /// `--platform` of `sandbox init` and `demo` (default `inngest`).
    func sandboxPlatform() throws(UsageError) -> SandboxScaffold.Platform {
        guard let value = context.arguments.string("platform") else { return .inngest }
        guard let platform = SandboxScaffold.Platform(rawValue: value) else {
            let known = SandboxScaffold.Platform.allCases.map(\.rawValue)
            let hint = Spelling.suggestion(for: value, among: known).map { "; did you mean '\($0)'?" } ?? ""
            throw UsageError.invalid(
                "'\(value)' is not a sandbox platform\(hint) (platforms: \(known.joined(separator: ", ")))",
                command: context.arguments.commandPath)
        }
        return platform
    }

    /// The state file of a sandbox directory (or the file itself when given).
    /// A sandbox of the example plugin has no `sandbox.json`, only the plugin's state: say so instead of
    /// "the sandbox does not exist".
    private func refuseIfPluginSandbox(_ directory: String, _ why: String) throws(UsageError) {
        let path = statePath(directory)
        let pluginState = FileIO.parentDirectory(of: path) + "/" + SandboxScaffold.pluginStateFileName
        guard !FileIO.exists(path), FileIO.exists(pluginState) else { return }
        throw UsageError.invalid(
            "'\(directory)' is a sandbox of the example plugin (--platform plugin): \(why)",
            command: context.arguments.commandPath)
    }

    private func statePath(_ directory: String) -> String {
        let absolute = FileIO.absolute(directory)
        return FileIO.isDirectory(absolute) ? absolute + "/sandbox.json" : absolute
    }
}

/// Signal sources that call a handler once, for the first of the signals to arrive.
private final class SignalSources: @unchecked Sendable {
    // Invariant: `sources` and `fired` are only touched under `lock`.
    private let lock = NSLock()
    private var sources: [any DispatchSourceSignal] = []
    private var fired = false

    func install(_ signals: [Int32], handler: @escaping @Sendable () -> Void) {
        lock.withLock {
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [self] in
                    let first = lock.withLock {
                        defer { fired = true }
                        return !fired
                    }
                    if first { handler() }
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    func cancel() {
        lock.withLock {
            for source in sources { source.cancel() }
        }
    }
}
