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
        let result = try SandboxScaffold.create(
            directory: FileIO.absolute(directory),
            apps: apps,
            eventKeys: eventKeys,
            autoRedeploy: !arguments.flag("manual-redeploy")
        )
        let out = context.terminal.out
        out.line("Created a sandbox in \(directory):")
        out.line(
            "  \(FileIO.baseName(of: result.statePath))  the environment: 1 signing key, \(eventKeys) event keys, \(apps) apps"
        )
        out.line("  apps/*.env     one dotenv file per app (\(result.appNames.joined(separator: ", ")))")
        out.line("  playbook.json  a playbook for a full rotation")
        out.line()
        out.line("Next:")
        out.line("  rekey plan \(directory)/playbook.json")
        out.line(
            "  rekey run \(directory)/playbook.json --journal \(directory)/rotation.jsonl --approve rotate-signing-key")
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

    /// `rekey sandbox serve DIR [--port N]`: serves the state over HTTP on 127.0.0.1 until SIGINT/SIGTERM.
    func serve() async throws -> ExitCode {
        let arguments = context.arguments
        guard let directory = arguments.positional(0) else { preconditionFailure("the parser requires DIR") }
        let port = try arguments.int("port", in: 0...65535) ?? 0
        let path = statePath(directory)
        _ = try SandboxStore(path: path).snapshot()  // a missing or corrupt state fails here, before anything listens
        try await SandboxServer.ensureCredentials(in: SandboxStore(path: path))
        // REKEY_SANDBOX_FAULTS (a testing aid) injects latency and faults, answered as HTTP errors.
        let faults = try SandboxFaults.fromEnvironment(context.environment, statePath: path)
        var store = SandboxStore(path: path, interceptor: faults?.before)
        store.afterCommit = faults?.after
        let out = context.terminal.out
        let server = try SandboxServer(store: store, port: UInt16(port), log: { line in out.line("  " + line) })
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

    /// The state file of a sandbox directory (or the file itself when given).
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
