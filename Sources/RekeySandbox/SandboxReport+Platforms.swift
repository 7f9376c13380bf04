import Foundation
import RekeyCore

extension SandboxReport {
    /// The EventNerds account and the self-hosted server, when the sandbox emulates them.
    func platformLines() -> [String] {
        var lines: [String] = []
        if state.eventNerdsToken != nil || !state.apiKeys.isEmpty {
            lines += ["", "EventNerds API keys (\(state.apiKeys.count))"]
            for key in state.apiKeys {
                lines.append(
                    "  \(key.id)  '\(key.name)'  \(key.prefix)…  fingerprint \(key.key.utf8Fingerprint)  "
                        + (key.eventID.map { "event \($0)" } ?? "organisation-wide") + "  last used "
                        + (key.lastUsedAt.map(Self.timestamp) ?? "never"))
            }
        }
        if let server = state.server {
            lines += ["", "Self-hosted server '\(server.name)' (\(server.configFile))"]
            let signing = server.signingKey.flatMap { InngestSigningKey.fingerprint($0) }
            lines.append("  signing key  \(signing.map(\.hex) ?? "none (not running)")")
            lines.append("  event keys   " + server.eventKeys.map(\.utf8Fingerprint.hex).joined(separator: ", "))
            lines.append("  started      " + (server.startedAt.map(Self.timestamp) ?? "never"))
        }
        return lines
    }

    /// The EventNerds account's API keys and the self-hosted server, for ``json``, when the sandbox emulates
    /// them: fingerprints, never the keys.
    func platformMembers() -> [(String, OrderedJSON)] {
        var members: [(String, OrderedJSON)] = []
        if state.eventNerdsToken != nil || !state.apiKeys.isEmpty {
            let keys = state.apiKeys.map { key in
                OrderedJSON.object([
                    ("id", .string(key.id)),
                    ("name", .string(key.name)),
                    ("prefix", .string(key.prefix)),
                    ("fingerprint", .string(key.key.utf8Fingerprint.hex)),
                    ("eventId", .string(key.eventID)),
                    ("lastUsedAt", .string(key.lastUsedAt.map(Self.timestamp))),
                ])
            }
            members.append(("apiKeys", .array(keys)))
        }
        if let server = state.server {
            let signing = server.signingKey.flatMap { InngestSigningKey.fingerprint($0) }
            members.append(
                (
                    "server",
                    .object([
                        ("name", .string(server.name)),
                        ("configFile", .string(server.configFile)),
                        ("signingKeyFingerprint", .string(signing?.hex)),
                        ("eventKeyFingerprints", .strings(server.eventKeys.map(\.utf8Fingerprint.hex))),
                        ("startedAt", .string(server.startedAt.map(Self.timestamp))),
                    ])
                ))
        }
        return members
    }

    /// `the server's signing key` when the self-hosted server runs with the key of `fingerprint`.
    func serverLabel(signing fingerprint: Fingerprint) -> String? {
        guard let key = state.server?.signingKey, InngestSigningKey.fingerprint(key) == fingerprint else { return nil }
        return "the self-hosted server's signing key"
    }

    /// `a key the server accepts` when the self-hosted server lists `value`.
    func serverLabel(event value: Secret) -> String? {
        state.server?.eventKeys.contains(value) == true ? "an event key the self-hosted server accepts" : nil
    }

    func apiKeyLine(_ value: Secret?, _ variable: String) -> String {
        guard let value else { return "\(variable) not set" }
        let key = state.apiKeys.first { $0.key == value }
        return "\(value.utf8Fingerprint)  " + (key.map { "\($0.id) '\($0.name)'" } ?? "not a key of this account")
    }
}
