import Foundation
import RekeyCore
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a state file's bytes exactly as ``SandboxState/encoded()`` does (`JSONEncoder`, pretty-printed,
/// sorted keys, slashes unescaped), several times faster.
///
/// A served sandbox saves its whole state after every group of mutations; with thousands of keys,
/// `JSONEncoder` made those saves the server's bottleneck, and a benchmark against it measured the
/// sandbox instead of its client. The first save of each process is checked against ``SandboxState/encoded()``;
/// should they ever differ (a field added to the file format but not here), every later save uses
/// ``SandboxState/encoded()``, so the file is never wrong, only slower to write.
enum SandboxStateWriter {
    /// The bytes of `state`'s file.
    static func bytes(_ state: SandboxState) -> [UInt8] {
        switch checked.withLock({ $0 }) {
        case .some(true):
            return fastBytes(state)
        case .some(false):
            return state.encoded()
        case nil:
            let reference = state.encoded()
            let same = fastBytes(state) == reference
            checked.withLock { $0 = same }
            return reference
        }
    }

    private static let checked = Mutex<Bool?>(nil)

    /// The bytes of `state`'s file, written here.
    static func fastBytes(_ state: SandboxState) -> [UInt8] {
        var writer = PrettyWriter()
        writer.write(tree(state), depth: 0)
        writer.output.append(UInt8(ascii: "\n"))
        return writer.output
    }

    // MARK: - The file's tree (as FileV1 and its DTOs encode it)

    private static func tree(_ state: SandboxState) -> Node {
        var members: [(String, Node)] = [
            ("version", .int(SandboxState.formatVersion)),
            ("environment", .string(state.environment)),
            ("environmentWord", .string(state.environmentWord)),
            (
                "signingKeys",
                .array(
                    state.signingKeys.map { key in
                        .object([
                            ("id", .string(key.id)), ("key", .string(key.key.exposeValue())),
                            ("active", .bool(key.active)),
                            ("createdAt", .string(dateText(key.createdAt))),
                        ])
                    })
            ),
            (
                "eventKeys",
                .array(
                    state.eventKeys.map { key in
                        .object([
                            ("id", .string(key.id)), ("name", .string(key.name)),
                            ("key", .string(key.key.exposeValue())),
                            ("filter", filter(key.filter)), ("createdAt", .string(dateText(key.createdAt))),
                        ])
                    })
            ),
            ("apps", .array(state.apps.map(app))),
            (
                "options",
                .object(
                    [
                        ("autoRedeploy", .bool(state.options.autoRedeploy)),
                        ("disabledCapabilities", .array(state.options.disabledCapabilities.map(Node.string))),
                    ] + (state.options.syncPendingMilliseconds.map { [("syncPendingMilliseconds", .int($0))] } ?? [])
                )
            ),
        ]
        if let apiKey = state.apiKey { members.append(("apiKey", .string(apiKey.exposeValue()))) }
        if let token = state.sessionToken { members.append(("sessionToken", .string(token.exposeValue()))) }
        if !state.apiKeys.isEmpty {
            members.append(
                (
                    "apiKeys",
                    .array(
                        state.apiKeys.map { key in
                            var fields: [(String, Node)] = [
                                ("id", .string(key.id)), ("name", .string(key.name)), ("prefix", .string(key.prefix)),
                                ("key", .string(key.key.exposeValue())),
                                ("createdAt", .string(dateText(key.createdAt))),
                            ]
                            if let eventID = key.eventID { fields.append(("eventID", .string(eventID))) }
                            if let used = key.lastUsedAt { fields.append(("lastUsedAt", .string(dateText(used)))) }
                            return .object(fields)
                        })
                ))
        }
        if let token = state.eventNerdsToken { members.append(("eventNerdsToken", .string(token.exposeValue()))) }
        if let server = state.server {
            var fields: [(String, Node)] = [
                ("name", .string(server.name)), ("configFile", .string(server.configFile)),
                ("eventKeys", .array(server.eventKeys.map { .string($0.exposeValue()) })),
            ]
            if let key = server.signingKey { fields.append(("signingKey", .string(key.exposeValue()))) }
            if let started = server.startedAt { fields.append(("startedAt", .string(dateText(started)))) }
            members.append(("server", .object(fields)))
        }
        return .object(members)
    }

