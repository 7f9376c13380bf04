/// Settings of the `eventnerds` platform. The credential is never in the playbook: only the name of the
/// environment variable that holds it.
public struct EventNerdsSettings: Sendable, Equatable {
    /// The documented base URL.
    public static let defaultBaseURL = "https://eventnerds.com/api/developer/v1"

    /// The API's base URL. HTTPS unless loopback.
    public var baseURL: String
    /// Environment variable holding the session token (JWT) of a logged-in user: API keys can't manage
    /// API keys.
    public var tokenEnv: String
    /// The variable apps hold their key in, unless an app names its own.
    public var variable: String
    /// A sandbox state file (absolute path): talk to the sandbox's emulation in process instead of the
    /// network, with the sandbox's token.
    public var sandbox: String?

    public init(
        baseURL: String = EventNerdsSettings.defaultBaseURL,
        tokenEnv: String = "EVENTNERDS_TOKEN",
        variable: String = "EVENTNERDS_API_KEY",
        sandbox: String? = nil
    ) {
        self.baseURL = baseURL
        self.tokenEnv = tokenEnv
        self.variable = variable
        self.sandbox = sandbox
    }
}

/// Settings of the `inngest-self-hosted` platform: where the server's configuration lives, how to restart
/// it, and where its API answers.
public struct SelfHostedSettings: Sendable, Equatable {
    /// The server's URL (its v2 API is under `/v2`). HTTPS unless loopback.
    public var apiURL: String
    /// Where the server's configuration lives (a dotenv file, or an exec command per variable).
    public var config: TargetSpec
    /// The command that restarts the server so it reads its configuration again (argv, no shell).
    public var restart: [String]
    /// How long the restart command, and the server coming back, may take (seconds).
    public var restartTimeout: Double
    /// The configuration variable of the signing key (bare hex).
    public var signingKeyVariable: String
    /// The configuration variable of the event keys (comma-separated).
    public var eventKeyVariable: String
    /// The word in the apps' signing keys (`prod` gives `signkey-prod-<hex>`; the server takes the bare hex).
    public var keyPrefixWord: String
    /// Environment variable holding the server's current signing key, for reading its keys through the v2
    /// API when the configuration can't be read (an exec target).
    public var signingKeyEnv: String?
    /// The playbook's directory: the restart command runs there.
    public var directory: String
    /// A sandbox state file (absolute path): the server's v2 API is the sandbox's emulation, in process.
    public var sandbox: String?

    /// The default restart timeout (seconds).
    public static let defaultRestartTimeout: Double = 60

    public init(
        apiURL: String = "http://127.0.0.1:8288",
        config: TargetSpec,
        restart: [String],
        restartTimeout: Double = SelfHostedSettings.defaultRestartTimeout,
        signingKeyVariable: String = "INNGEST_SIGNING_KEY",
        eventKeyVariable: String = "INNGEST_EVENT_KEY",
        keyPrefixWord: String = "prod",
        signingKeyEnv: String? = nil,
        directory: String,
        sandbox: String? = nil
    ) {
        self.apiURL = apiURL
        self.config = config
        self.restart = restart
        self.restartTimeout = restartTimeout
        self.signingKeyVariable = signingKeyVariable
        self.eventKeyVariable = eventKeyVariable
        self.keyPrefixWord = keyPrefixWord
        self.signingKeyEnv = signingKeyEnv
        self.directory = directory
        self.sandbox = sandbox
    }
}

/// Settings of the `exec` platform: the plugin command that speaks the plugin protocol (see the README,
/// "Plugin protocol").
public struct PluginSettings: Sendable, Equatable {
    /// The plugin's argv (no shell); a program given as a path is resolved against the playbook's directory.
    public var command: [String]
    /// How long one request may take (seconds).
    public var timeout: Double
    /// Free-form settings passed to the plugin with every request (`config`); never a credential.
    public var config: JSONValue?
    /// The variable apps hold their key in, unless an app names its own.
    public var variable: String
    /// The playbook's directory: the plugin runs there.
    public var directory: String

    /// The default request timeout (seconds).
    public static let defaultTimeout: Double = 30

    public init(
        command: [String],
        timeout: Double = PluginSettings.defaultTimeout,
        config: JSONValue? = nil,
        variable: String = "API_KEY",
        directory: String
    ) {
        self.command = command
        self.timeout = timeout
        self.config = config
        self.variable = variable
        self.directory = directory
    }
}

extension Playbook {
    /// The variable app `app` holds its API key in (API-key platforms).
    public func apiKeyVariable(of app: AppSpec) -> String {
        app.variable ?? platform.defaultAPIKeyVariable ?? "API_KEY"
    }
}
