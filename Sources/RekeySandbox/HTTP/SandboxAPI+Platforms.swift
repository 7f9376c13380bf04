import Foundation
import RekeyCore
import RekeyPlatforms

// The wire protocols of the other platforms the sandbox emulates:
// - EventNerds' API-keys API under `/api/developer/v1` (Bearer: the state's `eventNerdsToken`);
// - a self-hosted Inngest server's v2 key listing under `/self-hosted/v2` (Bearer: its signing key).

extension SandboxAPI {
    /// `GET|POST /api/developer/v1/api-keys`, `DELETE /api/developer/v1/api-keys/{id}`.
    func eventNerds(_ request: HTTPRequest, _ segments: [String]) async throws -> HTTPResponse {
        let state = try await store.read("authenticate") { $0 }
        guard let expected = state.eventNerdsToken else {
            return Self.eventNerdsError(404, ["success": false, "error": "this sandbox has no EventNerds account"])
        }
        guard let authorization = request.headers["Authorization"], let token = Self.bearer(authorization),
            token == expected.exposeValue()
        else {
            return Self.eventNerdsError(
                401, ["success": false, "error": "Unauthorized", "message": "Invalid or expired token"])
        }
        switch (request.method, segments.count) {
        case ("GET", 1):
            let keys = try await platform.eventNerdsKeys()
            return HTTPResponse(status: 200, json: ["success": true, "data": .array(keys.map(Self.wireKey))])
        case ("POST", 1):
            guard let body = try? JSONValue.parse(request.body), body.objectValue != nil else {
                return Self.eventNerdsError(
                    400, ["success": false, "error": ["code": "invalid_json", "message": "body must be JSON"]])
            }
            guard let name = body["name"]?.stringValue, !name.isEmpty else {
                return Self.eventNerdsError(400, ["success": false, "errors": ["name": ["is required"]]])
            }
            let eventID = body["event_id"]?.stringValue
            let key: SandboxState.APIKey
            do {
                key = try await platform.createEventNerdsKey(name: name, eventID: eventID)
            } catch PlatformError.rejected(let message) {
                return Self.eventNerdsError(
                    422, ["success": false, "error": ["code": "validation_error", "message": .string(message)]])
            }
            guard case .object(var data) = Self.wireKey(key) else { preconditionFailure("an object") }
            data["key"] = .string(key.key.exposeValue())
            data["last_used_at"] = nil
            data["prefix"] = nil
            return HTTPResponse(status: 201, json: ["success": true, "data": .object(data)])
        case ("DELETE", 2):
            do {
                try await platform.deleteEventNerdsKey(id: segments[1])
            } catch PlatformError.notFound {
                return Self.eventNerdsError(404, ["success": false, "message": "API key not found"])
            }
            return HTTPResponse(status: 200, json: ["success": true, "message": "API key deleted"])
        default:
            return Self.eventNerdsError(
                405, ["success": false, "error": .string("\(request.method) is not allowed on this resource")])
        }
    }

    static func wireKey(_ key: SandboxState.APIKey) -> JSONValue {
        var object = JSONObject(pairs: [
            "id": .string(key.id), "name": .string(key.name), "prefix": .string(key.prefix),
        ])
        object["event_id"] = key.eventID.map(JSONValue.string) ?? .null
        object["created_at"] = .string(InngestWireTime.format(key.createdAt))
        object["last_used_at"] = key.lastUsedAt.map { .string(InngestWireTime.format($0)) } ?? .null
        return .object(object)
    }

    static func eventNerdsError(_ status: Int, _ body: JSONValue) -> HTTPResponse {
        HTTPResponse(status: status, json: body)
    }

    /// `GET /self-hosted/v2/keys/signing|events`, `GET /self-hosted/health`: what the server runs with.
    func selfHosted(_ request: HTTPRequest, _ segments: [String]) async throws -> HTTPResponse {
        let state = try await store.read("server.api") { $0 }
        guard let server = state.server, server.signingKey != nil else {
            return Self.restError(code: "unavailable", "the self-hosted server is not running", status: 503)
        }
        if request.method == "GET", segments == ["health"] {
            return HTTPResponse(status: 200, json: ["status": 200, "message": "OK"])
        }
        guard let authorization = request.headers["Authorization"], let token = Self.bearer(authorization),
            state.serverAccepts(token)
        else {
            return Self.restError(code: "unauthorized", "unauthorized", status: 401)
        }
        if let environment = request.headers["X-Inngest-Env"], !environment.isEmpty, environment != "dev" {
            return Self.restError(code: "env_not_found", "environment '\(environment)' not found", status: 404)
        }
        let keys: [Secret]
        switch (request.method, segments) {
        case ("GET", ["v2", "keys", "signing"]): keys = server.signingKey.map { [$0] } ?? []
        case ("GET", ["v2", "keys", "events"]): keys = server.eventKeys
        default:
            return Self.restError(code: "not_implemented", "not implemented on a self-hosted server", status: 501)
        }
        let data = keys.map { key -> JSONValue in
            ["id": "", "name": "", "environment": "dev", "key": .string(key.exposeValue())]
        }
        return HTTPResponse(
            status: 200, json: ["data": .array(data), "page": ["limit": .number(Double(max(keys.count, 1)))]])
    }
}
