import Foundation
import RekeyCore

/// A self-hosted Inngest server (`inngest start`): one signing key and a list of event keys, read from its
/// configuration at start, no key store and no server-side fallback.
///
/// Its keys are whatever the configuration lists: ``listKeys(_:)`` reads the configuration target (a
/// dotenv file), or, when the target can't be read (an exec target), asks the server's v2 API with the
/// signing key given in the playbook's `signingKeyEnv`. ``configure(signingKey:eventKeys:)`` writes the
/// configuration through the target, runs the restart command (no shell, under a timeout, its output
/// scrubbed of the values written) and waits until the API answers again; ``running(authenticatingWith:)``
/// asks the v2 API (`GET /v2/keys/signing`, `GET /v2/keys/events`) what the running server accepts.
public struct SelfHostedPlatform: ConfiguredKeyServer, PlatformCallDescribing {
    /// Where the server is, and how its configuration is written and reloaded.
    public struct Configuration: Sendable {
        /// The server's URL; its v2 API is under `/v2`.
        public var apiURL: URL
        /// The server's configuration.
        public var target: any SecretTarget
        /// The restart command (argv).
        public var restart: [String]
        /// How long the restart, and the server coming back, may take (seconds each).
        public var restartTimeout: Double
        /// The restart command's working directory.
        public var directory: String
        /// The restart command's environment (already without credentials).
        public var environment: [String: String]
        /// The word of the apps' signing keys.
        public var signingKeyWord: String
        /// The configuration variable of the signing key.
        public var signingKeyVariable: String
        /// The configuration variable of the event keys (comma-separated).
        public var eventKeyVariable: String
        /// The server's current signing key, for the v2 API when the configuration can't be read.
        public var credential: Secret?
        /// Where ``credential`` came from, for messages.
        public var credentialSource: String?
        /// The longest one API request may take (seconds).
        public var requestTimeout: Double

        public init(
            apiURL: URL,
            target: any SecretTarget,
            restart: [String],
            restartTimeout: Double = 60,
            directory: String,
            environment: [String: String] = [:],
            signingKeyWord: String = "prod",
            signingKeyVariable: String = "INNGEST_SIGNING_KEY",
            eventKeyVariable: String = "INNGEST_EVENT_KEY",
            credential: Secret? = nil,
            credentialSource: String? = nil,
            requestTimeout: Double = 10
        ) {
            self.apiURL = apiURL
            self.target = target
            self.restart = restart
            self.restartTimeout = restartTimeout
            self.directory = directory
            self.environment = environment
            self.signingKeyWord = signingKeyWord
            self.signingKeyVariable = signingKeyVariable
            self.eventKeyVariable = eventKeyVariable
            self.credential = credential
            self.credentialSource = credentialSource
            self.requestTimeout = requestTimeout
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let http: HTTPClient
    /// Signing keys this process wrote to the server, tried on the API after the playbook's credential.
    let written = WrittenKeys()

    /// Creates the platform; API requests go through `transport` (a real one, or the sandbox in process).
    public init(configuration: Configuration, transport: @escaping HTTPTransport) {
        self.configuration = configuration
        self.http = HTTPClient(transport: transport)
    }

    public var kind: String { "inngest-self-hosted" }
    public var capabilities: PlatformCapabilities { [.listSigningKeys, .listEventKeys] }
    public func secretsAreReadable(_ kind: KeyKind) -> Bool { kind != .api }
    public var signingKeyWord: String { configuration.signingKeyWord }

    // MARK: - Keys

    public func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
        let names = [configuration.signingKeyVariable, configuration.eventKeyVariable]
        let state: [String: VariableState]
        do {
            state = try await configuration.target.read(names)
        } catch {
            throw PlatformError.rejected(
                "can't read the server's configuration (\(configuration.target.summary)): \(error)")
        }
        switch kind {
        case .signing:
            switch state[configuration.signingKeyVariable] {
            case .present(let value)?: return [signingKey(value)]
            case .unreadable?: return try await listedThroughAPI().signing.map { [signingKey($0)] } ?? []
            default: return []
            }
        case .event:
            switch state[configuration.eventKeyVariable] {
            case .present(let value)?: return Self.split(value).map(eventKey)
            case .unreadable?: return try await listedThroughAPI().events.map(eventKey)
            default: return []
            }
        case .api:
            return []
        }
    }

