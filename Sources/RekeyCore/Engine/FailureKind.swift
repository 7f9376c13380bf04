/// What kind of failure stopped an item, recorded in its `failed` record beside the message (`kind`). Exit
/// codes, "resume may fix it" and the advice rekey prints come from the kind, never from the wording.
public enum FailureKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A failure worth retrying as is (a timeout, a 5xx, a reset connection).
    case transient
    /// The platform throttled rekey (HTTP 429).
    case rateLimited = "rate-limited"
    /// The platform stayed unavailable after every retry (exit 69).
    case unavailable
    /// The platform, a deployment tool or a file refused for good (a 4xx, bad credentials, a failing
    /// command): fix the cause, then resume.
    case refused
    /// The world does not match what the step needs or did (a verification that failed, a missing record,
    /// an answer of the wrong shape).
    case invalid
    /// Going on would break the safety invariants (a hazard, a pre-flight that found the world changed, a
    /// check whose evidence says no): fix the world, or override the check explicitly with a reason.
    case unsafe
    /// A person must act (a gate, a guided action, a manual target); the run pauses (exit 3).
    case needsPerson = "needs-person"

    /// Whether resuming without changing anything may succeed.
    public var resumeMayFix: Bool {
        switch self {
        case .transient, .rateLimited, .unavailable, .needsPerson: true
        case .refused, .invalid, .unsafe: false
        }
    }
}

/// An error that says what kind of failure it is.
public protocol ClassifiedError: Error {
    /// The kind of failure.
    var failureKind: FailureKind { get }
}

extension FailureKind {
    /// The kind of any error a step, a platform or a target throws (an unclassified error is `invalid`).
    public init(of error: any Error) {
        self = (error as? any ClassifiedError)?.failureKind ?? .invalid
    }

    /// The kind of a `failed` record written before rekey recorded kinds: from its `retryable` flag and
    /// the one prefix that meant "unavailable".
    public static func legacy(error: String?, retryable: Bool?) -> FailureKind {
        if error?.hasPrefix("platform unavailable") == true { return .unavailable }
        return retryable == true ? .transient : .invalid
    }
}
