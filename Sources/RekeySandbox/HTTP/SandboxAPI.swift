import Foundation
import RekeyCore
import RekeyPlatforms

/// The sandbox over the wire protocol of Inngest Cloud, for `rekey sandbox serve`: everything rekey's
/// `inngest` platform and the SDKs send, answered from the sandbox state.
///
/// - REST v2 (`/v2/…`, also under `/api/v2`): `GET /keys/signing`, `GET /keys/events`, `GET /apps`,
///   `GET /apps/{id}` (cursor pagination, `{data, metadata, page}` envelope, `X-Inngest-Env`), and
///   `POST /apps/{id}/syncs`, with `Authorization: Bearer` the sandbox's API key or a signing key.
/// - GraphQL (`POST /gql`): the dashboard operations in ``InngestGraphQL``, with the sandbox's session token.
/// - `POST /fn/register`: an SDK's out-of-band sync, authenticated by its hashed signing key.
/// - `GET /apps/{id}/api/inngest`: the serve endpoint of an emulated app (signed introspection).
/// - `GET /health`.
///
/// Every state change goes through the ``SandboxStore`` (through ``SandboxPlatform`` for the platform's
/// key rules), so a served sandbox and in-process users of the same state file never lose an update. A
/// resync of an app with a ``SandboxState/App/url`` is real: the sandbox sends the app a PUT and its SDK
/// registers through `/fn/register`; apps without one are emulated in process.
public struct SandboxAPI: Sendable {
    /// The state.
    public let store: SandboxStore
    let platform: SandboxPlatform
    let http: HTTPClient
    let log: @Sendable (String) -> Void

    /// Creates the API over `store`.
    ///
    /// - Parameters:
    ///   - store: The sandbox state.
    ///   - transport: How the sandbox reaches apps for a resync PUT (loopback only).
    ///   - log: Receives one line per notable event (no secrets).
    public init(
        store: SandboxStore,
        transport: @escaping HTTPTransport = URLSessionTransport.make(),
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.platform = SandboxPlatform(store: store)
        self.http = HTTPClient(transport: transport)
        self.log = log
    }

