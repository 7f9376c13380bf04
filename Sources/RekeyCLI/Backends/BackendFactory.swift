import Foundation
import RekeyCore
import RekeyPlatforms
import RekeySandbox

/// Builds the platform, targets and verifiers a playbook names: the one place that knows every
/// backend module.
public struct BackendFactory: BackendProvider {
    public init() {}

    public func backends(for playbook: Playbook, environment: [String: String]) throws -> Backends {
        try Self.$requestTimeout.withValue(playbook.options.requestTimeout) {
            try makeBackends(for: playbook, environment: environment)
        }
    }

    /// `options.requestTimeout` while backends are built (each transport made then is bounded by it).
    @TaskLocal static var requestTimeout: Double?

    /// A transport whose every request is bounded by the playbook's `options.requestTimeout`, if set.
    static func bounded(_ transport: @escaping HTTPTransport) -> HTTPTransport {
        guard let timeout = requestTimeout else { return transport }
        return { request in
            var request = request
            request.timeout = timeout
            return try await transport(request)
        }
    }

    private func makeBackends(for playbook: Playbook, environment: [String: String]) throws -> Backends {
        var targets: [String: any SecretTarget] = [:]
        for app in playbook.apps {
            switch app.target {
            case .dotenv(let path): targets[app.name] = DotenvTarget(path: path)
            case .exec(let spec):
                targets[app.name] = ExecTarget(
                    app: app.name, spec: spec, environment: environment,
                    withholding: Self.credentialVariables(of: playbook.platform))
            case .manual(let location): targets[app.name] = ManualTarget(app: app.name, location: location)
            }
        }
        switch playbook.platform {
        case .sandbox(let state):
            // REKEY_SANDBOX_FAULTS (a testing aid) injects latency and platform faults.
            let faults = try SandboxFaults.fromEnvironment(environment, statePath: state)
            var store = SandboxStore(path: state, interceptor: faults?.before)
            store.afterCommit = faults?.after
            let sandbox = SandboxPlatform(store: store)
            var verifiers: [String: any RolloutVerifier] = [:]
            let transport = Self.bounded(LoopbackTransport.make())
            for app in playbook.apps {
                switch app.verify {
                case .platform: verifiers[app.name] = sandbox
                case .introspection(let url): verifiers[app.name] = try Self.introspection(url, transport, app.name)
                case .approval: break
                }
            }
            return Backends(platform: sandbox, targets: targets, verifiers: verifiers, location: "sandbox \(state)")
        case .inngest(let settings):
            let transport = Self.bounded(LoopbackTransport.make())
            let platform = try Self.inngest(
                settings, environment: playbook.environment, variables: environment, transport)
            var verifiers: [String: any RolloutVerifier] = [:]
            for app in playbook.apps {
                // The Inngest platform can't say what an app runs with: only its serve endpoint can.
                if case .introspection(let url) = app.verify {
                    verifiers[app.name] = try Self.introspection(url, transport, app.name)
                }
            }
            return Backends(
                platform: platform, targets: targets, verifiers: verifiers, location: "inngest \(settings.apiURL)")
        case .eventNerds(let settings):
            return try Self.eventNerds(settings, playbook: playbook, environment: environment, targets: targets)
        case .inngestSelfHosted(let settings):
            return try Self.selfHosted(settings, playbook: playbook, environment: environment, targets: targets)
        case .plugin(let settings):
            return try Self.plugin(settings, playbook: playbook, environment: environment, targets: targets)
        }
    }
}

extension BackendFactory {
    /// The `inngest` platform for `settings`, with the credentials read from the variables it names. An
    /// empty or unset session-token variable means guided key mutations.
    ///
    /// - Throws: ``BackendError/missingCredential(variable:purpose:)`` without an API key.
    static func inngest(
        _ settings: InngestSettings,
        environment name: String,
        variables: [String: String],
        _ transport: @escaping HTTPTransport
    ) throws -> InngestPlatform {
        guard let apiKey = variables[settings.apiKeyEnv], !apiKey.isEmpty else {
            throw BackendError.missingCredential(
                variable: settings.apiKeyEnv,
                purpose: "an Inngest API key (sk-inn-api-…, or a signing key of the environment) for the REST API"
            )
        }
        let session = settings.sessionTokenEnv.flatMap { variables[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        guard let apiURL = URL(string: settings.apiURL), let graphqlURL = URL(string: settings.graphqlURL) else {
            throw BackendError.notAvailable("the playbook's Inngest URLs are not valid URLs")
        }
        return InngestPlatform(
            configuration: InngestPlatform.Configuration(
                apiURL: apiURL,
                graphqlURL: graphqlURL,
                environment: name,
                environmentID: settings.environmentID,
                apiKey: Secret(apiKey),
                apiKeySource: settings.apiKeyEnv,
                sessionToken: session.map(Secret.init),
                sessionTokenSource: settings.sessionTokenEnv
            ),
            transport: transport
        )
    }

    /// The verifier of an app checked through its serve endpoint.
    static func introspection(_ url: String, _ transport: @escaping HTTPTransport, _ app: String) throws
        -> IntrospectionVerifier
    {
        guard let parsed = URL(string: url) else {
            throw BackendError.notAvailable("app '\(app)': the verify url is not a valid URL")
        }
        return IntrospectionVerifier(url: parsed, transport: transport)
    }

    /// The environment variables holding the platform's credentials: never passed to exec targets.
    static func credentialVariables(of platform: PlatformSpec) -> Set<String> {
        switch platform {
        case .sandbox: []
        case .inngest(let settings): Set([settings.apiKeyEnv] + (settings.sessionTokenEnv.map { [$0] } ?? []))
        case .eventNerds(let settings): [settings.tokenEnv]
        case .inngestSelfHosted(let settings): Set(settings.signingKeyEnv.map { [$0] } ?? [])
        // A plugin reads its own credentials from the environment; rekey doesn't know their names.
        case .plugin: []
        }
    }
}

/// A backend can't be built.
public enum BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAvailable(String)
    case missingCredential(variable: String, purpose: String)

    public var description: String {
        switch self {
        case .notAvailable(let message): message
        case .missingCredential(let variable, let purpose):
            "environment variable \(variable) is not set; it must hold \(purpose) (the playbook names it)"
        }
    }
}
