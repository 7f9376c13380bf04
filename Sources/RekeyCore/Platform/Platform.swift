/// A key-management backend: Inngest Cloud, self-hosted Inngest, EventNerds, an exec plugin, or the
/// embedded sandbox.
///
/// Implementers must guarantee:
/// - **No secret in errors or descriptions.** Key material travels only inside ``Secret``.
/// - **Idempotent reads, honest writes.** `list…` calls have no side effect. A create returns the
///   created key (with its secret when the platform shows it); rekey journals an intent before each
///   write and finds the result again by listing after a crash, so a write must be visible to the next
///   list once it returned.
/// - **Classified failures.** Throw ``PlatformError``: `transient`/`rateLimited` for failures worth
///   retrying (the executor retries with backoff), anything else stops the step.
/// - **Timeouts.** No call may block forever; network backends bound every request.
/// - Methods for capabilities the platform lacks throw ``PlatformError/unsupported(_:)``; the engine
///   checks ``capabilities`` first and guides a human through the step instead.
public protocol Platform: Sendable {
    /// A short name for messages (`sandbox`, `inngest`, …).
    var kind: String { get }

    /// What this backend can do through its API.
    var capabilities: PlatformCapabilities { get }

    /// Whether the platform shows key material of `kind` again after creation (Inngest: yes for
    /// signing and event keys; EventNerds API keys: no). When it doesn't, rekey must seal the secret
    /// in the journal or replace a key whose secret was lost.
    func secretsAreReadable(_ kind: KeyKind) -> Bool

    /// Lists keys of `kind` in the playbook's environment.
    func listKeys(_ kind: KeyKind) async throws -> [PlatformKey]

    /// Creates a key. For signing keys the new key is inactive.
    func createKey(_ request: NewKeyRequest) async throws -> PlatformKey

    /// Promotes the inactive signing key `id` to active; the platform deletes the previously active
    /// key. Irreversible.
    func promoteSigningKey(id: String) async throws

    /// Deletes a key. Deleting a key that no longer exists throws ``PlatformError/notFound(_:)``.
    func deleteKey(_ kind: KeyKind, id: String) async throws

    /// Promotes the new key `id` of `kind` to the platform's primary key. Signing keys go through
    /// ``promoteSigningKey(id:)`` (the default does that); API keys need ``PlatformCapabilities/promoteAPIKey``.
    /// Promoting a key that is already primary must succeed.
    func promoteKey(_ kind: KeyKind, id: String) async throws

    /// Lists the apps registered in the environment.
    func listApps() async throws -> [PlatformApp]

    /// Asks the platform to resync an app (it calls the app's serve endpoint with its current key).
    func resyncApp(id: String, url: String?) async throws -> SyncResult

    /// The app's most recent sync as the platform reports it now, so that a sync answered `pending` can be
    /// followed to its outcome; `nil` where the platform can't tell (the default).
    func latestSync(appID: String) async throws -> SyncResult?

    /// Human instructions for performing `action` by hand (dashboard clicks), used when the backend
    /// lacks the capability. Lines of plain text, no secret.
    func instructions(for action: GuidedAction) -> [String]
}

/// An action a human performs when the platform's API can't (a guided step).
public enum GuidedAction: Sendable, Hashable {
    case createSigningKey
    case promoteSigningKey(id: String)
    case deleteSigningKey(id: String)
    case createEventKey(name: String, filter: KeyFilter)
    case deleteEventKey(id: String, name: String?)
    case resyncApp(name: String)
    case createAPIKey(name: String, scope: String?)
    case deleteAPIKey(id: String, name: String?)
    case promoteAPIKey(id: String, name: String?)
}

extension Platform {
    public func secretsAreReadable(_ kind: KeyKind) -> Bool { kind != .api }

    public func latestSync(appID: String) async throws -> SyncResult? { nil }

    public func promoteKey(_ kind: KeyKind, id: String) async throws {
        guard kind == .signing else {
            throw PlatformError.unsupported("\(self.kind) can't promote \(kind.rawValue) keys")
        }
        try await promoteSigningKey(id: id)
    }

    public func instructions(for action: GuidedAction) -> [String] {
        switch action {
        case .createSigningKey:
            ["Create a new signing key in the environment (it starts inactive)."]
        case .promoteSigningKey(let id):
            ["Rotate the signing key: promote the new key \(id); the platform deletes the old one."]
        case .deleteSigningKey(let id):
            ["Delete the inactive signing key \(id)."]
        case .createEventKey(let name, let filter):
            ["Create an event key named '\(name)' with filters: \(filter.summary)."]
        case .deleteEventKey(let id, let name):
            ["Delete the event key \(name.map { "'\($0)' " } ?? "")(\(id))."]
        case .resyncApp(let name):
            ["Resync the app '\(name)'."]
        case .createAPIKey(let name, let scope):
            ["Create an API key named '\(name)'\(scope.map { " scoped to \($0)" } ?? "")."]
        case .deleteAPIKey(let id, let name):
            ["Delete the API key \(name.map { "'\($0)' " } ?? "")(\(id))."]
        case .promoteAPIKey(let id, let name):
            ["Make the API key \(name.map { "'\($0)' " } ?? "")(\(id)) the primary key."]
        }
    }
}
