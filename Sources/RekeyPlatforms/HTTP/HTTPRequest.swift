import Foundation

/// An HTTP request as rekey's platform backends build it, independent of any HTTP library.
///
/// The description shows the method and URL only: headers may carry credentials.
public struct HTTPRequest: Sendable, Equatable, CustomStringConvertible {
    /// `GET`, `POST`, `PUT`, …
    public var method: String
    /// The absolute URL.
    public var url: URL
    /// Header fields.
    public var headers: HTTPHeaders
    /// The body (empty for none).
    public var body: [UInt8]
    /// The longest the whole exchange may take, in seconds.
    public var timeout: Double

    /// The header fields that carry a credential or something derived from one.
    public static let credentialHeaders = ["Authorization", "Cookie", "X-Inngest-Signature"]

    public init(
        method: String,
        url: URL,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        timeout: Double = 30
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// Whether the request carries a credential (see ``credentialHeaders``).
    public var carriesCredential: Bool {
        Self.credentialHeaders.contains { headers.contains($0) }
    }

    /// The credential values this request carries (the token after `Bearer `, the whole value
    /// otherwise), for scrubbing them from anything printed about the exchange.
    public var credentialValues: [String] {
        Self.credentialHeaders.compactMap { headers[$0] }.flatMap { value -> [String] in
            let parts = value.split(separator: " ", maxSplits: 1)
            return parts.count == 2 ? [value, String(parts[1])] : [value]
        }.filter { !$0.isEmpty }
    }

    /// `GET https://host/path` (no query, no headers).
    public var description: String {
        "\(method) \(Self.display(url))"
    }

    /// A URL for messages: scheme, host, port and path, without query, fragment or user info.
    public static func display(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "<url>" }
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return components.string ?? "<url>"
    }
}
