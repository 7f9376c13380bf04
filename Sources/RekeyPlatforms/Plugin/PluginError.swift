/// Why an exec plugin could not be used. Descriptions name the plugin and the operation; never a secret
/// (a plugin's standard output may hold keys: it never appears in a message).
public enum PluginError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The plugin speaks another protocol version.
    case unsupportedProtocol(plugin: String, version: Int)
    /// The plugin's answer does not have the documented shape.
    case invalidAnswer(plugin: String, operation: String, reason: String)
    /// The plugin could not be started.
    case launchFailed(plugin: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedProtocol(let plugin, let version):
            "plugin '\(plugin)' speaks protocol version \(version); this rekey speaks version "
                + "\(PluginDescription.protocolVersion): update the plugin or rekey"
        case .invalidAnswer(let plugin, let operation, let reason):
            "plugin '\(plugin)' answered '\(operation)' in an unexpected shape: \(reason); see the plugin protocol in "
                + "the README"
        case .launchFailed(let plugin, let reason):
            "can't start plugin '\(plugin)': \(reason); correct platform.settings.command"
        }
    }
}