    private func signingKey(_ value: Secret) -> PlatformKey {
        let bare = InngestSigningKey.stripPrefix(value.exposeValue())
        let secret = Secret("signkey-\(configuration.signingKeyWord)-\(bare)")
        let fingerprint = InngestSigningKey.fingerprint(secret)
        return PlatformKey(
            kind: .signing, id: fingerprint.map { ServerKeyID.of(.signing, fingerprint: $0) } ?? "signing-?",
            name: "server signing key", isActive: true, secret: secret)
    }

    private func eventKey(_ value: Secret) -> PlatformKey {
        PlatformKey(
            kind: .event, id: ServerKeyID.of(.event, fingerprint: value.utf8Fingerprint), secret: value,
            filter: .unrestricted)
    }

    /// The event keys of a configuration value: comma-separated, blanks ignored.
    static func split(_ value: Secret) -> [Secret] {
        value.exposeValue().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map(Secret.init)
    }

    /// The keys the API lists, asked with the playbook's credential, else a key this process wrote.
    private func listedThroughAPI() async throws -> (signing: Secret?, events: [Secret]) {
        let candidates = [configuration.credential].compactMap { $0 } + (await written.all)
        guard !candidates.isEmpty else {
            throw PlatformError.unauthorized(
                "the server's configuration (\(configuration.target.summary)) can't be read back, so rekey asks the "
                    + "server's API, which needs its signing key: set platform.settings.signingKeyEnv and export "
                    + "the server's current signing key in that variable")
        }
        for candidate in candidates {
            guard let listed = try await fetch(authenticatingWith: candidate) else { continue }
            return listed
        }
        throw PlatformError.unauthorized(
            "the server refuses the signing key in \(configuration.credentialSource ?? "signingKeyEnv"); it may have "
                + "been rotated: export the server's current signing key there, then resume")
    }

    public func createKey(_ request: NewKeyRequest) async throws -> PlatformKey {
        throw PlatformError.unsupported("a self-hosted server has no key store: rekey generates keys itself")
    }

    public func promoteSigningKey(id: String) async throws {
        throw PlatformError.unsupported("a self-hosted server takes its signing key from its configuration")
    }

    public func deleteKey(_ kind: KeyKind, id: String) async throws {
        throw PlatformError.unsupported("a self-hosted server takes its keys from its configuration")
    }

    public func listApps() async throws -> [PlatformApp] {
        throw PlatformError.unsupported("rekey does not list a self-hosted server's apps")
    }

    public func resyncApp(id: String, url: String?) async throws -> SyncResult {
        throw PlatformError.unsupported("a self-hosted server answers app syncs with 501")
    }

    public func describe(_ call: PlatformCall) -> String {
        let api = HTTPRequest.display(configuration.apiURL).trimmingSuffix("/")
        switch call {
        case .listKeys(let kind):
            let path = kind == .signing ? "signing" : "events"
            return "read \(configuration.target.summary) (or GET \(api)/v2/keys/\(path))"
        case .configureServer(let change):
            return
                "write \(configuration.target.summary): \(change), then run \(ExecTarget.display(configuration.restart)) "
                + "(restart, up to \(DurationParser.format(seconds: configuration.restartTimeout)))"
        default:
            return "\(kind): \(call)"
        }
    }

    // MARK: - ConfiguredKeyServer

    public func configure(signingKey: Secret?, eventKeys: [Secret]?) async throws {
        var changes: [VariableChange] = []
        var values: [Secret] = []
        if let signingKey {
            let bare = InngestSigningKey.stripPrefix(signingKey.exposeValue())
            guard InngestSigningKey.isValidBareHex(bare) else {
                throw PlatformError.rejected("refusing to configure a signing key that is not 64 lowercase hex")
            }
            changes.append(.set(name: configuration.signingKeyVariable, value: Secret(bare)))
            values += [signingKey, Secret(bare)]
        }
        if let eventKeys {
            guard !eventKeys.isEmpty else {
                throw PlatformError.rejected("a self-hosted server needs at least one event key")
            }
            for key in eventKeys
            where key.isEmpty || KeyFormat.hasWhitespaceOrControl(key) || key.exposeValue().contains(",") {
                throw PlatformError.rejected(
                    "refusing to configure an event key that is empty or holds a comma, whitespace or a control character"
                )
            }
            let joined = Secret(eventKeys.map { $0.exposeValue() }.joined(separator: ","))
            changes.append(.set(name: configuration.eventKeyVariable, value: joined))
            values += eventKeys + [joined]
        }
        guard !changes.isEmpty else { return }
        do {
            try await configuration.target.apply(changes)
        } catch {
            throw PlatformError.rejected(
                "can't write the server's configuration (\(configuration.target.summary)): \(error)")
        }
        if let signingKey { await written.add(signingKey) }
        try await restart(scrubbing: values)
        try await waitUntilAnswering()
    }

