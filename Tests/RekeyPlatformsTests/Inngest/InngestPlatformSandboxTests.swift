import Foundation
import RekeyCore
import RekeySandbox
import Testing

@testable import RekeyPlatforms

/// The `inngest` platform over real HTTP against `rekey sandbox serve`'s server, in process: every
/// operation must leave the sandbox state exactly as the in-process sandbox platform would.
@Suite struct InngestPlatformSandboxTests {
    /// A scaffolded sandbox served on a free port, and the platform pointed at it.
    struct Served {
        let directory: String
        let store: SandboxStore
        let server: SandboxServer
        let apiKey: Secret
        let sessionToken: Secret

        static func start(eventKeys: Int = 3) async throws -> Served {
            let directory =
                FileManager.default.temporaryDirectory.path + "/rekey-platform-\(UUID().uuidString.prefix(8))"
            let scaffold = try SandboxScaffold.create(directory: directory, apps: 2, eventKeys: eventKeys)
            let store = SandboxStore(path: scaffold.statePath)
            try await SandboxServer.ensureCredentials(in: store)
            let state = try store.snapshot()
            return Served(
                directory: directory,
                store: store,
                server: try SandboxServer(store: store),
                apiKey: try #require(state.apiKey),
                sessionToken: try #require(state.sessionToken)
            )
        }

        func platform(session: Bool, pageSize: Int = 1, apiKey: Secret? = nil) -> InngestPlatform {
            InngestPlatform(
                configuration: InngestPlatform.Configuration(
                    apiURL: server.url,
                    graphqlURL: server.url.appendingPathComponent("gql"),
                    environment: "production",
                    apiKey: apiKey ?? self.apiKey,
                    sessionToken: session ? sessionToken : nil,
                    pageSize: pageSize
                ),
                transport: URLSessionTransport.make()
            )
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test(arguments: [true, false])
    func listsTheSandboxsKeysPageByPage(session: Bool) async throws {
        let served = try await Served.start(eventKeys: 4)
        defer { served.stop() }
        let platform = served.platform(session: session)
        let state = try served.store.snapshot()
        let signing = try await platform.listKeys(.signing)
        #expect(signing.map(\.id) == state.signingKeys.map(\.id))
        #expect(signing.map(\.secret) == state.signingKeys.map(\.key))
        #expect(signing.map(\.isActive) == [true])
        let events = try await platform.listKeys(.event)
        #expect(events.map(\.id) == state.eventKeys.map(\.id))
        #expect(events.map(\.name) == state.eventKeys.map(\.name))
        #expect(events.map(\.secret) == state.eventKeys.map(\.key))
        // Filters exist only in the dashboard API.
        #expect(events.map(\.filter) == (session ? state.eventKeys.map(\.filter) : state.eventKeys.map { _ in nil }))
        #expect(try await platform.listApps().map(\.id) == ["api", "worker"])
    }

    @Test func runsEveryKeyMutationThroughGraphQL() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        let platform = served.platform(session: true)
        let old = try #require(try served.store.snapshot().activeSigningKey)

        let created = try await platform.createKey(NewKeyRequest(kind: .signing))
        #expect(created.isActive == false)
        #expect(try served.store.snapshot().signingKeys.last?.key == created.secret)
        try await platform.deleteKey(.signing, id: created.id)
        #expect(try served.store.snapshot().signingKeys.map(\.id) == [old.id])

        let next = try await platform.createKey(NewKeyRequest(kind: .signing))
        await #expect(throws: PlatformError.self) { try await platform.deleteKey(.signing, id: old.id) }
        try await platform.promoteSigningKey(id: next.id)
        let after = try served.store.snapshot().signingKeys
        #expect(after.map(\.id) == [next.id] && after[0].active)

        let filter = KeyFilter(mode: .deny, events: ["internal/*"], ips: ["2001:db8::/32"])
        let eventKey = try await platform.createKey(
            NewKeyRequest(kind: .event, name: "Orders (rotated)", filter: filter))
        let stored = try #require(try served.store.snapshot().eventKeys.first { $0.id == eventKey.id })
        #expect(stored.name == "Orders (rotated)")
        #expect(stored.filter == filter)
        #expect(eventKey.secret == stored.key)
        try await platform.deleteKey(.event, id: eventKey.id)
        await #expect(throws: PlatformError.self) { try await platform.deleteKey(.event, id: eventKey.id) }
        #expect(try !served.store.snapshot().eventKeys.contains { $0.id == eventKey.id })
    }

