/// Why a rotation can't be planned. Descriptions say what was found and what to do.
public enum PlanningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The platform already has an inactive signing key: an earlier rotation is unfinished.
    case inactiveSigningKeyExists(id: String, fingerprint: String)
    /// The platform's keys show a rotation under way (an old key next to the key named to replace it).
    case rotationUnderwayOnPlatform([String])
    /// The environment has no active signing key.
    case noActiveSigningKey
    /// The platform can't list what the plan needs.
    case cannotList(String)
    /// An app's target could not be read.
    case targetUnreadable(app: String, reason: String)
    /// The playbook asks for something the platform doesn't have or doesn't do that way (a key an app
    /// names does not exist, a procedure the platform's keys need is not selected); the message says which.
    case platformMismatch(String)

    public var description: String {
        switch self {
        case .inactiveSigningKeyExists(let id, let fingerprint):
            "the environment already has an inactive signing key (\(id), fingerprint \(fingerprint)): an earlier "
                + "rotation is unfinished; finish it with 'rekey resume JOURNAL', or delete that key, then plan again"
        case .rotationUnderwayOnPlatform(let findings):
            findings.joined(separator: "; ") + "; or pass --force to start anyway"
        case .noActiveSigningKey:
            "the environment has no active signing key; there is nothing to rotate"
        case .cannotList(let what):
            "can't plan: the platform can't list \(what)"
        case .targetUnreadable(let app, let reason):
            "can't read the configuration of app '\(app)': \(reason)"
        case .platformMismatch(let message):
            message
        }
    }
}
