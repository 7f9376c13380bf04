import Foundation
import RekeyCore
import RekeyCrypto

/// The embedded emulator of an Inngest environment, in-process: a ``Platform`` whose database is a
/// sandbox state file, and a ``RolloutVerifier`` that reports what each sandbox app runs with as the
/// Python SDK would.
///
/// Every call goes through one ``SandboxStore`` (lock, read, mutate, atomic save), so several instances,
/// or processes, on one state file never lose an update. Errors are ``PlatformError``s without key
/// material; the sandbox-only operations (``redeploy(_:)``, ``redeployAll()``) throw ``SandboxError``.
public struct SandboxPlatform: Platform, RolloutVerifier {
    /// The store over the state file.
    public let store: SandboxStore

    /// Creates a platform over the state file at `statePath`.
    ///
    /// - Parameters:
    ///   - statePath: The sandbox's `sandbox.json`.
    ///   - interceptor: A hook run before every operation (latency and fault injection).
    public init(statePath: String, interceptor: SandboxStore.Interceptor? = nil) {
        self.store = SandboxStore(path: statePath, interceptor: interceptor)
    }

    /// Creates a platform over an existing store.
    public init(store: SandboxStore) {
        self.store = store
    }

    public var kind: String { "sandbox" }

    /// `.inngest` minus the state's `options.disabledCapabilities`, read from the file now; an unreadable
    /// state has no capabilities (every call would fail anyway).
    public var capabilities: PlatformCapabilities {
        (try? store.snapshot().capabilities) ?? []
    }

    public func secretsAreReadable(_ kind: KeyKind) -> Bool { kind != .api }

    // MARK: - Keys

