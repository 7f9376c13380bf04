import Foundation
import RekeyCore

// The sandbox's emulation of an EventNerds account and of a self-hosted Inngest server, in process. The
// HTTP API (``SandboxAPI``) answers both wire protocols from these.

extension SandboxPlatform {
    // MARK: - EventNerds

    /// The account's API keys after the apps ran: with `autoRedeploy`, each app first picks up its env file,
    /// then every app uses the key it runs with (its `last_used_at` becomes now).
    public func eventNerdsKeys() async throws -> [SandboxState.APIKey] {
        try await store.mutate("eventnerds.listKeys") { state in
            if state.options.autoRedeploy {
                for index in state.apps.indices where state.apps[index].apiKeyVariable != nil {
                    try redeployIfChanged(appAt: index, in: &state)
                }
            }
            state.recordAPIKeyUsage()
            return state.apiKeys
        }
    }

    /// Creates an EventNerds API key.
    public func createEventNerdsKey(name: String, eventID: String?) async throws -> SandboxState.APIKey {
        try await store.mutate("eventnerds.createKey") { state in
            try state.createAPIKey(name: name, eventID: eventID)
        }
    }

    /// Deletes an EventNerds API key.
    public func deleteEventNerdsKey(id: String) async throws {
        try await store.mutate("eventnerds.deleteKey") { state in
            try state.deleteAPIKey(id: id)
        }
    }

    // MARK: - Self-hosted server

    /// Restarts the self-hosted server: it reads its configuration file (`INNGEST_SIGNING_KEY`, bare hex,
    /// and `INNGEST_EVENT_KEY`, comma-separated) and runs with it, as `inngest start` does.
    ///
    /// - Throws: ``SandboxError/appNotFound(_:)`` when the sandbox has no server;
    ///   ``SandboxError/envFileMissing(app:path:)`` when its configuration can't be read;
    ///   ``SandboxError/invalidArgument(_:)`` when the configuration has no valid signing key or no event key
    ///   (the real server refuses to start).
    @discardableResult
    public func restartServer() async throws -> SandboxState.Server {
        try await store.mutate("server.restart") { state in
            guard var server = state.server else { throw SandboxError.appNotFound("inngest-server") }
            let path = store.resolve(server.configFile)
            let text: String
            do {
                text = try FileIO.readText(path)
            } catch {
                throw SandboxError.envFileMissing(app: server.name, path: path)
            }
            let document = DotenvDocument(parsing: text)
            guard let signing = document.value(of: "INNGEST_SIGNING_KEY"), InngestSigningKey.isValidBareHex(signing)
            else {
                throw SandboxError.invalidArgument(
                    "\(server.name): INNGEST_SIGNING_KEY in \(server.configFile) must be 64 lowercase hex; the server "
                        + "does not start")
            }
            let events = (document.value(of: "INNGEST_EVENT_KEY") ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !events.isEmpty else {
                throw SandboxError.invalidArgument(
                    "\(server.name): INNGEST_EVENT_KEY in \(server.configFile) lists no key; the server does not start")
            }
            server.signingKey = Secret(signing)
            server.eventKeys = events.map(Secret.init)
            server.startedAt = Date()
            state.server = server
            return server
        }
    }
}
