import Foundation
import RekeyCore

/// Inngest's REST API v2: Bearer auth with the API key, the environment in `X-Inngest-Env`, the
/// `{data, page}` envelope, and cursor pagination.
struct InngestRESTClient: Sendable {
    /// `https://api.inngest.com/v2` (the `/v2` added when the configured URL lacks it).
    let base: URL
    let apiKey: Secret
    /// Where the API key came from, for messages (`INNGEST_API_KEY`).
    let apiKeySource: String
    let environment: String
    let http: HTTPClient
    let timeout: Double
    let pageSize: Int

    /// The most pages one listing reads before deciding the platform loops.
    static let maximumPages = 1000

    // MARK: - Requests

    /// The request for `method path?query`, authenticated, with the environment header.
    func request(_ method: String, _ path: String, query: [URLQueryItem] = [], body: JSONValue? = nil) -> HTTPRequest {
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.percentEncodedPath = components.percentEncodedPath.trimmingSuffix("/") + path
        if !query.isEmpty { components.queryItems = query }
        var headers: HTTPHeaders = [
            "Authorization": "Bearer " + apiKey.exposeValue(),
            "Accept": "application/json",
            "X-Inngest-Env": environment,
        ]
        var bytes: [UInt8] = []
        if let body {
            headers["Content-Type"] = "application/json"
            bytes = Array(body.serialized().utf8)
        }
        return HTTPRequest(method: method, url: components.url ?? base, headers: headers, body: bytes, timeout: timeout)
    }

    /// The display form of `method path` for plan previews.
    func display(_ method: String, _ path: String) -> String {
        "\(method) \(HTTPRequest.display(base).trimmingSuffix("/"))\(path)"
    }

    /// `GET path` → the envelope's `data`.
    func get(_ path: String) async throws -> JSONValue {
        let request = request("GET", path)
        return try data(of: try await send(request), request: request)
    }

    /// Every element of a paginated list, following `page.cursor` while `page.hasMore`.
    func list(_ path: String) async throws -> [JSONValue] {
        var elements: [JSONValue] = []
        var cursor: String?
        var seen = Set<String>()
        for _ in 0..<Self.maximumPages {
            var query = [URLQueryItem(name: "limit", value: String(pageSize))]
            if let cursor { query.append(URLQueryItem(name: "cursor", value: cursor)) }
            let request = request("GET", path, query: query)
            let response = try await send(request)
            guard let page = try data(of: response, request: request).arrayValue else {
                throw PlatformError.invalidResponse("\(request): 'data' is not a list")
            }
            elements += page
            let info = response.json?["page"]
            guard info?["hasMore"]?.boolValue == true else { return elements }
            guard let next = info?["cursor"]?.stringValue, !next.isEmpty, seen.insert(next).inserted else {
                throw PlatformError.invalidResponse("\(request): 'page.hasMore' is true without a new 'page.cursor'")
            }
            cursor = next
        }
        throw PlatformError.invalidResponse("GET \(path): more than \(Self.maximumPages) pages; giving up")
    }

    /// Sends `request`, mapping any non-2xx answer to a ``PlatformError``.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await http.checked(request)
        } catch PlatformError.unauthorized(let message) {
            throw PlatformError.unauthorized(
                "\(message); check the API key in \(apiKeySource) (it must be valid for environment '\(environment)')"
            )
        }
    }

    /// The envelope's `data` member.
    func data(of response: HTTPResponse, request: HTTPRequest) throws -> JSONValue {
        guard let json = response.json else {
            throw PlatformError.invalidResponse("\(request): the body is not JSON")
        }
        guard let data = json["data"] else { throw PlatformError.invalidResponse("\(request): no 'data' member") }
        return data
    }

    /// A path segment with everything but unreserved characters percent-encoded (app ids may hold `/`).
    static func segment(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

extension String {
    /// The string without one trailing `suffix`, if it has one.
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
