import Foundation
import RekeyCore
import RekeyPlatforms
import RekeySandbox

// The platforms beyond Inngest Cloud and the sandbox. Each can run against the sandbox in process
// (`settings.sandbox`): the real backend then sends its requests to the sandbox's HTTP API without a
// socket, so the wire code is the same as against the network.

extension BackendFactory {
    /// The loopback base of in-process sandbox requests (never contacted: the transport is a function call).
    static let inProcessBase = "http://127.0.0.1"

    /// An in-process transport to the sandbox at `state` (with `REKEY_SANDBOX_FAULTS` applied).
    static func sandboxTransport(_ state: String, environment: [String: String]) throws -> (HTTPTransport, SandboxStore)
    {
        let faults = try SandboxFaults.fromEnvironment(environment, statePath: state)
        var store = SandboxStore(path: state, interceptor: faults?.before)
        store.afterCommit = faults?.after
        let api = SandboxAPI(store: store)
        return ({ request in await api.handle(request) }, store)
    }

    static func eventNerds(
        _ settings: EventNerdsSettings, playbook: Playbook, environment: [String: String],
        targets: [String: any SecretTarget]
    ) throws -> Backends {
        let transport: HTTPTransport
        let token: Secret
        var base = settings.baseURL
        var source = settings.tokenEnv
        if let sandbox = settings.sandbox {
            let (inProcess, store) = try sandboxTransport(sandbox, environment: environment)
            guard let sandboxToken = try store.snapshot().eventNerdsToken else {
                throw BackendError.notAvailable(
                    "the sandbox '\(sandbox)' has no EventNerds account; create one with "
                        + "'rekey sandbox init DIR --platform eventnerds'")
            }
            transport = inProcess
            token = sandboxToken
            base = inProcessBase + "/api/developer/v1"
            source = "the sandbox's eventNerdsToken"
        } else {
            guard let value = environment[settings.tokenEnv], !value.isEmpty else {
                throw BackendError.missingCredential(
                    variable: settings.tokenEnv,
                    purpose: "the session token (JWT) of a logged-in EventNerds user (API keys can't manage API keys)")
            }
            transport = Self.bounded(URLSessionTransport.make())
            token = Secret(value)
        }
        guard let url = URL(string: base) else {
            throw BackendError.notAvailable("the playbook's EventNerds baseURL is not a valid URL")
        }
        let platform = EventNerdsPlatform(
            configuration: EventNerdsPlatform.Configuration(baseURL: url, token: token, tokenSource: source),
            transport: transport)
        // The gate watches each key's last use: the platform is the verifier.
        let location = settings.sandbox.map { "eventnerds sandbox \($0)" } ?? "eventnerds \(settings.baseURL)"
        return Backends(platform: platform, targets: targets, verifiers: [:], location: location)
    }

    static func selfHosted(
        _ settings: SelfHostedSettings, playbook: Playbook, environment: [String: String],
        targets: [String: any SecretTarget]
    ) throws -> Backends {
        let withheld = credentialVariables(of: playbook.platform)
        let server: any SecretTarget
        switch settings.config {
        case .dotenv(let path): server = DotenvTarget(path: path)
        case .exec(let spec):
            server = ExecTarget(app: "inngest-server", spec: spec, environment: environment, withholding: withheld)
        case .manual:
            throw BackendError.notAvailable("the server's configuration can't be a manual target")
        }
        var transport: HTTPTransport = Self.bounded(URLSessionTransport.make())
        var apiURL = settings.apiURL
        var verifiers: [String: any RolloutVerifier] = [:]
        let serveTransport = Self.bounded(URLSessionTransport.make())
        var sandboxPlatform: SandboxPlatform?
        if let sandbox = settings.sandbox {
            let (inProcess, store) = try sandboxTransport(sandbox, environment: environment)
            transport = inProcess
            apiURL = inProcessBase + "/self-hosted"
            sandboxPlatform = SandboxPlatform(store: store)
        }
        for app in playbook.apps {
            switch app.verify {
            case .platform: if let sandboxPlatform { verifiers[app.name] = sandboxPlatform }
            case .introspection(let url): verifiers[app.name] = try Self.introspection(url, serveTransport, app.name)
            case .approval: break
            }
        }
        guard let url = URL(string: apiURL) else {
            throw BackendError.notAvailable("the playbook's self-hosted apiURL is not a valid URL")
        }
        let restartEnvironment = environment.filter {
            !ExecTarget.withheldVariables.contains($0.key) && !withheld.contains($0.key)
        }
        let platform = SelfHostedPlatform(
            configuration: SelfHostedPlatform.Configuration(
                apiURL: url, target: server, restart: settings.restart, restartTimeout: settings.restartTimeout,
                directory: settings.directory, environment: restartEnvironment, signingKeyWord: settings.keyPrefixWord,
                signingKeyVariable: settings.signingKeyVariable, eventKeyVariable: settings.eventKeyVariable,
                credential: settings.signingKeyEnv.flatMap { environment[$0] }.flatMap {
                    $0.isEmpty ? nil : Secret($0)
                },
                credentialSource: settings.signingKeyEnv),
            transport: transport)
        let location =
            settings.sandbox.map { "inngest-self-hosted sandbox \($0)" } ?? "inngest-self-hosted \(settings.apiURL)"
        return Backends(platform: platform, targets: targets, verifiers: verifiers, location: location)
    }

    static func plugin(
        _ settings: PluginSettings, playbook: Playbook, environment: [String: String],
        targets: [String: any SecretTarget]
    ) throws -> Backends {
        let configuration = ExecPluginPlatform.Configuration(
            command: settings.command,
            directory: settings.directory,
            environment: environment.filter { !ExecTarget.withheldVariables.contains($0.key) },
            timeout: settings.timeout,
            config: settings.config ?? .object(JSONObject()),
            environmentName: playbook.environment,
            log: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        )
        let description: PluginDescription
        do {
            description = try ExecPluginPlatform.fetchDescriptionBlocking(configuration)
        } catch {
            throw BackendError.notAvailable("\(error)")
        }
        if let procedure = description.procedure, playbook.procedure != ProcedureCatalog.customName,
            procedure != playbook.procedure
        {
            throw BackendError.notAvailable(
                "plugin '\(description.name)' rotates its keys with procedure '\(procedure)', but the playbook selects "
                    + "'\(playbook.procedure)'; set \"procedure\": \"\(procedure)\"")
        }
        // A plugin is identified by its program and its configuration (which says which account it talks to).
        let config = (settings.config ?? .object(JSONObject())).serialized(pretty: false)
        return Backends(
            platform: ExecPluginPlatform(configuration: configuration, description: description), targets: targets,
            verifiers: [:],
            location: "plugin \(settings.command.joined(separator: " ")) in \(settings.directory) \(config)")
    }
}
