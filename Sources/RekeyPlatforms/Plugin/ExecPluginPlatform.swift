import Foundation
import RekeyCore

/// Any platform, through an exec plugin: a program that answers one JSON request on its standard input
/// with one JSON answer on its standard output (plugin protocol version 1, specified in the README).
///
/// rekey runs the plugin once per operation, without a shell, in the playbook's directory, with rekey's
/// environment minus the seal key and the Inngest key variables, under a timeout (then the plugin's
/// process group is stopped). The plugin's standard error is passed through, line by line, with every
/// secret of the exchange removed. Errors map to ``PlatformError``: `rate-limited` and `unavailable`, a
/// timeout and exit status 75 are retryable; everything else stops the step.
///
/// Keys are of kind ``KeyKind/api``: a list of keys with names and scopes, as an API-key platform has.
public struct ExecPluginPlatform: Platform, PlatformCallDescribing {
    /// How to run the plugin.
    public struct Configuration: Sendable {
        /// The plugin's argv.
        public var command: [String]
        /// Its working directory (the playbook's).
        public var directory: String
        /// Its environment (already without secrets rekey holds).
        public var environment: [String: String]
        /// The longest one request may take (seconds).
        public var timeout: Double
        /// The playbook's `config`, sent with every request.
        public var config: JSONValue
        /// The playbook's environment name, sent with every request.
        public var environmentName: String
        /// Receives the plugin's standard error, one scrubbed line at a time.
        public var log: @Sendable (String) -> Void

        public init(
            command: [String],
            directory: String,
            environment: [String: String],
            timeout: Double = 30,
            config: JSONValue = .object(JSONObject()),
            environmentName: String,
            log: @escaping @Sendable (String) -> Void = { _ in }
        ) {
            self.command = command
            self.directory = directory
            self.environment = environment
            self.timeout = timeout
            self.config = config
            self.environmentName = environmentName
            self.log = log
        }

        /// The plugin's program name, for messages until it has described itself.
        var programName: String { FileIO.baseName(of: command.first ?? "plugin") }
    }

    /// How to run the plugin.
    public let configuration: Configuration
    /// What it said in answer to `describe`.
    public let plugin: PluginDescription

    /// Creates the platform from a plugin that already described itself.
    public init(configuration: Configuration, description: PluginDescription) {
        self.configuration = configuration
        self.plugin = description
    }

    /// Asks the plugin to describe itself.
    ///
    /// - Throws: ``PluginError`` or ``PlatformError``.
    public static func fetchDescription(_ configuration: Configuration) async throws -> PluginDescription {
        let exchange = Exchange(configuration: configuration, plugin: configuration.programName, operation: "describe")
        let output: ChildProcess.Output
        do {
            output = try await ChildProcess.run(
                configuration.command, environment: configuration.environment, directory: configuration.directory,
                input: exchange.requestBytes([]), timeout: configuration.timeout)
        } catch {
            throw PluginError.launchFailed(plugin: configuration.programName, reason: error.description)
        }
        return try PluginDescription.parse(try exchange.answer(output), plugin: configuration.programName)
    }

    /// Asks the plugin to describe itself, blocking the calling thread (for synchronous set-up).
    ///
    /// - Throws: ``PluginError`` or ``PlatformError``.
    public static func fetchDescriptionBlocking(_ configuration: Configuration) throws -> PluginDescription {
        let exchange = Exchange(configuration: configuration, plugin: configuration.programName, operation: "describe")
        let output: ChildProcess.Output
        do {
            output = try ChildProcess.runBlocking(
                configuration.command, environment: configuration.environment, directory: configuration.directory,
                input: exchange.requestBytes([]), timeout: configuration.timeout, outputLimit: 1 << 20)
        } catch {
            throw PluginError.launchFailed(plugin: configuration.programName, reason: error.description)
        }
        return try PluginDescription.parse(try exchange.answer(output), plugin: configuration.programName)
    }

    public var kind: String { "plugin '\(plugin.name)'" }
    public var capabilities: PlatformCapabilities { plugin.platformCapabilities }
    public func secretsAreReadable(_ kind: KeyKind) -> Bool { kind == .api && !plugin.secretsShownOnce }

    // MARK: - Keys

