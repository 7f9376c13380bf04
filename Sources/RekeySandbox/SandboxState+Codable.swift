import Foundation
import RekeyCore

// The file format: one DTO per version, mapped to the domain type. Only the DTOs see key material as
// plain strings, because the state file is where the sandbox's secrets deliberately live.

extension SandboxState {
    /// Decodes and validates a state file's bytes, failing closed on an unknown version, malformed JSON
    /// or a broken invariant (two active signing keys, duplicate ids, unknown capability names, …).
    ///
    /// - Parameters:
    ///   - bytes: The file's content.
    ///   - path: The file's path, for error messages.
    /// - Throws: ``SandboxError/unsupportedVersion(path:version:)`` or ``SandboxError/stateCorrupt(path:detail:)``.
    public static func decode(_ bytes: [UInt8], path: String) throws(SandboxError) -> SandboxState {
        let data = Data(bytes)
        let decoder = JSONDecoder()
        let probe: VersionProbe
        do {
            probe = try decoder.decode(VersionProbe.self, from: data)
        } catch {
            throw .stateCorrupt(path: path, detail: "not a JSON object (\(describe(error)))")
        }
        guard let version = probe.version else {
            throw .stateCorrupt(path: path, detail: "version: missing")
        }
        guard version == formatVersion else { throw .unsupportedVersion(path: path, version: version) }
        let dto: FileV1
        do {
            dto = try decoder.decode(FileV1.self, from: data)
        } catch {
            throw .stateCorrupt(path: path, detail: describe(error))
        }
        let state = dto.state
        if let problem = state.invariantViolation() { throw .stateCorrupt(path: path, detail: problem) }
        return state
    }

    /// The state as the bytes of a version-1 file: pretty-printed, sorted keys, trailing newline.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and dates can't fail.
        let data = try! encoder.encode(FileV1(self))
        return Array(data) + [UInt8(ascii: "\n")]
    }

    public init(from decoder: any Decoder) throws {
        let version = try VersionProbe(from: decoder).version
        guard version == Self.formatVersion else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [FileV1.CodingKeys.version],
                    debugDescription: "unsupported sandbox state version \(version.map(String.init) ?? "null")"
                )
            )
        }
        self = try FileV1(from: decoder).state
    }

    public func encode(to encoder: any Encoder) throws {
        try FileV1(self).encode(to: encoder)
    }

    /// The first broken invariant, as `field: problem`, or `nil` when the state is consistent.
    func invariantViolation() -> String? {
        if environmentWord.isEmpty || !environmentWord.utf8.allSatisfy({ (97...122).contains($0) }) {
            return "environmentWord: must be lowercase letters (prod, test, branch)"
        }
        let active = signingKeys.filter(\.active).count
        // A sandbox of another platform (EventNerds, self-hosted) may have no Inngest Cloud environment.
        if active != 1, !signingKeys.isEmpty || apiKeys.isEmpty && eventNerdsToken == nil && server == nil {
            return "signingKeys: \(active) keys are active; exactly one must be"
        }
        if signingKeys.count > 2 { return "signingKeys: \(signingKeys.count) keys; an environment holds at most 2" }
        for (index, key) in signingKeys.enumerated() where !InngestSigningKey.isValid(key.key.exposeValue()) {
            return "signingKeys[\(index)].key: not of the form signkey-<word>-<64 lowercase hex>"
        }
        for (index, key) in eventKeys.enumerated() where key.key.isEmpty {
            return "eventKeys[\(index)].key: empty"
        }
        if let duplicate = firstDuplicate(signingKeys.map(\.id) + eventKeys.map(\.id)) {
            return "key id '\(duplicate)' appears twice"
        }
        if let duplicate = firstDuplicate(apps.map(\.id)) { return "apps: id '\(duplicate)' appears twice" }
        if let duplicate = firstDuplicate(apiKeys.map(\.id)) { return "apiKeys: id '\(duplicate)' appears twice" }
        for (index, key) in apiKeys.enumerated() where key.key.isEmpty { return "apiKeys[\(index)].key: empty" }
        if eventNerdsToken?.isEmpty == true { return "eventNerdsToken: empty" }
        if let server, server.configFile.isEmpty { return "server.configFile: empty" }
        if let duplicate = firstDuplicate(apps.map(\.name)) { return "apps: name '\(duplicate)' appears twice" }
        for (index, app) in apps.enumerated() where app.envFile.isEmpty {
            return "apps[\(index)].envFile: empty"
        }
        for (index, app) in apps.enumerated() {
            if let url = app.url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                return "apps[\(index)].url: not an http(s) URL"
            }
        }
        if apiKey?.isEmpty == true { return "apiKey: empty; remove it to have 'rekey sandbox serve' make one" }
        if sessionToken?.isEmpty == true {
            return "sessionToken: empty; remove it to have 'rekey sandbox serve' make one"
        }
        for (index, name) in options.disabledCapabilities.enumerated()
        where SandboxCapabilityName.capability(named: name) == nil {
            let known = SandboxCapabilityName.all.map(\.name).joined(separator: ", ")
            return "options.disabledCapabilities[\(index)]: unknown capability '\(name)' (known: \(known))"
        }
        return nil
    }

    private func firstDuplicate(_ values: [String]) -> String? {
        var seen = Set<String>()
        for value in values where !seen.insert(value).inserted { return value }
        return nil
    }

    /// Describes a decoding failure by its JSON path, without echoing values (they may be keys).
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "unreadable" }
        func path(_ keys: [any CodingKey]) -> String {
            var result = ""
            for key in keys {
                if let index = key.intValue {
                    result += "[\(index)]"
                } else {
                    result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return result.isEmpty ? "top level" : result
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)), found null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                // A JSON syntax error: the parser's message gives line and column, at most one character.
                let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey]
                return "invalid JSON" + ((underlying as? String).map { ": \($0)" } ?? "")
            }
            return "\(path(context.codingPath)): invalid value"
        @unknown default:
            return "unreadable"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type: "an integer"
        case is ISO8601Date.Type: "an ISO 8601 date"
        default: "\(type)".contains("Array") ? "an array" : "an object"
        }
    }
}