    public func running(authenticatingWith credential: Secret) async throws -> RunningServerKeys? {
        guard let listed = try await fetch(authenticatingWith: credential) else { return nil }
        return RunningServerKeys(
            signingKey: listed.signing.flatMap(InngestSigningKey.fingerprint),
            eventKeys: listed.events.map(\.utf8Fingerprint))
    }

    // MARK: - Restart

    private func restart(scrubbing values: [Secret]) async throws {
        let command = ExecTarget.display(configuration.restart)
        let output: ChildProcess.Output
        do {
            output = try await ChildProcess.run(
                configuration.restart, environment: configuration.environment, directory: configuration.directory,
                input: [], timeout: configuration.restartTimeout)
        } catch {
            throw PlatformError.rejected(
                "can't start the restart command '\(command)': \(error.description); correct platform.settings.restart")
        }
        switch output.termination {
        case .exited(0):
            return
        case .timedOut:
            // Not retried: a restart that timed out may have half-happened, and running it again blindly
            // (six times) restarts the server over and over. One attempt, then a person looks.
            throw PlatformError.rejected(
                "the restart command '\(command)' did not finish within "
                    + "\(DurationParser.format(seconds: configuration.restartTimeout)) and was stopped; check the "
                    + "server (it may be restarting still), raise platform.settings.restartTimeout if it needs longer, "
                    + "then resume")
        default:
            let detail = ExecTarget.detail(of: output, scrubber: SecretScrubber(values))
            throw PlatformError.rejected(
                "the restart command '\(command)' \(output.termination)" + (detail.isEmpty ? "" : ": \(detail)")
                    + "; fix the cause, then resume")
        }
    }

    /// Polls the API until it answers anything (even 401), up to the restart timeout.
    private func waitUntilAnswering() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(DurationParser.milliseconds(configuration.restartTimeout))
        var delay = Duration.milliseconds(100)
        var lastError = "no answer"
        while true {
            do {
                _ = try await http.send(request("/v2/keys/signing", credential: nil))
                return
            } catch let error as PlatformError {
                lastError = error.description
            }
            guard clock.now < deadline else {
                // Not retried either: a retry would write the configuration and restart the server again.
                throw PlatformError.unavailable(
                    "the server did not answer within \(DurationParser.format(seconds: configuration.restartTimeout)) "
                        + "of its restart (\(lastError)); check that it started, then resume")
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    // MARK: - v2 API

    func request(_ path: String, credential: Secret?) -> HTTPRequest {
        var components = URLComponents(url: configuration.apiURL, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.percentEncodedPath = components.percentEncodedPath.trimmingSuffix("/") + path
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let credential, let hashed = InngestSigningKey.hashed(credential) {
            headers["Authorization"] = "Bearer " + hashed
        }
        return HTTPRequest(
            method: "GET", url: components.url ?? configuration.apiURL, headers: headers,
            timeout: configuration.requestTimeout)
    }

    /// `GET /v2/keys/signing` and `/v2/keys/events` with `credential`; `nil` when it is refused.
    private func fetch(authenticatingWith credential: Secret) async throws -> (signing: Secret?, events: [Secret])? {
        let signing = request("/v2/keys/signing", credential: credential)
        let response = try await http.send(signing)
        if response.status == 401 || response.status == 403 { return nil }
        if let error = HTTPClient.error(for: response, request: signing) { throw error }
        let signingKey = try Self.keys(in: response, request: signing).first
        let events = request("/v2/keys/events", credential: credential)
        let eventKeys = try Self.keys(in: try await http.checked(events), request: events)
        return (signingKey, eventKeys)
    }

    /// The `key` members of a `{"data": [{"key": …}]}` answer.
    static func keys(in response: HTTPResponse, request: HTTPRequest) throws -> [Secret] {
        guard let data = response.json?["data"]?.arrayValue else {
            throw PlatformError.invalidResponse("\(request): the answer has no 'data' list")
        }
        return data.compactMap { $0["key"]?.stringValue }.filter { !$0.isEmpty }.map(Secret.init)
    }
}

/// Signing keys written to the server by this process.
actor WrittenKeys {
    private var keys: [Secret] = []

    func add(_ key: Secret) {
        keys.removeAll { $0 == key }
        keys.insert(key, at: 0)
    }

    var all: [Secret] { keys }
}
