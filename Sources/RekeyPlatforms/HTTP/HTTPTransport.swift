/// Sends one HTTP request and returns the response, whatever its status.
///
/// Implementations must guarantee:
/// - **Bounded time.** The exchange ends within ``HTTPRequest/timeout`` (then throw).
/// - **No redirects.** A 3xx is returned as is, so that no credential follows a redirect elsewhere.
/// - **No secret in errors.** Thrown errors describe the failure (refused, timed out), never headers.
///
/// Platform backends take a transport as a parameter, so unit tests pass a closure and end-to-end
/// tests use a real loopback server; ``URLSessionTransport`` is the real one. Send through
/// ``HTTPClient``, which adds the cleartext guard and maps failures to ``PlatformError``.
public typealias HTTPTransport = @Sendable (HTTPRequest) async throws -> HTTPResponse
