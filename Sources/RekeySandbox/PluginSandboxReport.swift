import RekeyCore

/// What `rekey sandbox show` prints for a sandbox of the example exec plugin (`--platform plugin`): the
/// plugin's keys from its own state file, identified by fingerprint, never by their secret.
///
/// The plugin owns that file (rekey reaches the platform only through the plugin protocol); this reads it
/// only to show a person what the platform holds.
public struct PluginSandboxReport: Sendable {
    /// One key of the plugin's platform.
    public struct Key: Sendable, Equatable {
        public var id: String
        public var name: String
        public var scope: String?
        public var isPrimary: Bool
        public var fingerprint: Fingerprint?
        public var createdAt: String?
    }

    /// The state file read.
    public var path: String
    /// Its keys, in the file's order.
    public var keys: [Key]

    /// Reads the example plugin's state file at `path`.
    ///
    /// - Throws: ``SandboxError/stateCorrupt(path:detail:)`` when it isn't the plugin's format.
    public static func load(from path: String) throws -> PluginSandboxReport {
        let value: JSONValue
        do {
            value = try JSONValue.parse(try FileIO.read(path))
        } catch {
            throw SandboxError.stateCorrupt(path: path, detail: "not the example plugin's JSON state: \(error)")
        }
        guard let entries = value["keys"]?.arrayValue else {
            throw SandboxError.stateCorrupt(path: path, detail: "no 'keys' array: not the example plugin's state")
        }
        let keys = entries.map { entry in
            Key(
                id: entry["id"]?.stringValue ?? "?",
                name: entry["name"]?.stringValue ?? "?",
                scope: entry["scope"]?.stringValue,
                isPrimary: entry["primary"]?.boolValue == true,
                fingerprint: entry["secret"]?.stringValue.map { Fingerprint(ofUTF8: $0) },
                createdAt: entry["createdAt"]?.stringValue
            )
        }
        return PluginSandboxReport(path: path, keys: keys)
    }

    /// One line per key.
    public var lines: [String] {
        keys.map { key in
            "\(key.id)  \(key.isPrimary ? "PRIMARY" : "       ")  fingerprint \(key.fingerprint?.hex ?? "none        ")"
                + "  '\(key.name)'  " + (key.scope.map { "scope \($0)" } ?? "no scope")
        }
    }

    /// The report for a person.
    public var text: String {
        (["Example plugin platform (\(path), without the secrets)", "API keys (\(keys.count))"]
            + lines.map { "  " + $0 }).joined(separator: "\n")
    }

    /// The report as one JSON document.
    public var json: String {
        let keys = JSONValue.array(
            keys.map { key in
                [
                    "id": .string(key.id),
                    "name": .string(key.name),
                    "scope": key.scope.map(JSONValue.string) ?? .null,
                    "primary": .bool(key.isPrimary),
                    "fingerprint": key.fingerprint.map { .string($0.hex) } ?? .null,
                    "createdAt": key.createdAt.map(JSONValue.string) ?? .null,
                ]
            })
        let report: JSONValue = ["platform": "plugin", "state": .string(path), "keys": keys]
        return report.serialized(sortedKeys: true)
    }
}
