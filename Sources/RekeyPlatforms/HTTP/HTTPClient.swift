import Foundation
import RekeyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends requests through a transport with rekey's rules: credentials only over HTTPS (or to the
/// loopback interface), transport failures as retryable ``PlatformError``s, and platform answers
/// mapped to ``PlatformError`` by status, without any credential in the message.
public struct HTTPClient: Sendable {
    /// The transport requests go through.
    public let transport: HTTPTransport

    public init(transport: @escaping HTTPTransport) {
        self.transport = transport
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: ``PlatformError/rejected(_:)`` before sending anything when the request would carry a
    ///   credential over cleartext HTTP to a host that is not loopback (or uses another scheme);
    ///   ``PlatformError/transient(_:retryAfter:)`` when the transport fails (refused, reset, timed out).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Self.checkTransportSecurity(request)
        do {
            return try await transport(request)
        } catch let error as PlatformError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let reason = Self.scrub(Self.describe(error), removing: request.credentialValues)
            throw PlatformError.transient("\(request): \(reason)")
        }
    }

    /// Sends `request` and returns the response when it is 2xx.
    ///
    /// - Throws: What ``send(_:)`` throws, and ``PlatformError`` from ``error(for:request:)`` otherwise.
    public func checked(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await send(request)
        if let error = Self.error(for: response, request: request) { throw error }
        return response
    }

    // MARK: - Rules

    /// Whether `host` is the loopback interface: `127.0.0.1`, `::1` or `localhost`.
    public static func isLoopback(host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return ["127.0.0.1", "::1", "localhost"].contains(bare.lowercased())
    }

    /// Refuses a request that would send a credential in cleartext: HTTPS is required except to loopback.
    ///
    /// - Throws: ``PlatformError/rejected(_:)`` naming the host and the fix.
    public static func checkTransportSecurity(_ request: HTTPRequest) throws(PlatformError) {
        let scheme = request.url.scheme?.lowercased() ?? ""
        let host = request.url.host ?? ""
        guard scheme == "https" || scheme == "http" else {
            throw .rejected("refusing \(request): only http:// and https:// URLs are supported")
        }
        guard !host.isEmpty else { throw .rejected("refusing \(request): the URL has no host") }
        if scheme == "http", request.carriesCredential, !isLoopback(host: host) {
            throw .rejected(
                "refusing to send credentials over unencrypted http:// to \(host); use an https:// URL "
                    + "(http:// is allowed only for 127.0.0.1, ::1 and localhost)"
            )
        }
    }

    /// The ``PlatformError`` for a non-2xx response, or `nil` for 2xx.
    ///
    /// 429 → `rateLimited` (with `Retry-After`), 5xx and 408 → `transient`, 401/403 → `unauthorized`,
    /// 404 → `notFound`, other statuses → `rejected`; each with the platform's own message
    /// (`errors[].message`, `message` or `error`, or the start of a text body), scrubbed of the
    /// request's credentials.
    public static func error(for response: HTTPResponse, request: HTTPRequest) -> PlatformError? {
        guard !response.isSuccess else { return nil }
        let detail = platformMessage(response).map { ": \($0)" } ?? ""
        let message = scrub("\(request): HTTP \(response.status)\(detail)", removing: request.credentialValues)
        switch response.status {
        case 429: return .rateLimited(message, retryAfter: retryAfter(response))
        case 408, 500...599: return .transient(message, retryAfter: retryAfter(response))
        case 401, 403: return .unauthorized(message)
        case 404: return .notFound(message)
        case 300...399:
            return .rejected(message + " (redirect to \(response.headers["Location"] ?? "?") not followed)")
        default: return .rejected(message)
        }
    }

    /// The platform's message in an error body: `errors[].message` (joined), `message`, `error`
    /// (string or `{message}`), or the first line of a short text body.
    public static func platformMessage(_ response: HTTPResponse) -> String? {
        if let json = response.json {
            if let errors = json["errors"]?.arrayValue {
                let messages = errors.compactMap { $0["message"]?.stringValue ?? $0.stringValue }
                if !messages.isEmpty { return clip(messages.joined(separator: "; ")) }
            }
            if let message = json["message"]?.stringValue { return clip(message) }
            if let error = json["error"]?.stringValue ?? json["error"]?["message"]?.stringValue { return clip(error) }
            return nil
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard !text.isEmpty, !text.contains("<") else { return nil }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? nil : clip(line)
    }

    /// Seconds from a `Retry-After` header (delta-seconds or an HTTP date).
    public static func retryAfter(_ response: HTTPResponse, now: Date = Date()) -> Double? {
        guard let value = response.headers["Retry-After"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    // MARK: - Internals

    /// Replaces every occurrence of the given values (credentials) with `<redacted>`.
    static func scrub(_ text: String, removing values: [String]) -> String {
        var result = text
        for value in values.sorted(by: { $0.count > $1.count }) where value.count >= 4 {
            result = result.replacingOccurrences(of: value, with: "<redacted>")
        }
        return result
    }

    private static func clip(_ text: String) -> String {
        let flattened = text.replacingOccurrences(of: "\n", with: " ")
        return flattened.count > 300 ? String(flattened.prefix(300)) + "…" : flattened
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? URLError {
            switch error.code {
            case .timedOut: return "timed out"
            case .cannotConnectToHost: return "connection refused"
            case .networkConnectionLost: return "connection lost"
            case .cannotFindHost, .dnsLookupFailed: return "host not found"
            case .notConnectedToInternet: return "no network"
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
                return "TLS failure (\(error.code.rawValue))"
            default: return "network error \(error.code.rawValue)"
            }
        }
        return "transport failure (\(type(of: error)))"
    }
}
