import Foundation
import RekeyCore

/// The whole database of a sandboxed Inngest environment: its signing keys, event keys and apps.
///
/// Stored as versioned JSON (`"version": 1`, see `SandboxState+Codable.swift`) in one file, mode 0600,
/// because it holds real key material. Key material is kept in ``Secret`` values so that printing,
/// dumping or comparing a state in a failing test shows no key.
public struct SandboxState: Sendable, Equatable, Codable {
    /// The file format version this type reads and writes.
    public static let formatVersion = 1

    /// Environment name (`production`).
    public var environment: String
    /// The word in new signing keys (`prod` for `signkey-prod-…`).
    public var environmentWord: String
    /// Signing keys: one active, at most one inactive.
    public var signingKeys: [SigningKey]
    /// Event (ingest) keys.
    public var eventKeys: [EventKey]
    /// Apps registered in the environment.
    public var apps: [App]
    /// Behaviour switches of the emulator.
    public var options: Options
    /// The REST API key `rekey sandbox serve` accepts as `Authorization: Bearer` (besides the signing
    /// keys, raw or hashed), `nil` until `serve` makes one.
    public var apiKey: Secret?
    /// The dashboard session token `rekey sandbox serve` accepts on its GraphQL endpoint, `nil` until
    /// `serve` makes one.
    public var sessionToken: Secret?
    /// EventNerds: the organisation's API keys (empty when the sandbox emulates no EventNerds account).
    public var apiKeys: [APIKey] = []
    /// EventNerds: the session token (JWT) its API-keys API accepts, `nil` when there is no account.
    public var eventNerdsToken: Secret?
    /// Self-hosted Inngest: the emulated server, `nil` when there is none.
    public var server: Server?

    public init(
        environment: String,
        environmentWord: String,
        signingKeys: [SigningKey] = [],
        eventKeys: [EventKey] = [],
        apps: [App] = [],
        options: Options = Options(),
        apiKey: Secret? = nil,
        sessionToken: Secret? = nil
    ) {
        self.environment = environment
        self.environmentWord = environmentWord
        self.signingKeys = signingKeys
        self.eventKeys = eventKeys
        self.apps = apps
        self.options = options
        self.apiKey = apiKey
        self.sessionToken = sessionToken
    }

    /// A signing key of the environment.
    public struct SigningKey: Sendable, Equatable {
        /// `sk_<12 hex>`.
        public var id: String
        /// `signkey-<word>-<64 hex>`.
        public var key: Secret
        /// Whether this is the current key (the one the platform signs with and accepts on sync).
        public var active: Bool
        /// Creation time.
        public var createdAt: Date

        public init(id: String, key: Secret, active: Bool, createdAt: Date) {
            self.id = id
            self.key = key
            self.active = active
            self.createdAt = createdAt
        }

        /// The fingerprint of the hashed key (what SDKs report), `nil` for a non-hex key.
        public var fingerprint: Fingerprint? { InngestSigningKey.fingerprint(key) }
    }

    /// An event key and its filters.
    public struct EventKey: Sendable, Equatable {
        /// `ek_<12 hex>`.
        public var id: String
        /// Display name.
        public var name: String
        /// The key: 64 random hex characters.
        public var key: Secret
        /// Event-name and IP filters.
        public var filter: KeyFilter
        /// Creation time.
        public var createdAt: Date

        public init(id: String, name: String, key: Secret, filter: KeyFilter, createdAt: Date) {
            self.id = id
            self.name = name
            self.key = key
            self.filter = filter
            self.createdAt = createdAt
        }

        /// The fingerprint of the key's UTF-8 bytes (what SDKs report as `event_key_hash`).
        public var fingerprint: Fingerprint { key.utf8Fingerprint }
    }

    /// An app registered in the environment, and what it runs with since its last deploy.
    public struct App: Sendable, Equatable {
        /// The app id (Inngest: the client id; the scaffold uses the name).
        public var id: String
        /// Display name.
        public var name: String
        /// Its env file, relative to the state file's directory (or absolute).
        public var envFile: String
        /// EventNerds: the variable of its env file holding its API key (`nil`: the app uses none).
        public var apiKeyVariable: String?
        /// The values the app read at its last deploy.
        public var running: Running
        /// When it was last deployed, `nil` when never.
        public var deployedAt: Date?
        /// Sync history, oldest first (the last ``maximumSyncs`` are kept).
        public var syncs: [Sync]
        /// The app's Inngest serve endpoint (`http://127.0.0.1:3000/api/inngest`) when it is a real
        /// process: `rekey sandbox serve` then resyncs it by sending it a PUT, and its SDK registers through
        /// `POST /fn/register`. `nil` for an emulated app (the sandbox applies the SDK's rules itself).
        public var url: String?

        /// Whether the app is down (it does not answer: a crash, a deploy in progress); a test's world event.
        public var down = false

        /// How many sync records an app keeps.
        public static let maximumSyncs = 20

        public init(
            id: String,
            name: String,
            envFile: String,
            running: Running = Running(),
            deployedAt: Date? = nil,
            syncs: [Sync] = [],
            url: String? = nil,
            apiKeyVariable: String? = nil,
            down: Bool = false
        ) {
            self.id = id
            self.name = name
            self.envFile = envFile
            self.running = running
            self.deployedAt = deployedAt
            self.syncs = syncs
            self.url = url
            self.apiKeyVariable = apiKeyVariable
            self.down = down
        }
    }

