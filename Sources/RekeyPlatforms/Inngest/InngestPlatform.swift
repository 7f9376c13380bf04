import Foundation
import RekeyCore

/// Inngest Cloud (or anything speaking its API, such as `rekey sandbox serve`) as a ``Platform``.
///
/// - **Reads and resyncs** go through the REST API v2 with an API key: `GET /v2/keys/signing`,
///   `GET /v2/keys/events`, `GET /v2/apps` (all paginated, environment in `X-Inngest-Env`) and
///   `POST /v2/apps/{appId}/syncs`.
/// - **Key mutations** (create, rotate and delete signing keys; create and delete event keys with their
///   filters) exist only in the dashboard's GraphQL API (``InngestGraphQL``). With a dashboard session
///   token rekey performs them itself, and reads keys through GraphQL too (for the active flag and the
///   filters REST v2 lacks). Without one, ``capabilities`` leave them out, so the engine guides a person
///   through the dashboard (``instructions(for:)``) and observes the change through REST.
///
/// Which signing key is active, without GraphQL: REST v2 has no active flag. The platform's rules decide
/// it instead: a new key is always created inactive, an environment holds at most two keys, and a rotation
/// deletes the active key. So a lone key is the active one, and of two keys the *older* is active and the
/// newer is the inactive key waiting to be promoted. Two keys with the same (or no) creation time can't be
/// told apart, and rekey refuses to guess (``PlatformError/invalidResponse(_:)``).
///
/// Credentials come from the environment variables the playbook names, and never appear in errors.
public struct InngestPlatform: Platform, PlatformCallDescribing {
    /// Where and how to reach the platform.
    public struct Configuration: Sendable {
        /// REST base URL (`https://api.inngest.com`); `/v2` is added unless it is there.
        public var apiURL: URL
        /// GraphQL endpoint (`https://api.inngest.com/gql`).
        public var graphqlURL: URL
        /// The environment's name (`production`), sent as `X-Inngest-Env` and looked up as a slug.
        public var environment: String
        /// The environment's id for GraphQL, when known (else looked up by slug).
        public var environmentID: String?
        /// The REST API key.
        public var apiKey: Secret
        /// The variable the API key came from, for messages.
        public var apiKeySource: String
        /// A dashboard session token, enabling the GraphQL key mutations.
        public var sessionToken: Secret?
        /// The variable the session token came from (or would have), for messages.
        public var sessionTokenSource: String?
        /// Seconds one request may take.
        public var requestTimeout: Double
        /// Elements per page when listing (1-100).
        public var pageSize: Int

        public init(
            apiURL: URL,
            graphqlURL: URL,
            environment: String,
            environmentID: String? = nil,
            apiKey: Secret,
            apiKeySource: String = "INNGEST_API_KEY",
            sessionToken: Secret? = nil,
            sessionTokenSource: String? = nil,
            requestTimeout: Double = 30,
            pageSize: Int = 100
        ) {
            self.apiURL = apiURL
            self.graphqlURL = graphqlURL
            self.environment = environment
            self.environmentID = environmentID
            self.apiKey = apiKey
            self.apiKeySource = apiKeySource
            self.sessionToken = sessionToken
            self.sessionTokenSource = sessionTokenSource
            self.requestTimeout = requestTimeout
            self.pageSize = max(1, min(100, pageSize))
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let rest: InngestRESTClient
    let graphql: InngestGraphQLClient?
    private let environmentIDs: EnvironmentIDCache

    /// Creates the platform.
    ///
    /// - Parameters:
    ///   - configuration: URLs, environment and credentials.
    ///   - transport: How requests are sent (``URLSessionTransport/make()``, or a test double).
    public init(configuration: Configuration, transport: @escaping HTTPTransport) {
        self.configuration = configuration
        let http = HTTPClient(transport: transport)
        var base = configuration.apiURL
        if !base.path.hasSuffix("/v2") && !base.path.hasSuffix("/v2/") { base = base.appendingPathComponent("v2") }
        rest = InngestRESTClient(
            base: base,
            apiKey: configuration.apiKey,
            apiKeySource: configuration.apiKeySource,
            environment: configuration.environment,
            http: http,
            timeout: configuration.requestTimeout,
            pageSize: configuration.pageSize
        )
        graphql = configuration.sessionToken.map {
            InngestGraphQLClient(
                url: configuration.graphqlURL,
                token: $0,
                tokenSource: configuration.sessionTokenSource ?? "the session token variable",
                http: http,
                timeout: configuration.requestTimeout
            )
        }
        environmentIDs = EnvironmentIDCache(configuration.environmentID)
    }

    public var kind: String { "inngest" }

    /// Reads and resyncs always; the key mutations only with a session token.
    public var capabilities: PlatformCapabilities {
        graphql == nil ? Self.restCapabilities : .inngest
    }

    /// What REST v2 alone can do.
    public static let restCapabilities: PlatformCapabilities = [
        .listSigningKeys, .listEventKeys, .listApps, .resyncApp,
    ]

    public func secretsAreReadable(_ kind: KeyKind) -> Bool { kind != .api }

    // MARK: - Keys

    public func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
        switch kind {
        case .signing:
            if let graphql { return try await graphQLSigningKeys(graphql) }
            return try Self.activity(of: try await rest.list("/keys/signing").map(Self.restKey(.signing)))
        case .event:
            if let graphql { return try await graphQLEventKeys(graphql) }
            return try await rest.list("/keys/events").map(Self.restKey(.event))
        case .api:
            throw PlatformError.unsupported("Inngest API keys are managed in the dashboard's organization settings")
        }
    }

