/// A validated playbook: what to rotate, where, and how (format version 1).
///
/// Paths inside are already resolved against the playbook's directory. Build one with
/// ``PlaybookLoader``; the loader reports every problem with its JSON path and never returns a
/// half-valid playbook.
public struct Playbook: Sendable, Equatable {
    /// The format version this type represents.
    public static let formatVersion = 1

    /// Where the playbook was read from (absolute path).
    public var path: String
    /// SHA-256 (hex) of the playbook file's bytes.
    public var contentHash: String
    /// Optional display name.
    public var name: String?
    /// The platform backend and its settings.
    public var platform: PlatformSpec
    /// The platform environment (`production`, a branch name, …).
    public var environment: String
    /// The steps to run, in order.
    public var steps: [StepID]
    /// The procedure name the steps came from (`inngest`, `inngest-signing-key`, …), or `custom`.
    public var procedure: String
    /// The apps whose configuration rekey updates.
    public var apps: [AppSpec]
    /// Options.
    public var options: PlaybookOptions

    public init(
        path: String,
        contentHash: String,
        name: String? = nil,
        platform: PlatformSpec,
        environment: String,
        steps: [StepID],
        procedure: String,
        apps: [AppSpec],
        options: PlaybookOptions = PlaybookOptions()
    ) {
        self.path = path
        self.contentHash = contentHash
        self.name = name
        self.platform = platform
        self.environment = environment
        self.steps = steps
        self.procedure = procedure
        self.apps = apps
        self.options = options
    }
}

/// The platform a playbook rotates, with its settings.
public enum PlatformSpec: Sendable, Equatable {
    /// The embedded sandbox; `state` is the absolute path of its JSON state file.
    case sandbox(state: String)
    /// Inngest Cloud (or anything speaking its API).
    case inngest(InngestSettings)
    /// A self-hosted Inngest server (`inngest start`), driven through its configuration and a restart
    /// command.
    case inngestSelfHosted(SelfHostedSettings)
    /// EventNerds API keys.
    case eventNerds(EventNerdsSettings)
    /// Any other platform, through an exec plugin (JSON over a child process's stdin and stdout).
    case plugin(PluginSettings)

    /// The kind as written in playbooks.
    public var kind: String {
        switch self {
        case .sandbox: "sandbox"
        case .inngest: "inngest"
        case .inngestSelfHosted: "inngest-self-hosted"
        case .eventNerds: "eventnerds"
        case .plugin: "exec"
        }
    }

    /// The variable an app's API key is written to when the app names none (API-key platforms only).
    public var defaultAPIKeyVariable: String? {
        switch self {
        case .eventNerds(let settings): settings.variable
        case .plugin(let settings): settings.variable
        default: nil
        }
    }
}

/// Settings of the `inngest` platform. Credentials are never in the playbook: only the names of the
/// environment variables that hold them.
public struct InngestSettings: Sendable, Equatable {
    /// REST base URL (`https://api.inngest.com`). HTTPS unless loopback.
    public var apiURL: String
    /// GraphQL endpoint for key mutations (`https://api.inngest.com/gql`).
    public var graphqlURL: String
    /// Environment variable holding the REST API key (`INNGEST_API_KEY`).
    public var apiKeyEnv: String
    /// Environment variable holding a dashboard session token; when unset, key mutations are guided.
    public var sessionTokenEnv: String?
    /// The environment's id for GraphQL (looked up by slug when absent).
    public var environmentID: String?

    public init(
        apiURL: String = "https://api.inngest.com",
        graphqlURL: String? = nil,
        apiKeyEnv: String = "INNGEST_API_KEY",
        sessionTokenEnv: String? = nil,
        environmentID: String? = nil
    ) {
        self.apiURL = apiURL
        self.graphqlURL = graphqlURL ?? (apiURL.hasSuffix("/") ? apiURL + "gql" : apiURL + "/gql")
        self.apiKeyEnv = apiKeyEnv
        self.sessionTokenEnv = sessionTokenEnv
        self.environmentID = environmentID
    }
}