    public func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
        guard kind == .api else { return [] }
        let answer = try await run("list-keys", [])
        guard let list = answer["keys"]?.arrayValue else {
            throw PluginError.invalidAnswer(plugin: plugin.name, operation: "list-keys", reason: "'keys' is not a list")
        }
        return try list.enumerated().map { index, element in
            try key(element, at: "keys[\(index)]", operation: "list-keys", keepSecret: !plugin.secretsShownOnce)
        }
    }

    public func createKey(_ request: NewKeyRequest) async throws -> PlatformKey {
        guard request.kind == .api else { throw PlatformError.unsupported("\(kind) manages API keys only") }
        let answer = try await run(
            "create-key",
            [("name", .string(request.name ?? "")), ("scope", request.scope.map(JSONValue.string) ?? .null)]
        )
        guard let element = answer["key"] else {
            throw PluginError.invalidAnswer(plugin: plugin.name, operation: "create-key", reason: "'key' is missing")
        }
        let created = try key(element, at: "key", operation: "create-key", keepSecret: true)
        guard created.secret != nil else {
            throw PluginError.invalidAnswer(
                plugin: plugin.name, operation: "create-key", reason: "'key.secret' is missing")
        }
        return created
    }

    public func promoteKey(_ kind: KeyKind, id: String) async throws {
        guard kind == .api else { throw PlatformError.unsupported("\(self.kind) manages API keys only") }
        _ = try await run("promote-key", [("id", .string(id))])
    }

    public func promoteSigningKey(id: String) async throws {
        throw PlatformError.unsupported("\(kind) manages API keys only")
    }

    public func deleteKey(_ kind: KeyKind, id: String) async throws {
        guard kind == .api else { throw PlatformError.unsupported("\(self.kind) manages API keys only") }
        _ = try await run("delete-key", [("id", .string(id))])
    }

    public func listApps() async throws -> [PlatformApp] {
        throw PlatformError.unsupported("\(kind) does not list apps")
    }

    public func resyncApp(id: String, url: String?) async throws -> SyncResult {
        throw PlatformError.unsupported("\(kind) does not resync apps")
    }

    public func describe(_ call: PlatformCall) -> String {
        let program = ExecTarget.display(configuration.command)
        switch call {
        case .listKeys: return "\(program) ← list-keys"
        case .createKey(_, let name, _): return "\(program) ← create-key '\(name ?? "?")'"
        case .deleteKey(_, let id): return "\(program) ← delete-key \(id)"
        default: return "\(program) ← \(call)"
        }
    }

    // MARK: - Exchange

    private func run(_ operation: String, _ fields: [(String, JSONValue)]) async throws -> JSONObject {
        let exchange = Exchange(configuration: configuration, plugin: plugin.name, operation: operation)
        let output: ChildProcess.Output
        do {
            output = try await ChildProcess.run(
                configuration.command, environment: configuration.environment, directory: configuration.directory,
                input: exchange.requestBytes(fields), timeout: configuration.timeout)
        } catch {
            throw PlatformError.rejected(
                PluginError.launchFailed(plugin: plugin.name, reason: error.description).description)
        }
        return try exchange.answer(output)
    }

    private func key(_ value: JSONValue, at path: String, operation: String, keepSecret: Bool) throws -> PlatformKey {
        let invalid = { (reason: String) in
            PluginError.invalidAnswer(plugin: plugin.name, operation: operation, reason: "\(path): \(reason)")
        }
        guard value.objectValue != nil else { throw invalid("not an object") }
        guard let id = value["id"]?.stringValue, !id.isEmpty else { throw invalid("'id' is missing") }
        var secret: Secret?
        if keepSecret, let text = value["secret"]?.stringValue, !text.isEmpty { secret = Secret(text) }
        return PlatformKey(
            kind: .api,
            id: id,
            name: value["name"]?.stringValue,
            isActive: value["primary"]?.boolValue,
            secret: secret,
            scope: value["scope"]?.stringValue,
            prefix: value["prefix"]?.stringValue,
            createdAt: value["createdAt"]?.stringValue.flatMap(EventNerdsPlatform.date),
            lastUsedAt: value["lastUsedAt"]?.stringValue.flatMap(EventNerdsPlatform.date)
        )
    }
}

/// One request and its answer.
struct Exchange {
    let configuration: ExecPluginPlatform.Configuration
    let plugin: String
    let operation: String

    /// The stderr lines passed through per request, at most.
    static let maximumLogLines = 50

