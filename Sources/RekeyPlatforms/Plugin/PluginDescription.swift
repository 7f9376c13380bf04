import RekeyCore

/// What an exec plugin says about itself in answer to `describe` (plugin protocol version 1).
public struct PluginDescription: Sendable, Equatable {
    /// The protocol version rekey speaks.
    public static let protocolVersion = 1

    /// The plugin's name, for messages (`acme`).
    public var name: String
    /// The operations it implements besides `describe` (`list-keys`, `create-key`, `promote-key`,
    /// `delete-key`), and `usage` when listed keys carry `lastUsedAt`.
    public var capabilities: Set<String>
    /// Whether the platform shows a key's secret only at creation (rekey then seals it in the journal).
    public var secretsShownOnce: Bool
    /// The procedure the plugin's keys need (`api-keys`, `api-keys-promote`), if it names one.
    public var procedure: String?

    public init(name: String, capabilities: Set<String>, secretsShownOnce: Bool, procedure: String? = nil) {
        self.name = name
        self.capabilities = capabilities
        self.secretsShownOnce = secretsShownOnce
        self.procedure = procedure
    }

    /// The known capability names.
    public static let knownCapabilities: Set<String> = [
        "list-keys", "create-key", "promote-key", "delete-key", "usage",
    ]

    /// rekey's capabilities for the plugin's.
    public var platformCapabilities: PlatformCapabilities {
        var result: PlatformCapabilities = []
        if capabilities.contains("list-keys") { result.insert(.listAPIKeys) }
        if capabilities.contains("create-key") { result.insert(.createAPIKey) }
        if capabilities.contains("promote-key") { result.insert(.promoteAPIKey) }
        if capabilities.contains("delete-key") { result.insert(.deleteAPIKey) }
        if capabilities.contains("usage") { result.insert(.reportsKeyUsage) }
        return result
    }

    /// Reads a `describe` answer.
    ///
    /// - Throws: ``PluginError/invalidAnswer(plugin:operation:reason:)`` naming what is wrong.
    public static func parse(_ answer: JSONObject, plugin: String) throws(PluginError) -> PluginDescription {
        guard let version = answer["protocol"]?.integerValue else {
            throw .invalidAnswer(
                plugin: plugin, operation: "describe", reason: "'protocol' is missing or not an integer")
        }
        guard version == protocolVersion else {
            throw .unsupportedProtocol(plugin: plugin, version: version)
        }
        guard let name = answer["name"]?.stringValue, !name.isEmpty else {
            throw .invalidAnswer(plugin: plugin, operation: "describe", reason: "'name' is missing")
        }
        guard let list = answer["capabilities"]?.arrayValue else {
            throw .invalidAnswer(
                plugin: plugin, operation: "describe", reason: "'capabilities' is missing or not a list")
        }
        var capabilities: Set<String> = []
        for element in list {
            guard let text = element.stringValue else {
                throw .invalidAnswer(plugin: plugin, operation: "describe", reason: "'capabilities' holds a non-string")
            }
            // Unknown capabilities are ignored: a newer plugin may offer more than this rekey uses.
            if knownCapabilities.contains(text) { capabilities.insert(text) }
        }
        guard capabilities.contains("list-keys") else {
            throw .invalidAnswer(plugin: plugin, operation: "describe", reason: "rekey needs at least 'list-keys'")
        }
        var shownOnce = true
        if let value = answer["secretsShownOnce"] {
            guard let flag = value.boolValue else {
                throw .invalidAnswer(
                    plugin: plugin, operation: "describe", reason: "'secretsShownOnce' is not a boolean")
            }
            shownOnce = flag
        }
        let procedure = answer["procedure"]?.stringValue
        return PluginDescription(
            name: name, capabilities: capabilities, secretsShownOnce: shownOnce, procedure: procedure)
    }
}
