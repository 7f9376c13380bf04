import Foundation
import RekeyCore
import RekeyPlatforms

// The dashboard's GraphQL operations that rekey sends (``InngestGraphQL``), answered from the state.
// Operations are recognised by name; the shapes returned are the ones those documents select.

extension SandboxAPI {
    /// `POST /gql` with the sandbox's session token.
    func graphQL(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            let state = try await store.read("authenticate") { $0 }
            guard let token = request.headers["Authorization"].flatMap(Self.bearer), state.acceptsSessionToken(token)
            else {
                return HTTPResponse(status: 401, json: ["errors": [["message": "unauthenticated: sign in again"]]])
            }
            guard let body = try? JSONValue.parse(request.body), let operation = Self.operationName(body) else {
                return Self.graphQLError("the request is not a GraphQL operation")
            }
            let variables = body["variables"] ?? .object(JSONObject())
            return HTTPResponse(status: 200, json: ["data": try await execute(operation, variables, state)])
        } catch {
            let platformError = (error as? PlatformError) ?? (error as? SandboxError)?.platformError
            switch platformError {
            case .notFound(let message), .rejected(let message), .unsupported(let message):
                return Self.graphQLError(message)
            case .transient, .rateLimited, .unavailable:
                // Failures of the service itself are HTTP errors, as in front of a real GraphQL server.
                return Self.restError(error)
            default:
                return Self.graphQLError("\(error)")
            }
        }
    }

    private func execute(_ operation: String, _ variables: JSONValue, _ state: SandboxState) async throws -> JSONValue {
        switch operation {
        case InngestGraphQL.environmentBySlug.name:
            let slug = variables["slug"]?.stringValue ?? ""
            guard slug.lowercased() == state.environment.lowercased() else { return ["envBySlug": nil] }
            return [
                "envBySlug": [
                    "id": .string(state.environmentID), "name": .string(state.environment),
                    "slug": .string(state.environment.lowercased()),
                ]
            ]
        case InngestGraphQL.signingKeys.name:
            try checkEnvironment(variables["envID"], state)
            let keys = try await platform.listKeys(.signing)
            return ["environment": ["signingKeys": .array(keys.map(Self.graphQLSigningKey))]]
        case InngestGraphQL.createSigningKey.name:
            try checkEnvironment(variables["envID"], state)
            let key = try await platform.createKey(NewKeyRequest(kind: .signing))
            log("graphql: created signing key \(key.id)")
            return ["createSigningKey": ["createdAt": .string(InngestWireTime.format(key.createdAt ?? Date()))]]
        case InngestGraphQL.rotateSigningKey.name:
            try checkEnvironment(variables["envID"], state)
            guard let inactive = state.signingKeys.first(where: { !$0.active }) else {
                throw PlatformError.rejected("there is no inactive signing key to rotate to; create one first")
            }
            try await platform.promoteSigningKey(id: inactive.id)
            log("graphql: rotated to signing key \(inactive.id); the old key is deleted")
            return ["rotateSigningKey": ["createdAt": .string(InngestWireTime.format(inactive.createdAt))]]
        case InngestGraphQL.deleteSigningKey.name:
            let id = variables["signingKeyID"]?.stringValue ?? ""
            let createdAt = state.signingKeys.first { $0.id == id }?.createdAt ?? Date()
            try await platform.deleteKey(.signing, id: id)
            log("graphql: deleted signing key \(id)")
            return ["deleteSigningKey": ["createdAt": .string(InngestWireTime.format(createdAt))]]
        case InngestGraphQL.eventKeys.name:
            try checkEnvironment(variables["environmentID"], state)
            let keys = try await platform.listKeys(.event)
            return ["environment": ["ingestKeys": .array(keys.map(Self.graphQLEventKey))]]
        case InngestGraphQL.createEventKey.name:
            let input = variables["input"]
            try checkEnvironment(input?["workspaceID"], state)
            guard input?["source"]?.stringValue == "key" else {
                throw PlatformError.rejected("the sandbox creates only event keys (source \"key\"), not webhooks")
            }
            let filter = try Self.filter(input?["filterList"])
            let key = try await platform.createKey(
                NewKeyRequest(kind: .event, name: input?["name"]?.stringValue, filter: filter)
            )
            log("graphql: created event key \(key.id) '\(key.name ?? "")' with \(filter.summary)")
            return ["key": Self.graphQLEventKey(key)]
        case InngestGraphQL.deleteEventKey.name:
            let input = variables["input"]
            try checkEnvironment(input?["workspaceID"], state)
            let id = input?["id"]?.stringValue ?? ""
            try await platform.deleteKey(.event, id: id)
            log("graphql: deleted event key \(id)")
            return ["deleteIngestKey": ["ids": [.string(id)]]]
        default:
            throw PlatformError.unsupported("the sandbox does not implement the GraphQL operation '\(operation)'")
        }
    }

    private func checkEnvironment(_ id: JSONValue?, _ state: SandboxState) throws {
        guard id?.stringValue == state.environmentID else {
            throw PlatformError.notFound("environment \(id?.stringValue ?? "null") not found")
        }
    }

    /// The operation's name: `operationName`, else the name after `query`/`mutation` in the document.
    static func operationName(_ body: JSONValue) -> String? {
        if let name = body["operationName"]?.stringValue, !name.isEmpty { return name }
        guard let document = body["query"]?.stringValue else { return nil }
        let words = document.split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == "{" })
        guard let index = words.firstIndex(where: { $0 == "query" || $0 == "mutation" }), index + 1 < words.count
        else { return nil }
        return String(words[index + 1])
    }

    static func graphQLError(_ message: String) -> HTTPResponse {
        HTTPResponse(status: 200, json: ["data": nil, "errors": [["message": .string(message)]]])
    }

    static func graphQLSigningKey(_ key: PlatformKey) -> JSONValue {
        [
            "createdAt": .string(InngestWireTime.format(key.createdAt ?? Date())),
            "decryptedValue": .string(key.secret?.exposeValue() ?? ""),
            "id": .string(key.id),
            "isActive": .bool(key.isActive == true),
        ]
    }

    static func graphQLEventKey(_ key: PlatformKey) -> JSONValue {
        let filter = key.filter ?? .unrestricted
        return [
            "id": .string(key.id),
            "name": key.name.map(JSONValue.string) ?? nil,
            "presharedKey": .string(key.secret?.exposeValue() ?? ""),
            "createdAt": .string(InngestWireTime.format(key.createdAt ?? Date())),
            "source": "key",
            "filter": [
                "type": .string(filter.mode.rawValue),
                "events": .array(filter.events.map(JSONValue.string)),
                "ips": .array(filter.ips.map(JSONValue.string)),
            ],
        ]
    }

    /// A `FilterListInput {type, events, ips}` (absent: no filters).
    static func filter(_ value: JSONValue?) throws -> KeyFilter {
        guard let value, value != .null else { return .unrestricted }
        let type = value["type"]?.stringValue ?? "deny"
        guard let mode = KeyFilter.Mode(rawValue: type) else {
            throw PlatformError.rejected("filterList.type must be \"allow\" or \"deny\", not '\(type)'")
        }
        return KeyFilter(
            mode: mode,
            events: value["events"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            ips: value["ips"]?.arrayValue?.compactMap(\.stringValue) ?? []
        )
    }
}
