/// A platform whose read-only calls (`listKeys`, `listApps`) retry transient failures with backoff.
///
/// For the planner, which only reads: a transient 503 while planning should not stop a rotation before
/// it starts. Writes pass through untouched; the executor retries them with reconciliation.
public struct RetryingReads: Platform, PlatformCallDescribing {
    let base: any Platform
    let retry: RetryPolicy
    let clock: EngineClock
    let observer: any RunObserver

    public init(_ base: any Platform, retry: RetryPolicy, clock: EngineClock, observer: any RunObserver) {
        self.base = base
        self.retry = retry
        self.clock = clock
        self.observer = observer
    }

    private var retrier: Retrier { Retrier(policy: retry, clock: clock, observer: observer) }

    public var kind: String { base.kind }
    public var capabilities: PlatformCapabilities { base.capabilities }
    public func secretsAreReadable(_ kind: KeyKind) -> Bool { base.secretsAreReadable(kind) }

    public func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
        let base = self.base
        return try await retrier.read("list \(kind.rawValue) keys") { try await base.listKeys(kind) }
    }

    public func listApps() async throws -> [PlatformApp] {
        let base = self.base
        return try await retrier.read("list apps") { try await base.listApps() }
    }

    public func createKey(_ request: NewKeyRequest) async throws -> PlatformKey { try await base.createKey(request) }
    public func promoteSigningKey(id: String) async throws { try await base.promoteSigningKey(id: id) }
    public func promoteKey(_ kind: KeyKind, id: String) async throws { try await base.promoteKey(kind, id: id) }
    public func deleteKey(_ kind: KeyKind, id: String) async throws { try await base.deleteKey(kind, id: id) }
    public func resyncApp(id: String, url: String?) async throws -> SyncResult {
        try await base.resyncApp(id: id, url: url)
    }
    public func latestSync(appID: String) async throws -> SyncResult? { try await base.latestSync(appID: appID) }
    public func instructions(for action: GuidedAction) -> [String] { base.instructions(for: action) }
    public func describe(_ call: PlatformCall) -> String { base.previewCall(call) }
}
