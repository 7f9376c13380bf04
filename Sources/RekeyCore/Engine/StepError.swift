/// Why an item could not complete. Descriptions name the app or key and what to do; never a secret.
public enum StepError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The world does not match the intent after the action.
    case verificationFailed(String)
    /// A hazard that must stop the rotation (an empty fallback, a dev-mode app).
    case hazard(String)
    /// Something the step needs is missing (no new key recorded, a target not configured).
    case precondition(String)
    /// The item waits for something outside rekey; the run pauses (exit 3) and resume continues.
    case pause(String)
    /// A platform error (classified for retries and exit codes).
    case platform(PlatformError)
    /// A target could not be read or written.
    case target(String)
    /// A person must change a manual target; the run pauses (exit 3) with the request journaled, and
    /// resume continues once the change is verified or confirmed.
    case awaitingOperator(ManualRequest)
    /// A safety check found that the world no longer matches what the action needs; the action did not
    /// happen. Fix the world and resume, or override the check (`rekey override JOURNAL CHECK --reason …`).
    case unsafe(check: String, problems: [String], journal: String)

    public var description: String {
        switch self {
        case .verificationFailed(let message): "verification failed: \(message)"
        case .hazard(let message): "hazard: \(message)"
        case .precondition(let message): message
        case .pause(let message): message
        case .platform(let error): error.description
        case .target(let message): message
        case .awaitingOperator(let request): request.message
        case .unsafe(let check, let problems, let journal):
            "refused by the safety check \(check): " + problems.joined(separator: "; ")
                + ". Fix this and resume; or, if you accept the risk, override this check with a reason: "
                + "rekey override \(journal) \(check) --reason '…'"
        }
    }

    /// Whether resuming without changes may succeed.
    public var isRetryable: Bool { failureKind.resumeMayFix }
}

extension StepError: ClassifiedError {
    public var failureKind: FailureKind {
        switch self {
        case .verificationFailed, .precondition: .invalid
        case .hazard, .unsafe: .unsafe
        case .pause, .awaitingOperator: .needsPerson
        case .platform(let error): error.failureKind
        case .target: .refused
        }
    }
}
