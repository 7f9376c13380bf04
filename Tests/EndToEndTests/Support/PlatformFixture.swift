import Foundation
import RekeyCore
import RekeySandbox

/// A sandbox of another platform made by `rekey sandbox init DIR --platform …` in a fresh temporary
/// directory: an EventNerds account, a self-hosted Inngest server, or the example exec plugin's platform.
struct PlatformFixture: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case eventNerds = "eventnerds"
        case selfHosted = "inngest-self-hosted"
        case plugin
    }

    let kind: Kind
    let directory: String
    var playbook: String { directory + "/playbook.json" }
    var journal: String { directory + "/rotation.jsonl" }
    var statePath: String { directory + "/sandbox.json" }
    var pluginStatePath: String { directory + "/plugin-state.json" }

    /// A seal key for every run of the tests (base64 of 32 bytes).
    static let sealKey = Data((0..<32).map { UInt8($0 * 7 % 251) }).base64EncodedString()

    /// The environment of every rekey run: the seal key, and short retry delays.
    static let environment = ["REKEY_SEAL_KEY": sealKey, "REKEY_RETRY_BASE_DELAY": "0.01"]

    init(_ kind: Kind, apps: Int = 3, keys: Int = 2) throws {
        self.kind = kind
        directory =
            FileManager.default.temporaryDirectory.path + "/rekey-platform-" + UUID().uuidString.prefix(8).lowercased()
        let result = try RekeyProcess.runBlocking(
            ["sandbox", "init", directory, "--platform", kind.rawValue, "--apps", "\(apps)", "--event-keys", "\(keys)"])
        guard result.status == 0 else { throw FixtureError(message: "sandbox init failed: \(result)") }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// What `run` and `resume` approve in advance: the point of no return, and the redeploy gate where the
    /// platform can't tell which key an app uses.
    var approvals: [String] {
        switch kind {
        case .eventNerds: ["--approve", "delete-old-api-keys"]
        case .selfHosted: ["--approve", "install-signing-key"]
        case .plugin: ["--approve", "confirm-redeploy", "--approve", "promote-api-keys"]
        }
    }

    var runArguments: [String] { ["run", playbook, "--journal", journal] + approvals }
    var resumeArguments: [String] { ["resume", journal] + approvals }

    // MARK: - What the platform and the apps hold

    /// A key of the platform, with its material.
    struct Key: Equatable, Sendable {
        var id: String
        var name: String
        var scope: String?
        var secret: String
        var primary: Bool?
    }

    /// The platform's keys and the apps' files at one moment.
    struct Snapshot: Sendable {
        /// API keys (EventNerds, plugin); empty for self-hosted.
        var keys: [Key]
        /// Self-hosted: the configuration's signing key (bare hex) and event keys.
        var configSigningKey: String?
        var configEventKeys: [String]
        /// Self-hosted: what the server runs with.
        var runningSigningKey: String?
        var runningEventKeys: [String]
        /// Each app's dotenv file, parsed.
        var apps: [String: DotenvDocument]

        /// Every secret value in the snapshot (for the journal scan).
        var secrets: [String] {
            var values = keys.map(\.secret) + configEventKeys + runningEventKeys
            values += [configSigningKey, runningSigningKey].compactMap { $0 }
            for document in apps.values {
                for name in document.names where name.hasSuffix("_KEY") || name.contains("SIGNING") {
                    if let value = document.value(of: name), value.count >= 8 { values.append(value) }
                }
            }
            return Array(Set(values))
        }
    }

    func snapshot() throws -> Snapshot {
        var snapshot = Snapshot(
            keys: [], configSigningKey: nil, configEventKeys: [], runningSigningKey: nil, runningEventKeys: [],
            apps: [:])
        let appsDirectory = directory + "/apps"
        for file in try FileManager.default.contentsOfDirectory(atPath: appsDirectory) where file.hasSuffix(".env") {
            let text = try String(contentsOfFile: appsDirectory + "/" + file, encoding: .utf8)
            snapshot.apps[String(file.dropLast(4))] = DotenvDocument(parsing: text)
        }
        switch kind {
        case .eventNerds:
            let state = try SandboxStore(path: statePath).snapshot()
            snapshot.keys = state.apiKeys.map {
                Key(id: $0.id, name: $0.name, scope: $0.eventID, secret: $0.key.exposeValue())
            }
        case .plugin:
            let value = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: pluginStatePath))))
            snapshot.keys = (value["keys"]?.arrayValue ?? []).map {
                Key(
                    id: $0["id"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "",
                    scope: $0["scope"]?.stringValue, secret: $0["secret"]?.stringValue ?? "",
                    primary: $0["primary"]?.boolValue)
            }
        case .selfHosted:
            let state = try SandboxStore(path: statePath).snapshot()
            snapshot.runningSigningKey = state.server?.signingKey?.exposeValue()
            snapshot.runningEventKeys = state.server?.eventKeys.map { $0.exposeValue() } ?? []
            let config = DotenvDocument(
                parsing: try String(contentsOfFile: directory + "/server/inngest.env", encoding: .utf8))
            snapshot.configSigningKey = config.value(of: "INNGEST_SIGNING_KEY")
            snapshot.configEventKeys = (config.value(of: "INNGEST_EVENT_KEY") ?? "").split(separator: ",").map(
                String.init)
        }
        return snapshot
    }
}
