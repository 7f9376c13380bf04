import RekeyCore

// What each platform operation is on the wire, for `rekey plan`.

extension InngestPlatform {
    /// The HTTP request or GraphQL operation behind `call`. No credential.
    public func describe(_ call: PlatformCall) -> String {
        let graphQLTarget = "POST \(HTTPRequest.display(configuration.graphqlURL))"
        func graphQL(_ operation: InngestGraphQL.Operation, _ arguments: String) -> String {
            "GraphQL \(operation.name)(\(arguments)) (\(graphQLTarget))"
        }
        let environment = "X-Inngest-Env: \(configuration.environment)"
        switch call {
        case .listKeys(.signing):
            if graphql != nil { return graphQL(InngestGraphQL.signingKeys, "envID") }
            return rest.display("GET", "/keys/signing") + " (\(environment), paginated)"
        case .listKeys(.event):
            if graphql != nil { return graphQL(InngestGraphQL.eventKeys, "envID") }
            return rest.display("GET", "/keys/events") + " (\(environment), paginated)"
        case .listKeys(.api), .createKey(.api, _, _), .deleteKey(.api, _):
            return "none: Inngest API keys are not rotated by rekey"
        case .createKey(.signing, _, _):
            return graphQL(InngestGraphQL.createSigningKey, "envID")
        case .createKey(.event, let name, let filter):
            let filter = filter ?? .unrestricted
            let mode = filter.isEmpty ? KeyFilter.Mode.deny : filter.mode
            return graphQL(
                InngestGraphQL.createEventKey,
                "name: '\(name ?? "?")', source: key, filterList: {type: \(mode.rawValue), "
                    + "events: [\(filter.events.joined(separator: ", "))], ips: [\(filter.ips.joined(separator: ", "))]}"
            )
        case .promoteSigningKey(let id):
            return graphQL(InngestGraphQL.rotateSigningKey, "envID") + ", after checking that \(id) is the inactive key"
        case .deleteKey(.signing, let id):
            return graphQL(InngestGraphQL.deleteSigningKey, "id: \(id)")
        case .deleteKey(.event, let id):
            return graphQL(InngestGraphQL.deleteEventKey, "id: \(id), workspaceID: envID")
        case .listApps:
            return rest.display("GET", "/apps") + " (\(environment), paginated)"
        case .resyncApp(let id):
            let app = "/apps/\(InngestRESTClient.segment(id))"
            return rest.display("POST", app + "/syncs") + " {url}, reading the sync status from the body (if "
                + "'pending', " + rest.display("GET", app) + " until its latestSync ends)"
        case .configureServer:
            return "none: Inngest Cloud is not configured through a server's configuration"
        }
    }
}
