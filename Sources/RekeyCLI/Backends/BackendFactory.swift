import RekeyCore
import RekeySandbox

/// Builds the platform, targets and verifiers a playbook names: the one place that knows every
/// backend module.
public struct BackendFactory: BackendProvider {
    public init() {}

    public func backends(for playbook: Playbook, environment: [String: String]) throws -> Backends {
        var targets: [String: any SecretTarget] = [:]
        for app in playbook.apps {
            switch app.target {
            case .dotenv(let path): targets[app.name] = DotenvTarget(path: path)
            }
        }
        switch playbook.platform {
        case .sandbox(let state):
            let sandbox = SandboxPlatform(statePath: state)
            var verifiers: [String: any RolloutVerifier] = [:]
            for app in playbook.apps {
                switch app.verify {
                case .platform: verifiers[app.name] = sandbox
                case .introspection, .approval: break
                }
            }
            return Backends(platform: sandbox, targets: targets, verifiers: verifiers)
        case .inngest:
            throw BackendError.notAvailable(
                "the 'inngest' platform is not available in this build yet; use the sandbox ('rekey demo')"
            )
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
