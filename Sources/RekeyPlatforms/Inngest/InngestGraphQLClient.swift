import Foundation
import RekeyCore

/// Sends the dashboard's GraphQL operations (``InngestGraphQL``) with a dashboard session token.
struct InngestGraphQLClient: Sendable {
    let url: URL
    let token: Secret
    /// Where the token came from, for messages (`INNGEST_SESSION_TOKEN`).
    let tokenSource: String
    let http: HTTPClient
    let timeout: Double

    /// Runs `operation` with `variables` and returns its `data`.
    ///
    /// - Throws: ``PlatformError``: the HTTP status mapping, then GraphQL `errors` as `notFound` (a
    ///   message saying "not found"), `unauthorized` (unauthenticated, forbidden) or `rejected`.
    func execute(_ operation: InngestGraphQL.Operation, variables: JSONValue) async throws -> JSONValue {
        let body: JSONValue = [
            "operationName": .string(operation.name),
            "query": .string(operation.document),
            "variables": variables,
        ]
        let request = HTTPRequest(
            method: "POST",
            url: url,
            headers: [
                "Authorization": "Bearer " + token.exposeValue(),
                "Content-Type": "application/json",
                "Accept": "application/json",
            ],
            body: Array(body.serialized().utf8),
            timeout: timeout
        )
        let what = "GraphQL \(operation.name) (\(request))"
        let response: HTTPResponse
        do {
            response = try await http.checked(request)
        } catch PlatformError.unauthorized(let message) {
            throw PlatformError.unauthorized("\(message); the dashboard session token in \(tokenSource) was refused")
        }
        guard let json = response.json else { throw PlatformError.invalidResponse("\(what): the body is not JSON") }
        if let errors = json["errors"]?.arrayValue, !errors.isEmpty {
            let message = HTTPClient.scrub(
                errors.compactMap { $0["message"]?.stringValue }.joined(separator: "; "),
                removing: request.credentialValues
            )
            let lowered = message.lowercased()
            if lowered.contains("not found") { throw PlatformError.notFound("\(what): \(message)") }
            if lowered.contains("unauthenticated") || lowered.contains("unauthorized") || lowered.contains("forbidden")
            {
                throw PlatformError.unauthorized("\(what): \(message); check the session token in \(tokenSource)")
            }
            throw PlatformError.rejected("\(what): \(message)")
        }
        guard let data = json["data"], data != .null else { throw PlatformError.invalidResponse("\(what): no 'data'") }
        return data
    }
}
