import Foundation
import RekeyCore

/// EventNerds' API-keys API (`https://eventnerds.com/api/developer/v1`): list, create and delete API keys,
/// authenticated with a logged-in user's session token (JWT). API keys can't manage API keys.
///
/// The full key is returned once, by `POST /api-keys`; listings show only a prefix. So this platform's
/// secrets are not readable (``secretsAreReadable(_:)`` is `false`): rekey seals a new key in the
/// journal until every app holds it. Listed keys carry `last_used_at`, which the redeploy gate watches
/// (``PlatformCapabilities/reportsKeyUsage``).
///
/// Error bodies are not documented: `{"success": false, …}` with a 4xx/5xx status, in any shape. Every
/// non-2xx answer, and a 2xx whose `success` is `false`, becomes a ``PlatformError`` carrying the
/// platform's message (never the token, never a key).
public struct EventNerdsPlatform: Platform, PlatformCallDescribing {
    /// Where the API is and how to authenticate.
    public struct Configuration: Sendable {
        /// The base URL (`https://eventnerds.com/api/developer/v1`).
        public var baseURL: URL
        /// The session token (JWT).
        public var token: Secret
        /// Where the token came from, for messages (`EVENTNERDS_TOKEN`).
        public var tokenSource: String
        /// The longest one request may take (seconds).
        public var requestTimeout: Double

        public init(baseURL: URL, token: Secret, tokenSource: String = "EVENTNERDS_TOKEN", requestTimeout: Double = 30)
        {
            self.baseURL = baseURL
            self.token = token
            self.tokenSource = tokenSource
            self.requestTimeout = requestTimeout
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let http: HTTPClient

    /// Creates the platform; requests go through `transport` (a real one, or the sandbox in process).
    public init(configuration: Configuration, transport: @escaping HTTPTransport) {
        self.configuration = configuration
        self.http = HTTPClient(transport: transport)
    }

    public var kind: String { "eventnerds" }

    public var capabilities: PlatformCapabilities {
        [.listAPIKeys, .createAPIKey, .deleteAPIKey, .reportsKeyUsage]
    }

    public func secretsAreReadable(_ kind: KeyKind) -> Bool { false }

    // MARK: - Keys

    public func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
        try Self.requireAPI(kind)
        let request = request("GET", "/api-keys")
        let data = try await send(request)
        guard let elements = data.arrayValue else {
            throw PlatformError.invalidResponse("\(request): 'data' is not a list")
        }
        return try elements.enumerated().map { index, element in
            try Self.key(element, at: "data[\(index)]", request: request)
        }
    }

    public func createKey(_ request: NewKeyRequest) async throws -> PlatformKey {
        try Self.requireAPI(request.kind)
        guard let name = request.name, !name.isEmpty else {
            throw PlatformError.rejected("an EventNerds API key needs a name")
        }
        var body = JSONObject([(key: "name", value: .string(name))])
        if let scope = request.scope { body["event_id"] = .string(scope) }
        let http = self.request("POST", "/api-keys", body: .object(body))
        let data = try await send(http)
        var key = try Self.key(data, at: "data", request: http)
        // The only time EventNerds shows the key. Never echo the body: it holds the key.
        guard let secret = data["key"]?.stringValue, !secret.isEmpty else {
            throw PlatformError.invalidResponse("\(http): the answer has no 'data.key' (the new key \(key.id) is lost)")
        }
        key.secret = Secret(secret)
        if key.name == nil { key.name = name }
        if key.scope == nil { key.scope = request.scope }
        if key.prefix == nil { key.prefix = Self.visiblePrefix(secret) }
        return key
    }

    public func deleteKey(_ kind: KeyKind, id: String) async throws {
        try Self.requireAPI(kind)
        _ = try await send(request("DELETE", "/api-keys/" + Self.segment(id)), expectData: false)
    }

    public func promoteSigningKey(id: String) async throws {
        throw PlatformError.unsupported("EventNerds has no signing keys")
    }

    public func listApps() async throws -> [PlatformApp] {
        throw PlatformError.unsupported("EventNerds does not list apps")
    }

    public func resyncApp(id: String, url: String?) async throws -> SyncResult {
        throw PlatformError.unsupported("EventNerds does not resync apps")
    }

    public func instructions(for action: GuidedAction) -> [String] {
        switch action {
        case .createAPIKey(let name, let scope):
            [
                "In the EventNerds web application, open the developer settings, \"API keys\".",
                "Create a key named '\(name)'" + (scope.map { " scoped to the event \($0)" } ?? " for the organisation")
                    + ".",
            ]
        case .deleteAPIKey(let id, let name):
            [
                "In the EventNerds web application, open the developer settings, \"API keys\".",
                "Delete the key \(name.map { "'\($0)' " } ?? "")(\(id)). This revokes it at once and can't be undone.",
            ]
        default:
            ["EventNerds has API keys only: there is nothing to do for this step."]
        }
    }

    public func describe(_ call: PlatformCall) -> String {
        let base = HTTPRequest.display(configuration.baseURL).trimmingSuffix("/")
        switch call {
        case .listKeys: return "GET \(base)/api-keys"
        case .createKey(_, let name, _): return "POST \(base)/api-keys {\"name\": '\(name ?? "?")'}"
        case .deleteKey(_, let id): return "DELETE \(base)/api-keys/\(id)"
        default: return "eventnerds: \(call)"
        }
    }