    @Test func tellsTheActiveKeyApartWithoutGraphQL() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        let rest = served.platform(session: false)
        // A person creates the new key in the "dashboard" (the sandbox state) while REST observes.
        try await Task.sleep(for: .milliseconds(5))
        let new = try await served.store.mutate { try $0.createSigningKey() }
        let keys = try await rest.listKeys(.signing)
        #expect(keys.first { $0.id == new.id }?.isActive == false)
        #expect(keys.filter { $0.isActive == true }.count == 1)
        await #expect(throws: PlatformError.self) { try await rest.promoteSigningKey(id: new.id) }
        try await served.store.mutate { try $0.promoteSigningKey(id: new.id) }
        #expect(try await rest.listKeys(.signing).map(\.isActive) == [true])
    }

    @Test func resyncsThroughTheRESTAPIAndReadsFailures() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        let platform = served.platform(session: false)
        let ok = try await platform.resyncApp(id: "api", url: nil)
        #expect(ok.status == .success)
        let envFile = served.directory + "/apps/worker.env"
        var document = DotenvDocument(parsing: try FileIO.readText(envFile))
        document.set("INNGEST_SIGNING_KEY", to: "signkey-prod-" + String(repeating: "f", count: 64))
        try FileIO.writeAtomically(Array(document.text.utf8), to: envFile)
        let refused = try await platform.resyncApp(id: "worker", url: nil)
        #expect(refused == SyncResult(status: .error, message: "Your signing key is invalid", syncID: refused.syncID))
        await #expect(throws: PlatformError.self) { _ = try await platform.resyncApp(id: "nope", url: nil) }
    }

    /// Inngest may answer a sync `pending`; the app's `latestSync` (GET /v2/apps/{id}) tells the outcome later.
    @Test func followsAPendingSyncThroughTheAppsLatestSync() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        // Pending for a minute, far longer than the test; then the platform "finishes" (the window closes).
        try await served.store.mutate { $0.options.syncPendingMilliseconds = 60_000 }
        let platform = served.platform(session: false)
        #expect(try await platform.latestSync(appID: "api") == nil, "no sync yet")
        let pending = try await platform.resyncApp(id: "api", url: nil)
        #expect(pending.status == .pending)
        #expect(try await platform.latestSync(appID: "api")?.status == .pending)

        // A failed sync reads as failed once it is no longer pending, with the platform's message.
        let envFile = served.directory + "/apps/worker.env"
        var document = DotenvDocument(parsing: try FileIO.readText(envFile))
        document.set("INNGEST_SIGNING_KEY", to: "signkey-prod-" + String(repeating: "f", count: 64))
        try FileIO.writeAtomically(Array(document.text.utf8), to: envFile)
        #expect(try await platform.resyncApp(id: "worker", url: nil).status == .pending)
        #expect(try await platform.latestSync(appID: "worker")?.status == .pending)

        try await served.store.mutate { $0.options.syncPendingMilliseconds = nil }
        #expect(try await platform.latestSync(appID: "api")?.status == .success)
        let failed = try await platform.latestSync(appID: "worker")
        #expect(
            failed?.status == .error && failed?.message == "Your signing key is invalid",
            "\(String(describing: failed))")
    }

    @Test func reportsARefusedAPIKeyAsUnauthorized() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        let platform = served.platform(session: false, apiKey: Secret("sk-inn-api-not-this-one"))
        do {
            _ = try await platform.listKeys(.signing)
            Issue.record("expected unauthorized")
        } catch let error as PlatformError {
            guard case .unauthorized(let message) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(!message.contains("not-this-one"))
        }
    }

    @Test func verifiesAnEmulatedAppThroughItsServeEndpoint() async throws {
        let served = try await Served.start()
        defer { served.stop() }
        let url = served.server.url.appendingPathComponent("apps/api/api/inngest")
        let verifier = IntrospectionVerifier(url: url, transport: URLSessionTransport.make())
        let app = AppSpec(name: "api", target: .dotenv(path: served.directory + "/apps/api.env"))
        let active = try #require(try served.store.snapshot().activeSigningKey).key
        let report = try await verifier.inspect(app: app, signedWith: active)
        #expect(report.authenticated)
        #expect(report.signingKeyHash == InngestSigningKey.hashed(active))
        #expect(report.hasSigningKeyFallback == false)
        let stranger = Secret("signkey-prod-" + String(repeating: "e", count: 64))
        #expect(try await !verifier.accepts(app: app, signedWith: stranger))
    }
}