    public func createKey(_ request: NewKeyRequest) async throws -> PlatformKey {
        let graphql = try mutations("create a \(request.kind.rawValue) key")
        let environmentID = try await self.environmentID()
        switch request.kind {
        case .signing:
            _ = try await graphql.execute(InngestGraphQL.createSigningKey, variables: ["envID": .string(environmentID)])
            // The mutation returns only `createdAt`; the new key is the inactive one in the list.
            let keys = try await listKeys(.signing)
            guard let created = keys.first(where: { $0.isActive == false }) else {
                throw PlatformError.invalidResponse("createSigningKey succeeded but no inactive signing key is listed")
            }
            return created
        case .event:
            let filter = request.filter ?? .unrestricted
            // The dashboard never sends an empty allow-list (the backend rejects it): no filters is `deny` [].
            let mode = filter.isEmpty ? KeyFilter.Mode.deny : filter.mode
            let input: JSONValue = [
                "workspaceID": .string(environmentID),
                "name": .string(request.name ?? "rekey event key"),
                "source": "key",
                "filterList": [
                    "type": .string(mode.rawValue),
                    "events": .array(filter.events.map(JSONValue.string)),
                    "ips": .array(filter.ips.map(JSONValue.string)),
                ],
            ]
            let data = try await graphql.execute(InngestGraphQL.createEventKey, variables: ["input": input])
            guard let id = data["key"]?["id"]?.stringValue else {
                throw PlatformError.invalidResponse("createIngestKey returned no key id")
            }
            // The created key, when the response selects it whole; else it is read back from the list (one
            // listing of every key per creation, which a large fan-out can't afford).
            if let key = data["key"], key["presharedKey"]?.stringValue?.isEmpty == false {
                return try Self.graphQLEventKey(key)
            }
            return try await listKeys(.event).first { $0.id == id }
                ?? PlatformKey(kind: .event, id: id, name: request.name, filter: filter)
        case .api:
            throw PlatformError.unsupported("Inngest API keys are managed in the dashboard's organization settings")
        }
    }

    public func promoteSigningKey(id: String) async throws {
        let graphql = try mutations("rotate the signing key")
        // `rotateSigningKey` promotes whichever key is inactive: make sure that is the key we mean.
        let keys = try await listKeys(.signing)
        guard let key = keys.first(where: { $0.id == id }) else {
            throw PlatformError.notFound(
                "signing key \(id) does not exist in environment '\(configuration.environment)'")
        }
        guard key.isActive == false else {
            throw PlatformError.rejected("signing key \(id) is already the active key; there is nothing to rotate to")
        }
        let environmentID = try await self.environmentID()
        _ = try await graphql.execute(InngestGraphQL.rotateSigningKey, variables: ["envID": .string(environmentID)])
    }

    public func deleteKey(_ kind: KeyKind, id: String) async throws {
        let graphql = try mutations("delete a \(kind.rawValue) key")
        switch kind {
        case .signing:
            let keys = try await listKeys(.signing)
            guard let key = keys.first(where: { $0.id == id }) else {
                throw PlatformError.notFound(
                    "signing key \(id) does not exist in environment '\(configuration.environment)'")
            }
            guard key.isActive == false else {
                throw PlatformError.rejected("signing key \(id) is the active key; it can't be deleted, only rotated")
            }
            _ = try await graphql.execute(InngestGraphQL.deleteSigningKey, variables: ["signingKeyID": .string(id)])
        case .event:
            let environmentID = try await self.environmentID()
            let input: JSONValue = ["id": .string(id), "workspaceID": .string(environmentID)]
            do {
                _ = try await graphql.execute(InngestGraphQL.deleteEventKey, variables: ["input": input])
            } catch let error as PlatformError where !error.isRetryable {
                // Refused: say `notFound` when the key is gone (checked only now, so that a fan-out of
                // deletions doesn't list every key once per deletion).
                guard try await listKeys(.event).contains(where: { $0.id == id }) else {
                    throw PlatformError.notFound(
                        "event key \(id) does not exist in environment '\(configuration.environment)'")
                }
                throw error
            }
        case .api:
            throw PlatformError.unsupported("Inngest API keys are managed in the dashboard's organization settings")
        }
    }