// MARK: - Version 1 DTOs

/// Reads only `version`, so that an unknown version is reported as such rather than as a shape error.
private struct VersionProbe: Decodable {
    var version: Int?
}

private struct FileV1: Codable {
    enum CodingKeys: String, CodingKey {
        case version, environment, environmentWord, signingKeys, eventKeys, apps, options, apiKey, sessionToken
        case apiKeys, eventNerdsToken, server
    }

    var version: Int
    var environment: String
    var environmentWord: String
    var signingKeys: [SigningKeyV1]
    var eventKeys: [EventKeyV1]
    var apps: [AppV1]
    var options: SandboxState.Options
    /// Optional: absent in files written before `rekey sandbox serve` existed (and omitted when `nil`).
    var apiKey: String?
    var sessionToken: String?
    /// Optional: only sandboxes emulating an EventNerds account or a self-hosted server have them.
    var apiKeys: [APIKeyV1]?
    var eventNerdsToken: String?
    var server: ServerV1?

    init(_ state: SandboxState) {
        version = SandboxState.formatVersion
        environment = state.environment
        environmentWord = state.environmentWord
        signingKeys = state.signingKeys.map {
            SigningKeyV1(id: $0.id, key: $0.key.exposeValue(), active: $0.active, createdAt: ISO8601Date($0.createdAt))
        }
        eventKeys = state.eventKeys.map {
            EventKeyV1(
                id: $0.id,
                name: $0.name,
                key: $0.key.exposeValue(),
                filter: $0.filter,
                createdAt: ISO8601Date($0.createdAt)
            )
        }
        apps = state.apps.map {
            AppV1(
                id: $0.id,
                name: $0.name,
                envFile: $0.envFile,
                running: RunningV1(
                    signingKey: $0.running.signingKey?.exposeValue(),
                    signingKeyFallback: $0.running.signingKeyFallback?.exposeValue(),
                    eventKey: $0.running.eventKey?.exposeValue(),
                    apiKey: $0.running.apiKey?.exposeValue(),
                    dev: $0.running.dev ? true : nil
                ),
                deployedAt: $0.deployedAt.map(ISO8601Date.init),
                syncs: $0.syncs.map(SyncV1.init),
                url: $0.url,
                apiKeyVariable: $0.apiKeyVariable,
                down: $0.down ? true : nil
            )
        }
        options = state.options
        apiKey = state.apiKey?.exposeValue()
        sessionToken = state.sessionToken?.exposeValue()
        apiKeys =
            state.apiKeys.isEmpty
            ? nil
            : state.apiKeys.map {
                APIKeyV1(
                    id: $0.id, name: $0.name, prefix: $0.prefix, key: $0.key.exposeValue(), eventID: $0.eventID,
                    createdAt: ISO8601Date($0.createdAt), lastUsedAt: $0.lastUsedAt.map(ISO8601Date.init))
            }
        eventNerdsToken = state.eventNerdsToken?.exposeValue()
        server = state.server.map {
            ServerV1(
                name: $0.name, configFile: $0.configFile, signingKey: $0.signingKey?.exposeValue(),
                eventKeys: $0.eventKeys.map { $0.exposeValue() }, startedAt: $0.startedAt.map(ISO8601Date.init))
        }
    }