    /// Answers one request.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        var path = request.url.path
        if path.hasPrefix("/api/v2/") { path = String(path.dropFirst(4)) }
        let response: HTTPResponse
        do {
            response = try await route(request, path: path)
        } catch {
            response = Self.restError(error)
        }
        log("\(request.method) \(path) → \(response.status)")
        return response
    }

    private func route(_ request: HTTPRequest, path: String) async throws -> HTTPResponse {
        let segments = path.split(separator: "/").map(String.init)
        if request.method == "GET", segments == ["health"] || segments == ["v2", "health"] {
            return HTTPResponse(status: 200, json: ["data": ["status": "ok"]])
        }
        if request.method == "POST", segments == ["gql"] { return await graphQL(request) }
        if request.method == "POST", segments == ["fn", "register"] { return await register(request) }
        if request.method == "GET", segments.count == 4, segments[0] == "apps", segments[2...] == ["api", "inngest"] {
            return try await introspect(appID: segments[1], request)
        }
        if segments.first == "v2" { return try await rest(request, Array(segments.dropFirst())) }
        if segments.starts(with: ["api", "developer", "v1", "api-keys"]) {
            return try await eventNerds(request, Array(segments.dropFirst(3)))
        }
        if segments.first == "self-hosted" { return try await selfHosted(request, Array(segments.dropFirst())) }
        return Self.restError(code: "not_found", "no route for \(request.method) \(path)", status: 404)
    }

    // MARK: - REST v2

    private func rest(_ request: HTTPRequest, _ segments: [String]) async throws -> HTTPResponse {
        guard let authorization = request.headers["Authorization"] else {
            return Self.restError(
                code: "authorization_header_missing", "the Authorization header is missing", status: 401)
        }
        let token = Self.bearer(authorization)
        let state = try await store.read("authenticate") { $0 }
        guard let token, state.acceptsAPIToken(token) else {
            return Self.restError(code: "invalid_api_key", "the API key is invalid", status: 401)
        }
        if let environment = request.headers["X-Inngest-Env"], !environment.isEmpty,
            environment.lowercased() != state.environment.lowercased()
        {
            return Self.restError(code: "env_not_found", "environment '\(environment)' not found", status: 404)
        }
        let method = request.method
        if method == "GET", segments == ["keys", "signing"] || segments == ["keys", "events"] {
            let keys = try await platform.listKeys(segments[1] == "signing" ? .signing : .event)
            return Self.page(keys.map { ($0.id, Self.restKey($0, environment: state.environment)) }, request)
        }
        if method == "GET", segments == ["apps"] {
            return Self.page(state.apps.map { ($0.id, Self.restApp($0, in: state)) }, request)
        }
        if method == "GET", segments.count == 2, segments[0] == "apps" {
            guard let index = state.appIndex(segments[1]) else {
                return Self.restError(code: "not_found", "app '\(segments[1])' not found", status: 404)
            }
            return HTTPResponse(status: 200, json: Self.envelope(Self.restApp(state.apps[index], in: state)))
        }
        if method == "POST", segments.count == 3, segments[0] == "apps", segments[2] == "syncs" {
            return try await resync(segments[1], request)
        }
        if method != "GET" && method != "POST" {
            return Self.restError(code: "invalid_request", "method \(method) is not allowed here", status: 405)
        }
        return Self.restError(
            code: "not_implemented",
            "the sandbox does not implement \(method) /v2/\(segments.joined(separator: "/"))",
            status: 501
        )
    }

    /// `POST /v2/apps/{id}/syncs`: a real PUT to apps with a URL, the emulated sync otherwise.
    private func resync(_ id: String, _ request: HTTPRequest) async throws -> HTTPResponse {
        let requested = (request.body.isEmpty ? nil : try? JSONValue.parse(request.body))?["url"]?.stringValue
        let target = try await store.read("resyncApp") { state -> (appID: String, url: String?)? in
            guard let index = state.appIndex(id) else { return nil }
            return (state.apps[index].id, state.apps[index].url.map { requested ?? $0 })
        }
        guard let target else { return Self.restError(code: "not_found", "app '\(id)' not found", status: 404) }
        let result: SyncResult
        if let url = target.url {
            result = await syncOverHTTP(appID: target.appID, url: url)
        } else {
            result = try await platform.resyncApp(id: target.appID, url: nil)
        }
        log("resync \(target.appID): \(result.status.rawValue)\(result.message.map { " (\($0))" } ?? "")")
        var data = JSONObject(pairs: [
            "id": .string(result.syncID ?? ""),
            "status": .string(result.status.rawValue),
            "appId": .string(target.appID),
        ])
        if result.status == .error {
            data["error"] = ["code": "app_sync_failed", "message": .string(result.message ?? "the sync failed")]
        }
        return HTTPResponse(status: result.status == .error ? 422 : 200, json: Self.envelope(.object(data)))
    }

    // MARK: - Wire shapes

    /// `{data, metadata}`.
    static func envelope(_ data: JSONValue) -> JSONValue {
        ["data": data, "metadata": ["fetchedAt": .string(InngestWireTime.format(Date())), "cachedUntil": nil]]
    }

    /// A page of `elements` after the `cursor` query parameter (an element id), `limit` (1-100, default 20)
    /// long. As proto3 JSON, `hasMore` is left out when false.
    static func page(_ elements: [(id: String, json: JSONValue)], _ request: HTTPRequest) -> HTTPResponse {
        let query = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        var limit = 20
        if let text = query.first(where: { $0.name == "limit" })?.value {
            guard let value = Int(text), (1...100).contains(value) else {
                return restError(code: "invalid_field_format", "limit must be between 1 and 100", status: 400)
            }
            limit = value
        }
        var start = 0
        if let cursor = query.first(where: { $0.name == "cursor" })?.value, !cursor.isEmpty {
            guard let index = elements.firstIndex(where: { $0.id == cursor }) else {
                return restError(code: "invalid_request", "the cursor is not valid", status: 400)
            }
            start = index + 1
        }
        let end = min(elements.count, start + limit)
        let slice = start < end ? Array(elements[start..<end]) : []
        var page = JSONObject(pairs: ["limit": .number(Double(limit))])
        if end < elements.count, let last = slice.last {
            page["cursor"] = .string(last.id)
            page["hasMore"] = true
        }
        guard case .object(var body) = envelope(.array(slice.map(\.json))) else { preconditionFailure("an object") }
        body["page"] = .object(page)
        return HTTPResponse(status: 200, json: .object(body))
    }

    static func restKey(_ key: PlatformKey, environment: String) -> JSONValue {
        var object = JSONObject(pairs: [
            "id": .string(key.id),
            "environment": .string(environment),
            "key": .string(key.secret?.exposeValue() ?? ""),
        ])
        if let name = key.name { object["name"] = .string(name) }
        if let createdAt = key.createdAt { object["createdAt"] = .string(InngestWireTime.format(createdAt)) }
        return .object(object)
    }

    static func restApp(_ app: SandboxState.App, in state: SandboxState) -> JSONValue {
        var object = JSONObject(pairs: ["id": .string(app.id), "name": .string(app.name), "method": "SERVE"])
        if let last = app.syncs.last {
            let reported = state.reportedSync(last)
            var sync = JSONObject(pairs: [
                "status": .string(reported.status.rawValue), "syncedAt": .string(InngestWireTime.format(last.at)),
            ])
            if let url = app.url { sync["url"] = .string(url) }
            if let message = reported.message { sync["error"] = .string(message) }
            object["latestSync"] = .object(sync)
        } else if let url = app.url {
            object["latestSync"] = ["url": .string(url)]
        }
        return .object(object)
    }

    /// The token of `Bearer <token>`.
    static func bearer(_ authorization: String) -> String? {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// `{"errors": [{code, message}]}` with `status`.
    static func restError(code: String, _ message: String, status: Int) -> HTTPResponse {
        HTTPResponse(status: status, json: ["errors": [["code": .string(code), "message": .string(message)]]])
    }

    /// The REST error for a thrown error (platform rules, state file problems).
    static func restError(_ error: any Error) -> HTTPResponse {
        let platformError = (error as? PlatformError) ?? (error as? SandboxError)?.platformError
        switch platformError {
        case .notFound(let message): return restError(code: "not_found", message, status: 404)
        case .rejected(let message): return restError(code: "invalid_request", message, status: 400)
        case .unauthorized(let message): return restError(code: "access_denied", message, status: 403)
        case .unsupported(let message): return restError(code: "not_implemented", message, status: 501)
        case .rateLimited(let message, let after):
            var response = restError(code: "rate_limited", message, status: 429)
            if let after { response.headers["Retry-After"] = String(Int(after.rounded(.up))) }
            return response
        case .transient(let message, _), .unavailable(let message):
            return restError(code: "internal_error", message, status: 503)
        case .invalidResponse(let message): return restError(code: "internal_error", message, status: 500)
        case nil: return restError(code: "internal_error", "\(error)", status: 500)
        }
    }
}

/// RFC 3339 UTC timestamps with milliseconds, as the platform writes them.
enum InngestWireTime {
    static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}

extension JSONObject {
    /// An object with the members in the order written.
    init(pairs: KeyValuePairs<String, JSONValue>) {
        self.init(pairs.map { (key: $0.key, value: $0.value) })
    }
}