    // MARK: - Apps

    public func listApps() async throws -> [PlatformApp] {
        try await rest.list("/apps").map { app in
            guard let id = app["id"]?.stringValue else {
                throw PlatformError.invalidResponse("GET /v2/apps: an app has no 'id'")
            }
            return PlatformApp(
                id: id, name: app["name"]?.stringValue ?? id, url: app["latestSync"]?["url"]?.stringValue)
        }
    }

    /// `POST /v2/apps/{appId}/syncs {url}`, reading the body: `status: error` and HTTP 422 are failed
    /// syncs with the platform's message (the SDK's own HTTP status is not trusted).
    public func resyncApp(id: String, url: String?) async throws -> SyncResult {
        var serveURL = url
        if serveURL == nil {
            let app = try await rest.get("/apps/" + InngestRESTClient.segment(id))
            serveURL = app["latestSync"]?["url"]?.stringValue
        }
        var body = JSONObject()
        if let serveURL { body["url"] = .string(serveURL) }
        let request = rest.request("POST", "/apps/\(InngestRESTClient.segment(id))/syncs", body: .object(body))
        let response = try await rest.http.send(request)
        if response.status == 422 || response.isSuccess, let data = response.json?["data"], data["status"] != nil {
            return try Self.syncResult(data, request: request)
        }
        if let error = HTTPClient.error(for: response, request: request) {
            if case .unauthorized(let message) = error {
                throw PlatformError.unauthorized("\(message); check the API key in \(configuration.apiKeySource)")
            }
            throw error
        }
        throw PlatformError.invalidResponse("\(request): the body has no 'data.status'")
    }

    /// `GET /apps/{id}`: the app's `latestSync` (status and error; it has no id).
    public func latestSync(appID: String) async throws -> SyncResult? {
        let path = "/apps/" + InngestRESTClient.segment(appID)
        let app = try await rest.get(path)
        guard let sync = app["latestSync"], sync["status"]?.stringValue != nil else { return nil }
        return try Self.syncResult(sync, request: rest.request("GET", path))
    }

    // MARK: - Internals

    /// The GraphQL client, or `unsupported` when there is no session token.
    private func mutations(_ what: String) throws -> InngestGraphQLClient {
        guard let graphql else {
            throw PlatformError.unsupported(
                "the REST API can't \(what); set \(configuration.sessionTokenSource ?? "a session token variable") "
                    + "to a dashboard session token, or do it in the dashboard"
            )
        }
        return graphql
    }

    /// The environment's id: configured, cached, or found by slug through GraphQL.
    func environmentID() async throws -> String {
        if let known = await environmentIDs.value { return known }
        let graphql = try mutations("find the environment's id")
        let data = try await graphql.execute(
            InngestGraphQL.environmentBySlug,
            variables: ["slug": .string(configuration.environment)]
        )
        guard let id = data["envBySlug"]?["id"]?.stringValue else {
            throw PlatformError.notFound(
                "no environment with slug '\(configuration.environment)'; check the playbook's environment, or set "
                    + "platform.settings.environmentID"
            )
        }
        await environmentIDs.set(id)
        return id
    }

    private func graphQLSigningKeys(_ graphql: InngestGraphQLClient) async throws -> [PlatformKey] {
        let environmentID = try await self.environmentID()
        let data = try await graphql.execute(InngestGraphQL.signingKeys, variables: ["envID": .string(environmentID)])
        guard let keys = data["environment"]?["signingKeys"]?.arrayValue else {
            throw PlatformError.invalidResponse("GetSigningKeys: no 'environment.signingKeys'")
        }
        return try keys.map { key in
            guard let id = key["id"]?.stringValue, let value = key["decryptedValue"]?.stringValue,
                let active = key["isActive"]?.boolValue
            else { throw PlatformError.invalidResponse("GetSigningKeys: a key lacks id, decryptedValue or isActive") }
            return PlatformKey(
                kind: .signing,
                id: id,
                isActive: active,
                secret: Secret(value),
                createdAt: key["createdAt"]?.stringValue.flatMap(InngestTimestamp.parse)
            )
        }
    }