/// One app whose configuration rekey updates.
public struct AppSpec: Sendable, Equatable {
    /// Unique name (also the sandbox / platform app id unless `platformID` says otherwise).
    public var name: String
    /// The app id on the platform, for resyncs (defaults to `name`).
    public var platformID: String
    /// Where its configuration lives.
    public var target: TargetSpec
    /// How to check that it runs with the new keys.
    public var verify: VerifySpec
    /// The name of the event key this app uses, when the target can't be read to find out.
    public var eventKey: String?
    /// API-key platforms: the name (or id) of the platform key this app uses.
    public var apiKey: String?
    /// API-key platforms: the variable of the app's configuration that holds the key (default: the
    /// platform's, e.g. `EVENTNERDS_API_KEY`).
    public var variable: String?

    public init(
        name: String,
        platformID: String? = nil,
        target: TargetSpec,
        verify: VerifySpec = .platform,
        eventKey: String? = nil,
        apiKey: String? = nil,
        variable: String? = nil
    ) {
        self.name = name
        self.platformID = platformID ?? name
        self.target = target
        self.verify = verify
        self.eventKey = eventKey
        self.apiKey = apiKey
        self.variable = variable
    }
}

/// Where an app's configuration lives.
public enum TargetSpec: Sendable, Equatable {
    /// A dotenv file (absolute path), edited in place.
    case dotenv(path: String)
    /// A deployment tool: one command per variable, the value on stdin (``ExecTargetSpec``).
    case exec(ExecTargetSpec)
    /// A person changes it by hand at `location` (a dashboard, a ticket); rekey shows what to set.
    case manual(location: String)

    /// The kind as written in playbooks.
    public var kind: String {
        switch self {
        case .dotenv: "dotenv"
        case .exec: "exec"
        case .manual: "manual"
        }
    }
}

/// How rekey confirms that an app runs with the new keys.
public enum VerifySpec: Sendable, Equatable {
    /// Ask the platform backend (the sandbox reports what each app runs with).
    case platform
    /// A signed GET to the app's Inngest serve endpoint.
    case introspection(url: String)
    /// No automatic check: a human approves `confirm-redeploy`.
    case approval

    /// The kind as written in playbooks.
    public var kind: String {
        switch self {
        case .platform: "platform"
        case .introspection: "introspection"
        case .approval: "approval"
        }
    }
}

/// Playbook options.
public struct PlaybookOptions: Sendable, Equatable {
    /// Name template for new keys. Placeholders: `{name}` (the old key's name), `{date}` (UTC
    /// `YYYY-MM-DD` of the plan), `{rotation}` (the rotation id). The rendered name is how rekey
    /// recognises a key it created after a crash, so it must contain `{rotation}` or `{date}`.
    public var keyName: String
    /// Maximum platform calls / target writes in flight within a step.
    public var concurrency: Int
    /// How `confirm-redeploy` is satisfied.
    public var confirmRedeploy: ConfirmRedeployOptions
    /// Steps that need an explicit approval before they start (default: the point of no return).
    public var requireApproval: [StepID]?
    /// Seconds one HTTP request to the platform or an app may take before it counts as a (retryable)
    /// timeout; `nil`: each backend's default (30 s for platforms, 10 s for introspection).
    public var requestTimeout: Double?

    public init(
        keyName: String = "{name} (rotated {date})",
        concurrency: Int = 8,
        confirmRedeploy: ConfirmRedeployOptions = ConfirmRedeployOptions(),
        requireApproval: [StepID]? = nil
    ) {
        self.keyName = keyName
        self.concurrency = concurrency
        self.confirmRedeploy = confirmRedeploy
        self.requireApproval = requireApproval
    }
}

/// How the `confirm-redeploy` gate is satisfied.
public struct ConfirmRedeployOptions: Sendable, Equatable {
    /// Verify automatically, accept a human approval, or either.
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// Every app must pass verification.
        case verify
        /// A human approves (`--approve confirm-redeploy`, or a prompt on a TTY).
        case approve
        /// Verification, or a human approval if verification can't confirm every app.
        case verifyOrApprove = "verify-or-approve"
    }

    /// The mode.
    public var mode: Mode
    /// How long to poll verification before pausing (seconds).
    public var timeout: Double
    /// First delay between polls (seconds); grows with backoff.
    public var interval: Double

    public init(mode: Mode = .verifyOrApprove, timeout: Double = 600, interval: Double = 2) {
        self.mode = mode
        self.timeout = timeout
        self.interval = interval
    }
}