    var state: SandboxState {
        var result = SandboxState(
            environment: environment,
            environmentWord: environmentWord,
            signingKeys: signingKeys.map {
                .init(id: $0.id, key: Secret($0.key), active: $0.active, createdAt: $0.createdAt.date)
            },
            eventKeys: eventKeys.map {
                .init(id: $0.id, name: $0.name, key: Secret($0.key), filter: $0.filter, createdAt: $0.createdAt.date)
            },
            apps: apps.map {
                .init(
                    id: $0.id,
                    name: $0.name,
                    envFile: $0.envFile,
                    running: .init(
                        signingKey: $0.running.signingKey.map(Secret.init),
                        signingKeyFallback: $0.running.signingKeyFallback.map(Secret.init),
                        eventKey: $0.running.eventKey.map(Secret.init),
                        apiKey: $0.running.apiKey.map(Secret.init),
                        dev: $0.running.dev ?? false
                    ),
                    deployedAt: $0.deployedAt?.date,
                    syncs: $0.syncs.map(\.sync),
                    url: $0.url,
                    apiKeyVariable: $0.apiKeyVariable,
                    down: $0.down ?? false
                )
            },
            options: options,
            apiKey: apiKey.map(Secret.init),
            sessionToken: sessionToken.map(Secret.init)
        )
        result.apiKeys = (apiKeys ?? []).map {
            .init(
                id: $0.id, name: $0.name, prefix: $0.prefix, key: Secret($0.key), eventID: $0.eventID,
                createdAt: $0.createdAt.date, lastUsedAt: $0.lastUsedAt?.date)
        }
        result.eventNerdsToken = eventNerdsToken.map(Secret.init)
        result.server = server.map {
            .init(
                name: $0.name, configFile: $0.configFile, signingKey: $0.signingKey.map(Secret.init),
                eventKeys: $0.eventKeys.map(Secret.init), startedAt: $0.startedAt?.date)
        }
        return result
    }
}

private struct SigningKeyV1: Codable {
    var id: String
    var key: String
    var active: Bool
    var createdAt: ISO8601Date
}

private struct EventKeyV1: Codable {
    var id: String
    var name: String
    var key: String
    var filter: KeyFilter
    var createdAt: ISO8601Date
}

private struct AppV1: Codable {
    var id: String
    var name: String
    var envFile: String
    var running: RunningV1
    var deployedAt: ISO8601Date?
    var syncs: [SyncV1]
    /// Optional: absent for emulated apps (and in files written before it existed).
    var url: String?
    /// Optional: only apps of an emulated EventNerds account have one.
    var apiKeyVariable: String?
    /// Optional: written only for an app that is down.
    var down: Bool?
}