    private func graphQLEventKeys(_ graphql: InngestGraphQLClient) async throws -> [PlatformKey] {
        let environmentID = try await self.environmentID()
        let data = try await graphql.execute(
            InngestGraphQL.eventKeys,
            variables: ["environmentID": .string(environmentID)]
        )
        guard let keys = data["environment"]?["ingestKeys"]?.arrayValue else {
            throw PlatformError.invalidResponse("GetIngestKeys: no 'environment.ingestKeys'")
        }
        return try keys.filter { ($0["source"]?.stringValue ?? "key") == "key" }.map(Self.graphQLEventKey)
    }

    /// A GraphQL `IngestKey {id, name, presharedKey, createdAt, filter}`.
    static func graphQLEventKey(_ key: JSONValue) throws -> PlatformKey {
        guard let id = key["id"]?.stringValue, let value = key["presharedKey"]?.stringValue else {
            throw PlatformError.invalidResponse("GetIngestKeys: a key lacks id or presharedKey")
        }
        return PlatformKey(
            kind: .event,
            id: id,
            name: key["name"]?.stringValue,
            secret: Secret(value),
            filter: try filter(key["filter"], key: id),
            createdAt: key["createdAt"]?.stringValue.flatMap(InngestTimestamp.parse)
        )
    }

    /// A GraphQL `filter {type, events, ips}` (null or empty lists: unrestricted).
    static func filter(_ value: JSONValue?, key: String) throws -> KeyFilter {
        guard let value, value != .null else { return .unrestricted }
        let events = value["events"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let ips = value["ips"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let type = value["type"]?.stringValue?.lowercased() ?? "deny"
        guard let mode = KeyFilter.Mode(rawValue: type) else {
            throw PlatformError.invalidResponse("event key \(key): unknown filter type '\(type)'")
        }
        return events.isEmpty && ips.isEmpty ? .unrestricted : KeyFilter(mode: mode, events: events, ips: ips)
    }

    /// A REST v2 `SigningKey` or `EventKey` `{id, name, environment, key, createdAt}`.
    static func restKey(_ kind: KeyKind) -> (JSONValue) throws -> PlatformKey {
        { element in
            guard let id = element["id"]?.stringValue, let value = element["key"]?.stringValue else {
                throw PlatformError.invalidResponse("GET /v2/keys/\(kind.rawValue): a key lacks 'id' or 'key'")
            }
            let name = element["name"]?.stringValue
            return PlatformKey(
                kind: kind,
                id: id,
                name: name?.isEmpty == true ? nil : name,
                secret: Secret(value),
                createdAt: element["createdAt"]?.stringValue.flatMap(InngestTimestamp.parse)
            )
        }
    }

    /// Marks which REST-listed signing key is active (see the type's discussion): a lone key is active;
    /// of two, the older is active and the newer inactive.
    ///
    /// - Throws: ``PlatformError/invalidResponse(_:)`` for more than two keys, or two keys whose creation
    ///   times don't tell them apart.
    static func activity(of keys: [PlatformKey]) throws -> [PlatformKey] {
        switch keys.count {
        case 0: return []
        case 1:
            var key = keys[0]
            key.isActive = true
            return [key]
        case 2:
            guard let first = keys[0].createdAt, let second = keys[1].createdAt, first != second else {
                throw PlatformError.invalidResponse(
                    "the REST API lists two signing keys without distinct creation times, so rekey can't tell which "
                        + "is active; set a dashboard session token (platform.settings.sessionTokenEnv) so rekey "
                        + "reads the active flag from the dashboard API"
                )
            }
            var sorted = first < second ? keys : [keys[1], keys[0]]
            sorted[0].isActive = true
            sorted[1].isActive = false
            return sorted
        default:
            throw PlatformError.invalidResponse(
                "the REST API lists \(keys.count) signing keys; an environment holds at most two (active and inactive)"
            )
        }
    }

    static func syncResult(_ data: JSONValue, request: HTTPRequest) throws -> SyncResult {
        guard let text = data["status"]?.stringValue, let status = SyncResult.Status(rawValue: text.lowercased()) else {
            throw PlatformError.invalidResponse(
                "\(request): unknown sync status \(data["status"]?.serialized() ?? "null")")
        }
        let message = data["error"]?["message"]?.stringValue ?? data["error"]?.stringValue
        let scrubbed = message.map { HTTPClient.scrub($0, removing: request.credentialValues) }
        return SyncResult(
            status: status,
            message: scrubbed ?? (status == .error ? "the platform reported a failed sync without a message" : nil),
            syncID: data["id"]?.stringValue
        )
    }
}

/// The environment id once found (GraphQL needs it for every key operation).
private actor EnvironmentIDCache {
    private(set) var value: String?

    init(_ value: String?) { self.value = value }

    func set(_ id: String) { value = id }
}
