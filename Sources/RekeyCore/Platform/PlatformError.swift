/// Errors a platform backend reports. Descriptions carry the platform's own message and never a secret.
public enum PlatformError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A transient failure worth retrying (5xx, reset connection, timeout). `retryAfter` in seconds.
    case transient(String, retryAfter: Double? = nil)
    /// The platform throttled us (HTTP 429); retry after `retryAfter` seconds when given.
    case rateLimited(String, retryAfter: Double?)
    /// Retries were exhausted; the platform is unavailable (exit 69).
    case unavailable(String)
    /// The platform refused the request for good (4xx other than 429): fix the cause and resume.
    case rejected(String)
    /// Credentials are missing or refused.
    case unauthorized(String)
    /// The thing asked for does not exist (already deleted, wrong id).
    case notFound(String)
    /// The platform's answer does not have the documented shape.
    case invalidResponse(String)
    /// The platform cannot do this through its API (the step becomes guided).
    case unsupported(String)

    /// Whether retrying the same request may succeed.
    public var isRetryable: Bool {
        switch self {
        case .transient, .rateLimited: true
        default: false
        }
    }

    /// Seconds the platform asked us to wait before retrying, if any.
    public var retryAfter: Double? {
        switch self {
        case .transient(_, let after), .rateLimited(_, let after): after
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .transient(let message, _): "platform error (will retry): \(message)"
        case .rateLimited(let message, _): "platform rate limit (will retry): \(message)"
        case .unavailable(let message): "platform unavailable: \(message)"
        case .rejected(let message): "platform refused the request: \(message)"
        case .unauthorized(let message): "platform refused the credentials: \(message)"
        case .notFound(let message): "not found on the platform: \(message)"
        case .invalidResponse(let message): "unexpected platform response: \(message)"
        case .unsupported(let message): "not supported by this platform's API: \(message)"
        }
    }
}

extension PlatformError: ClassifiedError {
    public var failureKind: FailureKind {
        switch self {
        case .transient: .transient
        case .rateLimited: .rateLimited
        case .unavailable: .unavailable
        case .rejected, .unauthorized, .unsupported: .refused
        case .notFound, .invalidResponse: .invalid
        }
    }
}