private struct SyncV1: Codable {
    var id: String
    var at: ISO8601Date
    var status: SandboxState.Sync.Status
    var signingKeyFingerprint: Fingerprint?
    var message: String?

    init(_ sync: SandboxState.Sync) {
        id = sync.id
        at = ISO8601Date(sync.at)
        status = sync.status
        signingKeyFingerprint = sync.signingKeyFingerprint
        message = sync.message
    }

    var sync: SandboxState.Sync {
        SandboxState.Sync(
            id: id,
            at: at.date,
            status: status,
            signingKeyFingerprint: signingKeyFingerprint,
            message: message
        )
    }
}

/// A date written as ISO 8601 UTC with milliseconds (`2025-01-02T03:04:05.678Z`), whatever the coder's
/// date strategy; reading also accepts whole seconds, for hand-written files.
///
/// Dates are rounded to the millisecond both ways and the fraction is formatted by hand, so that
/// decoding and re-encoding gives the same text (a formatter truncating `.094` parsed as `0.09399…`
/// would move every date back a millisecond on each save).
struct ISO8601Date: Codable, Equatable {
    var date: Date

    init(_ date: Date) {
        self.date = date
    }

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = (try? Self.withFraction.parse(text)) ?? (try? Self.withoutFraction.parse(text)) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date")
            )
        }
        self.date = Date(timeIntervalSince1970: Double(Self.milliseconds(parsed)) / 1000)
    }

    func encode(to encoder: any Encoder) throws {
        let milliseconds = Self.milliseconds(date)
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, millis) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let base = Self.withoutFraction.format(Date(timeIntervalSince1970: Double(wholeSeconds)))
        let digits = String(millis)
        var container = encoder.singleValueContainer()
        try container.encode(base.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z")
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// Written with explicit `null`s: an absent variable (`null`) and an empty one (`""`) mean different
/// things to the SDK, and the file should show which.
private struct RunningV1: Codable {
    enum CodingKeys: String, CodingKey {
        case signingKey, signingKeyFallback, eventKey, apiKey, dev
    }

    var signingKey: String?
    var signingKeyFallback: String?
    var eventKey: String?
    /// Optional: only apps of an emulated EventNerds account have one (omitted when `nil`).
    var apiKey: String?
    /// Optional: written only for an app in dev mode (omitted when `nil`).
    var dev: Bool?

    init(signingKey: String?, signingKeyFallback: String?, eventKey: String?, apiKey: String?, dev: Bool?) {
        self.signingKey = signingKey
        self.signingKeyFallback = signingKeyFallback
        self.eventKey = eventKey
        self.apiKey = apiKey
        self.dev = dev
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        signingKey = try container.decodeIfPresent(String.self, forKey: .signingKey)
        signingKeyFallback = try container.decodeIfPresent(String.self, forKey: .signingKeyFallback)
        eventKey = try container.decodeIfPresent(String.self, forKey: .eventKey)
        apiKey = try container.decodeIfPresent(String.self, forKey: .apiKey)
        dev = try container.decodeIfPresent(Bool.self, forKey: .dev)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(signingKey, forKey: .signingKey)
        try container.encode(signingKeyFallback, forKey: .signingKeyFallback)
        try container.encode(eventKey, forKey: .eventKey)
        try container.encodeIfPresent(apiKey, forKey: .apiKey)
        try container.encodeIfPresent(dev, forKey: .dev)
    }
}

private struct APIKeyV1: Codable {
    var id: String
    var name: String
    var prefix: String
    var key: String
    var eventID: String?
    var createdAt: ISO8601Date
    var lastUsedAt: ISO8601Date?
}

private struct ServerV1: Codable {
    var name: String
    var configFile: String
    var signingKey: String?
    var eventKeys: [String]
    var startedAt: ISO8601Date?
}