    private static func app(_ app: SandboxState.App) -> Node {
        var running: [(String, Node)] = [
            ("signingKey", app.running.signingKey.map { .string($0.exposeValue()) } ?? .null),
            ("signingKeyFallback", app.running.signingKeyFallback.map { .string($0.exposeValue()) } ?? .null),
            ("eventKey", app.running.eventKey.map { .string($0.exposeValue()) } ?? .null),
        ]
        if let key = app.running.apiKey { running.append(("apiKey", .string(key.exposeValue()))) }
        if app.running.dev { running.append(("dev", .bool(true))) }
        var fields: [(String, Node)] = [
            ("id", .string(app.id)), ("name", .string(app.name)), ("envFile", .string(app.envFile)),
            ("running", .object(running)),
            (
                "syncs",
                .array(
                    app.syncs.map { sync in
                        var fields: [(String, Node)] = [
                            ("id", .string(sync.id)), ("at", .string(dateText(sync.at))),
                            ("status", .string(sync.status.rawValue)),
                        ]
                        if let fingerprint = sync.signingKeyFingerprint {
                            fields.append(("signingKeyFingerprint", .string(fingerprint.hex)))
                        }
                        if let message = sync.message { fields.append(("message", .string(message))) }
                        return .object(fields)
                    })
            ),
        ]
        if let deployed = app.deployedAt { fields.append(("deployedAt", .string(dateText(deployed)))) }
        if let url = app.url { fields.append(("url", .string(url))) }
        if let variable = app.apiKeyVariable { fields.append(("apiKeyVariable", .string(variable))) }
        if app.down { fields.append(("down", .bool(true))) }
        return .object(fields)
    }

    private static func filter(_ filter: KeyFilter) -> Node {
        .object([
            ("mode", .string(filter.mode.rawValue)), ("events", .array(filter.events.map(Node.string))),
            ("ips", .array(filter.ips.map(Node.string))),
        ])
    }

    /// What ``ISO8601Date`` writes: UTC, milliseconds, `2025-01-02T03:04:05.678Z`.
    static func dateText(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, millis) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        var time = time_t(wholeSeconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil, (1000...9999).contains(Int(parts.tm_year) + 1900) else {
            // Outside four-digit years the format style decides, as in ISO8601Date (`["…"]`, unquoted).
            let bytes = (try? JSONEncoder().encode([ISO8601Date(date)])).map { Array($0) } ?? []
            return String(decoding: bytes.dropFirst(2).dropLast(2), as: UTF8.self)
        }
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(Int(millis), 3))Z"
    }

    // MARK: - Writing

    indirect enum Node {
        case object([(String, Node)])
        case array([Node])
        case string(String)
        case int(Int)
        case bool(Bool)
        case null
    }

    /// JSONEncoder's pretty format: two-space indents, `"key" : value`, keys in UTF-8 byte order, an empty
    /// container as an opening line, an empty line and its closing bracket.
    struct PrettyWriter {
        var output: [UInt8] = []

        init() {
            output.reserveCapacity(64 * 1024)
        }

        mutating func write(_ node: Node, depth: Int) {
            switch node {
            case .object(let members):
                output.append(UInt8(ascii: "{"))
                let sorted = members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
                for (index, member) in sorted.enumerated() {
                    output.append(contentsOf: index == 0 ? [10] : [44, 10])
                    indent(depth + 1)
                    writeString(member.0)
                    output.append(contentsOf: [32, 58, 32])
                    write(member.1, depth: depth + 1)
                }
                output.append(10)
                if members.isEmpty { output.append(10) }
                indent(depth)
                output.append(UInt8(ascii: "}"))
            case .array(let elements):
                output.append(UInt8(ascii: "["))
                for (index, element) in elements.enumerated() {
                    output.append(contentsOf: index == 0 ? [10] : [44, 10])
                    indent(depth + 1)
                    write(element, depth: depth + 1)
                }
                output.append(10)
                if elements.isEmpty { output.append(10) }
                indent(depth)
                output.append(UInt8(ascii: "]"))
            case .string(let text): writeString(text)
            case .int(let value): output.append(contentsOf: String(value).utf8)
            case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
            case .null: output.append(contentsOf: "null".utf8)
            }
        }

        private mutating func indent(_ depth: Int) {
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }

        private static let hex = Array("0123456789abcdef".utf8)

        private mutating func writeString(_ text: String) {
            output.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: [92, 34])
                case UInt8(ascii: "\\"): output.append(contentsOf: [92, 92])
                case 0x08: output.append(contentsOf: [92, UInt8(ascii: "b")])
                case 0x0C: output.append(contentsOf: [92, UInt8(ascii: "f")])
                case 0x0A: output.append(contentsOf: [92, UInt8(ascii: "n")])
                case 0x0D: output.append(contentsOf: [92, UInt8(ascii: "r")])
                case 0x09: output.append(contentsOf: [92, UInt8(ascii: "t")])
                case 0x00..<0x20:
                    output.append(contentsOf: [
                        92, UInt8(ascii: "u"), 48, 48, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 15)],
                    ])
                default: output.append(byte)
                }
            }
            output.append(UInt8(ascii: "\""))
        }
    }
}
