import Foundation
import RekeySandbox
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// An in-process rotation over a scaffolded sandbox whose apps use the target kinds a test chooses, with
/// a platform wrapper to play a platform that shows secrets once (or returns odd keys).
struct RotationHarness {
    /// How the test wants each app's configuration kept.
    enum Kind: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case dotenv, exec, manual
        var testDescription: String { rawValue }
    }

    let directory: TemporaryDirectory
    let scaffold: SandboxScaffold.Result
    let playbookPath: String
    var journal: String { directory.file("sandbox/rotation.jsonl") }
    var sandbox: SandboxPlatform { SandboxPlatform(statePath: scaffold.statePath) }

    /// A sandbox with `apps` (`api`, `worker`, `billing`, …) whose targets are `kinds` (default dotenv).
    init(
        apps: Int = 3,
        eventKeys: Int = 2,
        kinds: [String: Kind] = [:],
        verify: [String: String] = [:],
        procedure: String = "inngest"
    ) throws {
        directory = try TemporaryDirectory("rekey-harness")
        scaffold = try SandboxScaffold.create(directory: directory.file("sandbox"), apps: apps, eventKeys: eventKeys)
        let tool = directory.file("sandbox/stand-in.sh")
        try Data(Self.standIn.utf8).write(to: URL(fileURLWithPath: tool))
        chmod(tool, 0o700)
        let state = try SandboxStore(path: scaffold.statePath).snapshot()
        var appEntries: [JSONValue] = []
        for (index, name) in scaffold.appNames.enumerated() {
            var app = JSONObject([("name", .string(name))])
            switch kinds[name] ?? .dotenv {
            case .dotenv:
                app["target"] = ["kind": "dotenv", "path": .string("apps/\(name).env")]
            case .exec:
                app["target"] = [
                    "kind": "exec", "set": ["./stand-in.sh", "set", "{name}", .string("apps/\(name).env")],
                    "unset": ["./stand-in.sh", "unset", "{name}", .string("apps/\(name).env")], "timeout": "20s",
                ]
            case .manual:
                app["target"] = ["kind": "manual", "where": .string("the \(name) dashboard")]
            }
            // The event key each app uses, by name: rekey can't read it from an exec or manual target, nor
            // match a fingerprint on a platform that never lists secrets again.
            if !state.eventKeys.isEmpty {
                app["eventKey"] = .string(state.eventKeys[index % state.eventKeys.count].name)
            }
            app["verify"] = ["kind": .string(verify[name] ?? "platform")]
            appEntries.append(.object(app))
        }
        let document: JSONValue = [
            "version": 1,
            "platform": ["kind": "sandbox", "settings": ["state": "sandbox.json"]],
            "environment": "production",
            "procedure": .string(procedure),
            "apps": .array(appEntries),
            "options": ["confirmRedeploy": ["timeout": "1s", "interval": "10ms"]],
        ]
        playbookPath = directory.file("sandbox/rekey.json")
        try Data(document.serialized(pretty: true).utf8).write(to: URL(fileURLWithPath: playbookPath))
    }

    func remove() { directory.remove() }

    /// A session over `platform` (default: the sandbox itself).
    func session(
        platform: (@Sendable (SandboxPlatform) -> any Platform)? = nil,
        sealKey: SealKey? = nil,
        observer: any RunObserver = SilentObserver(),
        faults: FaultInjector = .none
    ) -> RotationSession {
        RotationSession(
            provider: HarnessProvider(wrap: platform),
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
            toolVersion: "test",
            observer: observer,
            clock: .system,
            retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.001, maxDelay: 0.001),
            faults: faults,
            sealKey: sealKey
        )
    }

    /// Starts the rotation (approving the point of no return).
    func start(_ session: RotationSession, until: StepID? = nil, approve: Set<StepID> = [.rotateSigningKey])
        async throws
        -> RotationSession.Outcome
    {
        try await session.start(
            playbookPath: playbookPath, journalPath: journal,
            approvals: ApprovalSource(preApproved: approve, actor: "tester"), until: until)
    }

    /// Resumes it.
    func resume(_ session: RotationSession, approve: Set<StepID> = [.rotateSigningKey]) async throws
        -> RotationSession.Outcome
    {
        try await unlocked {
            try await session.resume(
                journalPath: journal, approvals: ApprovalSource(preApproved: approve, actor: "tester"), until: nil)
        }
    }

    /// Runs `body`, retrying while the journal is still locked by the previous in-process command (its
    /// writer lets go of the lock a moment after the command returned; separate processes never see this).
    func unlocked<T>(_ body: () async throws -> T) async throws -> T {
        for _ in 0..<100 {
            do {
                return try await body()
            } catch JournalError.locked {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        return try await body()
    }

    /// Prepares a reveal of `variable` for `app`.
    func reveal(_ app: String, _ variable: String, sealKey: SealKey? = nil) async throws -> SecretReveal {
        try await unlocked {
            try SecretReveal.prepare(
                journalPath: journal, app: app, variable: variable, provider: HarnessProvider(wrap: nil),
                environment: [:], sealKey: sealKey)
        }
    }

    /// The journal's records.
    func records() throws -> [JournalRecord] { try JournalReader.read(path: journal).records }

    /// The journal's bytes.
    func journalBytes() throws -> [UInt8] { try FileIO.read(journal) }

    /// Every key the sandbox holds now.
    func secrets() throws -> [Secret] {
        let state = try SandboxStore(path: scaffold.statePath).snapshot()
        return state.signingKeys.map(\.key) + state.eventKeys.map(\.key)
    }

    /// The env file of `app`.
    func envText(_ app: String) throws -> String { try FileIO.readText(scaffold.directory + "/apps/\(app).env") }

    /// Sets or removes a variable in an app's env file, as a person at a dashboard would.
    func setByHand(_ app: String, _ name: String, _ value: Secret?) throws {
        let path = scaffold.directory + "/apps/\(app).env"
        var document = DotenvDocument(parsing: try FileIO.readText(path))
        if let value { document.set(name, to: value.exposeValue(), after: nil) } else { document.remove(name) }
        try FileIO.writeAtomically(Array(document.text.utf8), to: path)
    }

    /// A stand-in deployment tool: `stand-in.sh set|unset NAME ENVFILE` edits the dotenv file the sandbox
    /// app reads, with the value from stdin, and logs its argv and environment.
    static let standIn = """
        #!/bin/sh
        set -eu
        { printf 'argv:'; for a in "$@"; do printf ' %s' "$a"; done; echo; env | sed 's/^/env: /'; } >> received.log
        value=$(cat)
        tmp="$3.tmp"
        grep -v "^$2=" "$3" > "$tmp" || true
        if [ "$1" = set ]; then printf '%s=%s\\n' "$2" "$value" >> "$tmp"; fi
        mv "$tmp" "$3"
        """
}

/// Builds the sandbox backends for a harness playbook, with an optional platform wrapper.
struct HarnessProvider: BackendProvider {
    let wrap: (@Sendable (SandboxPlatform) -> any Platform)?

    func backends(for playbook: Playbook, environment: [String: String]) throws -> Backends {
        guard case .sandbox(let state) = playbook.platform else { throw PlanningError.noActiveSigningKey }
        let sandbox = SandboxPlatform(statePath: state)
        var targets: [String: any SecretTarget] = [:]
        var verifiers: [String: any RolloutVerifier] = [:]
        for app in playbook.apps {
            switch app.target {
            case .dotenv(let path): targets[app.name] = DotenvTarget(path: path)
            case .exec(let spec): targets[app.name] = ExecTarget(app: app.name, spec: spec, environment: environment)
            case .manual(let location): targets[app.name] = ManualTarget(app: app.name, location: location)
            }
            if app.verify == .platform { verifiers[app.name] = sandbox }
        }
        return Backends(platform: wrap?(sandbox) ?? sandbox, targets: targets, verifiers: verifiers)
    }
}

/// A platform that shows the secret of a new key of `kinds` once, at creation, and never lists it again
/// (as EventNerds does for API keys). `transform` alters new secrets (odd keys, for hazard tests).
struct OnceShownPlatform: Platform {
    let base: SandboxPlatform
    var kinds: Set<KeyKind> = [.event]

    var kind: String { "once-shown" }
    var capabilities: PlatformCapabilities { base.capabilities }
    func secretsAreReadable(_ kind: KeyKind) -> Bool { !kinds.contains(kind) }

    func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
        let keys = try await base.listKeys(kind)
        guard kinds.contains(kind) else { return keys }
        return keys.map { key in
            var hidden = key
            hidden.secret = nil
            return hidden
        }
    }

    func createKey(_ request: NewKeyRequest) async throws -> PlatformKey { try await base.createKey(request) }
    func promoteSigningKey(id: String) async throws { try await base.promoteSigningKey(id: id) }
    func deleteKey(_ kind: KeyKind, id: String) async throws { try await base.deleteKey(kind, id: id) }
    func listApps() async throws -> [PlatformApp] { try await base.listApps() }
    func resyncApp(id: String, url: String?) async throws -> SyncResult { try await base.resyncApp(id: id, url: url) }
    func latestSync(appID: String) async throws -> SyncResult? { try await base.latestSync(appID: appID) }
}

/// Records run events (for the instructions a person is shown).
final class EventRecorder: RunObserver, @unchecked Sendable {
    // Invariant: `events` is only touched under `lock`.
    private let lock = NSLock()
    private var events: [RunEvent] = []

    func handle(_ event: RunEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    var all: [RunEvent] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }

    /// Every line of every `guided` event.
    var guidedLines: [String] {
        all.flatMap { event -> [String] in
            if case .guided(_, let lines) = event { return lines }
            return []
        }
    }
}