    public func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
        try await read("listKeys", requires: .list(kind), kind: kind) { state in
            switch kind {
            case .signing: state.signingKeys.map(\.platformKey)
            case .event: state.eventKeys.map(\.platformKey)
            case .api: []
            }
        }
    }

    public func createKey(_ request: NewKeyRequest) async throws -> PlatformKey {
        try await mutate("createKey", requires: .create(request.kind), kind: request.kind) { state in
            switch request.kind {
            case .signing: try state.createSigningKey().platformKey
            case .event:
                try state.createEventKey(name: request.name ?? "", filter: request.filter ?? KeyFilter.unrestricted)
                    .platformKey
            case .api: throw PlatformError.unsupported("the sandbox environment has no API keys")
            }
        }
    }

    public func promoteSigningKey(id: String) async throws {
        try await mutate("promoteSigningKey", requires: .promoteSigningKey) { state in
            try state.promoteSigningKey(id: id)
        }
    }

    public func deleteKey(_ kind: KeyKind, id: String) async throws {
        try await mutate("deleteKey", requires: .delete(kind), kind: kind) { state in
            switch kind {
            case .signing: try state.deleteSigningKey(id: id)
            case .event: try state.deleteEventKey(id: id)
            case .api: throw PlatformError.unsupported("the sandbox environment has no API keys")
            }
        }
    }

    // MARK: - Apps

    public func listApps() async throws -> [PlatformApp] {
        try await read("listApps", requires: .listApps) { state in
            state.apps.map { PlatformApp(id: $0.id, name: $0.name) }
        }
    }

    /// Resyncs an app (redeploying it first when `autoRedeploy` is on). `url` is ignored: the sandbox
    /// knows its apps.
    public func resyncApp(id: String, url: String?) async throws -> SyncResult {
        try await mutate("resyncApp", requires: .resyncApp) { state in
            let index = try Self.appIndex(id, in: state)
            if state.options.autoRedeploy { try redeployIfChanged(appAt: index, in: &state) }
            let sync = state.resync(appAt: index)
            return state.reportedSync(sync)
        }
    }

    /// The app's latest sync: `pending` within ``SandboxState/Options/syncPendingMilliseconds`` of it, then its
    /// outcome; `nil` when the app never synced.
    public func latestSync(appID: String) async throws -> SyncResult? {
        try await store.read("latestSync") { state in
            let index = try Self.appIndex(appID, in: state)
            return state.apps[index].syncs.last.map { state.reportedSync($0) }
        }
    }

    /// Re-reads an app's env file into what it runs with, as a deploy or restart would.
    ///
    /// - Parameter app: The app's id or name.
    /// - Returns: The app after the deploy.
    /// - Throws: ``SandboxError/appNotFound(_:)``, ``SandboxError/envFileMissing(app:path:)``, or a state
    ///   file error.
    @discardableResult
    public func redeploy(_ app: String) async throws -> SandboxState.App {
        try await store.mutate("redeploy") { state in
            let index = try Self.appIndex(app, in: state, error: SandboxError.appNotFound(app))
            state.deploy(appAt: index, running: try readEnvFile(of: state.apps[index]))
            return state.apps[index]
        }
    }

    /// Redeploys every app. Nothing is saved when one env file can't be read.
    ///
    /// - Throws: ``SandboxError/envFileMissing(app:path:)`` naming the first unreadable file, or a state
    ///   file error.
    public func redeployAll() async throws {
        try await store.mutate("redeployAll") { state in
            let now = Date()
            for index in state.apps.indices {
                state.deploy(appAt: index, running: try readEnvFile(of: state.apps[index]), at: now)
            }
        }
    }

    // MARK: - RolloutVerifier

    /// Reports what the app runs with, as a signed GET to a Python SDK app in cloud mode would: a
    /// request signed with a key the app doesn't hold is refused (`authenticated: false`, no hashes).
    public func inspect(app: AppSpec, signedWith key: Secret) async throws -> AppIntrospection {
        let running = try await runningConfig(of: app, operation: "inspect")
        if running.dev {
            // The SDK's unauthenticated shape: dev mode checks no signature and reports no hash.
            return AppIntrospection(
                mode: "dev", authenticated: false, hasSigningKey: running.signingKey != nil,
                hasSigningKeyFallback: running.signingKeyFallback != nil, hasEventKey: running.eventKey != nil)
        }
        guard Self.holds(running, key: key) else { return AppIntrospection(mode: "cloud", authenticated: false) }
        let primary = running.signingKey
        let fallback = running.signingKeyFallback
        let eventKey = running.eventKey
        return AppIntrospection(
            mode: "cloud",
            authenticated: true,
            hasSigningKey: primary != nil,
            signingKeyHash: primary.flatMap { $0.isEmpty ? nil : InngestSigningKey.hashed($0) },
            hasSigningKeyFallback: fallback != nil,
            signingKeyFallbackHash: fallback.flatMap { $0.isEmpty ? nil : InngestSigningKey.hashed($0) },
            hasEventKey: eventKey != nil,
            eventKeyHash: eventKey.flatMap { key in
                key.isEmpty ? nil : key.withExposedBytes { SHA256.hex($0) }
            }
        )
    }

    /// Whether the app accepts a request signed with `key`: its running primary verifies the signature,
    /// or else its running fallback does. An empty variable (`NAME=`) is a configured key to the SDK, so
    /// an app with an empty fallback accepts a request signed with the empty key.
    public func accepts(app: AppSpec, signedWith key: Secret) async throws -> Bool {
        let running = try await runningConfig(of: app, operation: "accepts")
        return running.dev || Self.holds(running, key: key)
    }

    // MARK: - Internals

    /// Verifies an empty-body GET signature made with `key` against the app's primary, then fallback,
    /// exactly as the SDK does (HMAC keyed by the UTF-8 of the prefix-stripped key).
    static func holds(_ running: SandboxState.Running, key: Secret) -> Bool {
        let timestamp = Int(Date().timeIntervalSince1970)
        let header = InngestSignature.header(body: [], timestamp: timestamp, key: key)
        return [running.signingKey, running.signingKeyFallback].contains { candidate in
            guard let candidate else { return false }
            return InngestSignature.verify(header: header, body: [], key: candidate)
        }
    }

    /// What the app runs with (redeploying it first when `autoRedeploy` is on and its file changed).
    func runningConfig(of app: AppSpec, operation: String) async throws -> SandboxState.Running {
        let find = { (state: SandboxState) throws -> Int in
            if let index = state.appIndex(app.platformID) ?? state.appIndex(app.name) { return index }
            throw PlatformError.notFound("the sandbox has no app '\(app.platformID)'")
        }
        return try await mutate(operation, requires: nil) { state in
            let index = try find(state)
            guard !state.apps[index].down else {
                throw PlatformError.unavailable("app '\(app.name)' does not answer (it is down)")
            }
            if state.options.autoRedeploy { try redeployIfChanged(appAt: index, in: &state) }
            return state.apps[index].running
        }
    }

    /// A continuous-deployment system's redeploy: only when the env file differs from what runs (or the
    /// app never ran), so that polling doesn't rewrite the state each time.
    func redeployIfChanged(appAt index: Int, in state: inout SandboxState) throws {
        let running = try readEnvFile(of: state.apps[index])
        if running != state.apps[index].running || state.apps[index].deployedAt == nil {
            state.deploy(appAt: index, running: running)
        }
    }

    private func readEnvFile(of app: SandboxState.App) throws(SandboxError) -> SandboxState.Running {
        let path = store.resolve(app.envFile)
        let text: String
        do {
            text = try FileIO.readText(path)
        } catch {
            throw .envFileMissing(app: app.name, path: path)
        }
        let document = DotenvDocument(parsing: text)
        return SandboxState.Running(
            signingKey: document.value(of: "INNGEST_SIGNING_KEY").map(Secret.init),
            signingKeyFallback: document.value(of: "INNGEST_SIGNING_KEY_FALLBACK").map(Secret.init),
            eventKey: document.value(of: "INNGEST_EVENT_KEY").map(Secret.init),
            apiKey: app.apiKeyVariable.flatMap { document.value(of: $0) }.map(Secret.init),
            dev: SandboxState.Running.isDevMode(document.value(of: "INNGEST_DEV"))
        )
    }

    private static func appIndex(
        _ idOrName: String,
        in state: SandboxState,
        error: (any Error)? = nil
    ) throws -> Int {
        guard let index = state.appIndex(idOrName) else {
            throw error ?? PlatformError.notFound("the sandbox has no app '\(idOrName)'")
        }
        return index
    }

    private static func checkCapability(
        _ capability: PlatformCapabilities,
        kind: KeyKind?,
        in state: SandboxState
    ) throws(PlatformError) {
        guard !state.capabilities.contains(capability) else { return }
        if kind == .api { throw .unsupported("the sandbox environment has no API keys") }
        let name = SandboxCapabilityName.name(of: capability) ?? "this operation"
        throw .unsupported(
            "the sandbox's API lacks \(name) (options.disabledCapabilities); perform it in the dashboard"
        )
    }

    private func read<R>(
        _ operation: String,
        requires capability: PlatformCapabilities?,
        kind: KeyKind? = nil,
        _ body: (SandboxState) throws -> R
    ) async throws -> R {
        do {
            return try await store.read(operation) { state in
                if let capability { try Self.checkCapability(capability, kind: kind, in: state) }
                return try body(state)
            }
        } catch let error as SandboxError {
            throw error.platformError
        }
    }

    private func mutate<R>(
        _ operation: String,
        requires capability: PlatformCapabilities?,
        kind: KeyKind? = nil,
        _ body: (inout SandboxState) throws -> R
    ) async throws -> R {
        do {
            return try await store.mutate(operation) { state in
                if let capability { try Self.checkCapability(capability, kind: kind, in: state) }
                return try body(&state)
            }
        } catch let error as SandboxError {
            throw error.platformError
        }
    }
}