    /// The Inngest variables an app read when it started: `nil` when the variable was absent, an
    /// empty secret for `NAME=` (which the Python SDK treats as a configured key).
    public struct Running: Sendable, Equatable {
        /// `INNGEST_SIGNING_KEY`.
        public var signingKey: Secret?
        /// `INNGEST_SIGNING_KEY_FALLBACK`.
        public var signingKeyFallback: Secret?
        /// `INNGEST_EVENT_KEY`.
        public var eventKey: Secret?
        /// EventNerds: the API key (the variable is the app's ``App/apiKeyVariable``).
        public var apiKey: Secret?
        /// Whether the app runs in dev mode (`INNGEST_DEV` truthy: anything but unset, empty, `0` or
        /// `false`, as the Python SDK reads it): it checks no signatures at all.
        public var dev: Bool

        public init(
            signingKey: Secret? = nil, signingKeyFallback: Secret? = nil, eventKey: Secret? = nil,
            apiKey: Secret? = nil, dev: Bool = false
        ) {
            self.signingKey = signingKey
            self.signingKeyFallback = signingKeyFallback
            self.eventKey = eventKey
            self.apiKey = apiKey
            self.dev = dev
        }

        /// Whether `INNGEST_DEV=value` turns dev mode on, as the Python SDK decides.
        public static func isDevMode(_ value: String?) -> Bool {
            guard let value else { return false }
            return !["", "0", "false"].contains(value.lowercased())
        }
    }

    /// One sync attempt of an app.
    public struct Sync: Sendable, Equatable {
        /// Outcome.
        public enum Status: String, Sendable, Equatable, Codable {
            case success
            case error
        }

        /// `sync_<12 hex>`.
        public var id: String
        /// When it happened.
        public var at: Date
        /// Outcome.
        public var status: Status
        /// Fingerprint of the signing key the platform accepted (success only).
        public var signingKeyFingerprint: Fingerprint?
        /// The platform's message (error only); never a secret.
        public var message: String?

        public init(
            id: String,
            at: Date,
            status: Status,
            signingKeyFingerprint: Fingerprint? = nil,
            message: String? = nil
        ) {
            self.id = id
            self.at = at
            self.status = status
            self.signingKeyFingerprint = signingKeyFingerprint
            self.message = message
        }
    }

    /// Behaviour switches.
    public struct Options: Sendable, Equatable, Codable {
        /// Whether inspecting, checking or resyncing an app first redeploys it from its env file (so a
        /// playbook runs unattended). When `false`, `rekey sandbox` or a test redeploys explicitly.
        public var autoRedeploy: Bool
        /// Capability names (`createSigningKey`, …) the sandbox's API pretends to lack, so that the
        /// engine's guided mode can be exercised. See ``SandboxCapabilityName``.
        public var disabledCapabilities: [String]
        /// How long a resync stays `pending` before its outcome shows, in milliseconds, as Inngest's
        /// asynchronous syncs do (`POST /apps/{id}/syncs` answers `pending`, and the app's `latestSync`
        /// tells the outcome later). Absent or 0: a resync answers its outcome at once.
        public var syncPendingMilliseconds: Int?

        public init(autoRedeploy: Bool = true, disabledCapabilities: [String] = [], syncPendingMilliseconds: Int? = nil)
        {
            self.autoRedeploy = autoRedeploy
            self.disabledCapabilities = disabledCapabilities
            self.syncPendingMilliseconds = syncPendingMilliseconds
        }
    }
}

extension SandboxState {
    /// The active signing key, if the state has one.
    public var activeSigningKey: SigningKey? { signingKeys.first { $0.active } }

    /// Whether `sync` still reads as `pending` at `now` (``Options/syncPendingMilliseconds``).
    public func isPending(_ sync: Sync, at now: Date = Date()) -> Bool {
        guard let milliseconds = options.syncPendingMilliseconds, milliseconds > 0 else { return false }
        return now < sync.at.addingTimeInterval(Double(milliseconds) / 1000)
    }

    /// An app's latest sync as the platform reports it now: `pending` within the sync's pending window.
    public func reportedSync(_ sync: Sync, at now: Date = Date()) -> SyncResult {
        if isPending(sync, at: now) { return SyncResult(status: .pending, syncID: sync.id) }
        return SyncResult(status: sync.status == .success ? .success : .error, message: sync.message, syncID: sync.id)
    }

    /// The index of the app whose id, or else name, is `idOrName`.
    public func appIndex(_ idOrName: String) -> Int? {
        apps.firstIndex { $0.id == idOrName } ?? apps.firstIndex { $0.name == idOrName }
    }

    /// The capabilities left after removing ``Options/disabledCapabilities`` from `.inngest`.
    public var capabilities: PlatformCapabilities {
        var result = PlatformCapabilities.inngest
        for name in options.disabledCapabilities {
            if let capability = SandboxCapabilityName.capability(named: name) { result.remove(capability) }
        }
        return result
    }
}