    func requestBytes(_ fields: [(String, JSONValue)]) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = [
            (key: "protocol", value: .number(Double(PluginDescription.protocolVersion))),
            (key: "operation", value: .string(operation)),
            (key: "environment", value: .string(configuration.environmentName)),
            (key: "config", value: configuration.config),
        ]
        members += fields.map { (key: $0.0, value: $0.1) }
        return Array(JSONValue.object(JSONObject(members)).serialized().utf8) + [0x0A]
    }

    /// The answer's members when `ok` is true; the mapped error otherwise. Passes the plugin's standard
    /// error to the log, scrubbed of every secret of the answer.
    func answer(_ output: ChildProcess.Output) throws -> JSONObject {
        let parsed = (try? JSONValue.parse(output.stdout))?.objectValue
        let scrubber = SecretScrubber(parsed.map { Self.secrets(in: .object($0)) } ?? [])
        passThrough(output.stderr, scrubber: scrubber, truncated: output.truncated)
        let name = "plugin '\(plugin)' (\(operation))"
        switch output.termination {
        case .timedOut:
            throw PlatformError.transient(
                "\(name) did not answer within \(DurationParser.format(seconds: configuration.timeout)) and was stopped"
            )
        case .signaled(let signal):
            throw PlatformError.transient("\(name) was ended by signal \(signal)")
        case .exited(let status):
            guard let answer = parsed else {
                let detail = Self.lastLines(scrubber.scrub(output.stderr), truncated: output.truncated)
                let message =
                    "\(name) exited with status \(status) without a JSON answer" + (detail.isEmpty ? "" : ": \(detail)")
                if status == 75 { throw PlatformError.transient(message) }
                if status == 0 {
                    throw PluginError.invalidAnswer(
                        plugin: plugin, operation: operation, reason: "standard output is not one JSON object")
                }
                throw PlatformError.rejected(message)
            }
            switch answer["ok"] {
            case .bool(true)?:
                return answer
            case .bool(false)?:
                throw Self.error(answer["error"], name: name, scrubber: scrubber)
            default:
                throw PluginError.invalidAnswer(
                    plugin: plugin, operation: operation, reason: "'ok' is missing or not a boolean")
            }
        }
    }

    /// `{"code", "message", "retryAfter", "retryable"}` as a ``PlatformError``.
    static func error(_ value: JSONValue?, name: String, scrubber: SecretScrubber) -> PlatformError {
        let code = value?["code"]?.stringValue ?? "error"
        let text = scrubber.scrub(String((value?["message"]?.stringValue ?? "no message").prefix(300)))
        let message = "\(name): \(code): \(text)"
        let retryAfter = value?["retryAfter"]?.numberValue
        switch code {
        case "rate-limited": return .rateLimited(message, retryAfter: retryAfter)
        case "unavailable": return .transient(message, retryAfter: retryAfter)
        case "not-found": return .notFound(message)
        case "unauthorized": return .unauthorized(message)
        case "unsupported": return .unsupported(message)
        default:
            return value?["retryable"]?.boolValue == true
                ? .transient(message, retryAfter: retryAfter) : .rejected(message)
        }
    }

    /// The end of a plugin's error output, on one line, at most 300 characters.
    static func lastLines(_ bytes: [UInt8], truncated: Bool) -> String {
        let kept = truncated ? Array(bytes.dropLast(256)) : bytes
        let lines = String(decoding: kept, as: UTF8.self).split(whereSeparator: \.isNewline).map {
            String($0.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
                .trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let joined = lines.suffix(3).joined(separator: " | ")
        return joined.count > 300 ? "…" + String(joined.suffix(299)) : joined
    }

    /// Every `secret` string in an answer (at any depth).
    static func secrets(in value: JSONValue) -> [Secret] {
        switch value {
        case .object(let object):
            return object.members.flatMap { member -> [Secret] in
                if member.key == "secret", let text = member.value.stringValue, !text.isEmpty { return [Secret(text)] }
                return secrets(in: member.value)
            }
        case .array(let elements):
            return elements.flatMap(secrets(in:))
        default:
            return []
        }
    }

    private func passThrough(_ stderr: [UInt8], scrubber: SecretScrubber, truncated: Bool) {
        guard !stderr.isEmpty else { return }
        var bytes = scrubber.scrub(stderr)
        // A secret cut in two where the capture stopped would escape the scrubber: drop the cut end.
        if truncated { bytes = Array(bytes.dropLast(256)) }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
        for line in lines.prefix(Self.maximumLogLines) {
            let clean = String(line.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
            configuration.log("plugin \(plugin): \(clean)")
        }
        if lines.count > Self.maximumLogLines {
            configuration.log("plugin \(plugin): … \(lines.count - Self.maximumLogLines) more lines")
        }
    }
}