    // MARK: - Wire

    func request(_ method: String, _ path: String, body: JSONValue? = nil) -> HTTPRequest {
        var components = URLComponents(url: configuration.baseURL, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.percentEncodedPath = components.percentEncodedPath.trimmingSuffix("/") + path
        var headers: HTTPHeaders = [
            "Authorization": "Bearer " + configuration.token.exposeValue(),
            "Accept": "application/json",
        ]
        var bytes: [UInt8] = []
        if let body {
            headers["Content-Type"] = "application/json"
            bytes = Array(body.serialized().utf8)
        }
        return HTTPRequest(
            method: method, url: components.url ?? configuration.baseURL, headers: headers, body: bytes,
            timeout: configuration.requestTimeout)
    }

    /// Sends `request`; returns `data` of a `{"success": true, "data": …}` answer.
    @discardableResult
    func send(_ request: HTTPRequest, expectData: Bool = true) async throws -> JSONValue {
        let response = try await http.send(request)
        if !response.isSuccess {
            let message = EventNerdsPlatform.message(response)
            var error = HTTPClient.error(for: response, request: request) ?? .rejected("\(request): refused")
            if let message {
                error = Self.replacingMessage(
                    of: error,
                    with: HTTPClient.scrub(
                        "\(request): HTTP \(response.status): \(message)", removing: request.credentialValues))
            }
            if case .unauthorized(let text) = error {
                throw PlatformError.unauthorized(
                    "\(text); the session token in \(configuration.tokenSource) must belong to a logged-in user "
                        + "(API keys can't manage API keys): log in to EventNerds again and export a fresh token")
            }
            throw error
        }
        guard let json = response.json else {
            if !expectData { return .null }
            throw PlatformError.invalidResponse("\(request): the answer is not JSON")
        }
        if json["success"]?.boolValue == false {
            let message = EventNerdsPlatform.message(response) ?? "success is false"
            throw PlatformError.rejected(
                HTTPClient.scrub("\(request): \(message)", removing: request.credentialValues))
        }
        guard let data = json["data"] else {
            if !expectData { return .null }
            throw PlatformError.invalidResponse("\(request): the answer has no 'data'")
        }
        return data
    }

    /// The platform's message in an error body, whatever its shape: `error` (a string, or an object with
    /// `message` or `code`), `message`, `errors` (strings or objects with `message`), `detail`.
    static func message(_ response: HTTPResponse) -> String? {
        if let message = HTTPClient.platformMessage(response) { return message }
        guard let json = response.json else { return nil }
        if let code = json["error"]?["code"]?.stringValue { return code }
        if let detail = json["detail"]?.stringValue { return String(detail.prefix(300)) }
        if let errors = json["errors"]?.objectValue {
            // {"errors": {"name": ["is required"]}}
            let parts = errors.keys.sorted().map { key -> String in
                let value = errors[key]
                let text =
                    value?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? value?.stringValue ?? ""
                return "\(key): \(text)"
            }
            return parts.isEmpty ? nil : String(parts.joined(separator: "; ").prefix(300))
        }
        return nil
    }

    static func replacingMessage(of error: PlatformError, with message: String) -> PlatformError {
        switch error {
        case .transient(_, let after): .transient(message, retryAfter: after)
        case .rateLimited(_, let after): .rateLimited(message, retryAfter: after)
        case .unavailable: .unavailable(message)
        case .rejected: .rejected(message)
        case .unauthorized: .unauthorized(message)
        case .notFound: .notFound(message)
        case .invalidResponse: .invalidResponse(message)
        case .unsupported: .unsupported(message)
        }
    }

    /// A key from `{"id", "name", "prefix", "event_id", "created_at", "last_used_at"}` (without `key`).
    static func key(_ value: JSONValue, at path: String, request: HTTPRequest) throws -> PlatformKey {
        guard value.objectValue != nil else {
            throw PlatformError.invalidResponse("\(request): \(path) is not an object")
        }
        guard let id = value["id"]?.stringValue ?? value["id"]?.numberValue.map({ String(Int($0)) }), !id.isEmpty else {
            throw PlatformError.invalidResponse("\(request): \(path) has no 'id'")
        }
        return PlatformKey(
            kind: .api,
            id: id,
            name: value["name"]?.stringValue,
            scope: value["event_id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            prefix: value["prefix"]?.stringValue,
            createdAt: value["created_at"]?.stringValue.flatMap(Self.date),
            lastUsedAt: value["last_used_at"]?.stringValue.flatMap(Self.date)
        )
    }

    /// An RFC 3339 time, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// `evn_prod_` of `evn_prod_abc…`: up to and including the last `_` of the first 16 characters.
    static func visiblePrefix(_ key: String) -> String? {
        let head = key.prefix(16)
        guard let underscore = head.lastIndex(of: "_") else { return nil }
        return String(head[...underscore])
    }

    static func segment(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func requireAPI(_ kind: KeyKind) throws {
        guard kind == .api else {
            throw PlatformError.unsupported("EventNerds has API keys only, no \(kind.rawValue) keys")
        }
    }
}
