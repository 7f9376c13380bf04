import Foundation
import RekeyCore
import Testing

@testable import RekeyPlatforms

/// The `inngest-self-hosted` platform over a dotenv configuration, a restart command, and a scripted v2
/// API that answers with what the configuration file held at the last restart (as `inngest start` does).
@Suite struct SelfHostedPlatformTests {
    static let oldHex = String(repeating: "a", count: 64)
    static let newHex = String(repeating: "b", count: 64)

    /// A configuration file, a restart command that records the configuration as "running", and an API
    /// that answers from the running copy.
    final class Server: Sendable {
        let directory: String
        var config: String { directory + "/inngest.env" }
        var running: String { directory + "/running.env" }

        init() throws {
            directory = FileManager.default.temporaryDirectory.path + "/rekey-selfhosted-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let text = "# server\nINNGEST_PORT=8288\nINNGEST_SIGNING_KEY=\(oldHex)\nINNGEST_EVENT_KEY=ev-one,ev-two\n"
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            try text.write(toFile: running, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }

        /// The v2 API: Bearer must be the running key's hash (or the key itself).
        var transport: HTTPTransport {
            { [running] request in
                let document = DotenvDocument(parsing: (try? String(contentsOfFile: running, encoding: .utf8)) ?? "")
                let signing = document.value(of: "INNGEST_SIGNING_KEY") ?? ""
                let token = (request.headers["Authorization"] ?? "").replacingOccurrences(of: "Bearer ", with: "")
                guard token == signing || token == InngestSigningKey.hashed(Secret(signing)) else {
                    return HTTPResponse(status: 401, json: ["error": "unauthorized"])
                }
                let keys =
                    request.url.path.hasSuffix("/signing")
                    ? [signing] : (document.value(of: "INNGEST_EVENT_KEY") ?? "").split(separator: ",").map(String.init)
                return HTTPResponse(status: 200, json: ["data": .array(keys.map { ["key": .string($0)] })])
            }
        }

        func platform(
            restart: String = "cp inngest.env running.env", timeout: Double = 10, target: (any SecretTarget)? = nil,
            credential: String? = nil
        ) -> SelfHostedPlatform {
            SelfHostedPlatform(
                configuration: SelfHostedPlatform.Configuration(
                    apiURL: URL(string: "http://127.0.0.1:8288")!, target: target ?? DotenvTarget(path: config),
                    restart: ["/bin/sh", "-c", restart], restartTimeout: timeout, directory: directory,
                    environment: ["PATH": "/usr/bin:/bin"], credential: credential.map(Secret.init),
                    credentialSource: "INNGEST_SERVER_KEY"),
                transport: transport)
        }
    }

    @Test func listsTheConfiguredKeysWithStableIDs() async throws {
        let server = try Server()
        defer { server.remove() }
        let platform = server.platform()
        let signing = try await platform.listKeys(.signing)
        #expect(signing.count == 1)
        #expect(signing[0].isActive == true)
        #expect(signing[0].secret == Secret("signkey-prod-" + Self.oldHex), "apps get the prefixed form")
        let fingerprint = try #require(InngestSigningKey.fingerprint(Secret(Self.oldHex)))
        #expect(signing[0].id == ServerKeyID.of(.signing, fingerprint: fingerprint))
        let events = try await platform.listKeys(.event)
        #expect(events.map(\.secret) == [Secret("ev-one"), Secret("ev-two")])
        #expect(events[0].id == "event-" + Secret("ev-one").utf8Fingerprint.hex)
        #expect(platform.capabilities == [.listSigningKeys, .listEventKeys])
    }

    @Test func configureWritesTheWholeListRestartsAndTheAPIShowsIt() async throws {
        let server = try Server()
        defer { server.remove() }
        let platform = server.platform()
        try await platform.configure(
            signingKey: Secret("signkey-prod-" + Self.newHex), eventKeys: [Secret("ev-two"), Secret("ev-three")])
        let text = try String(contentsOfFile: server.config, encoding: .utf8)
        #expect(
            text
                == "# server\nINNGEST_PORT=8288\nINNGEST_SIGNING_KEY=\(Self.newHex)\nINNGEST_EVENT_KEY=ev-two,ev-three\n"
        )
        let running = try #require(
            try await platform.running(authenticatingWith: Secret("signkey-prod-" + Self.newHex)))
        #expect(running.signingKey == InngestSigningKey.fingerprint(Secret(Self.newHex)))
        #expect(running.eventKeys == [Secret("ev-two").utf8Fingerprint, Secret("ev-three").utf8Fingerprint])
        #expect(try await platform.running(authenticatingWith: Secret(Self.oldHex)) == nil, "the old key is refused")
    }

    @Test func aFailingRestartIsRefusedWithItsOutputScrubbedOfTheKeys() async throws {
        let server = try Server()
        defer { server.remove() }
        let platform = server.platform(restart: "cat inngest.env >&2; exit 4")
        let error = await #expect(throws: PlatformError.self) {
            try await platform.configure(signingKey: Secret(Self.newHex), eventKeys: [Secret("ev-secret-three")])
        }
        guard case .rejected(let message)? = error else {
            Issue.record("expected rejected, got \(String(describing: error))")
            return
        }
        #expect(message.contains("exited with status 4"))
        #expect(!message.contains(Self.newHex) && !message.contains("ev-secret-three"), "\(message)")
    }

    /// A restart that times out may have half-happened: running it again blindly (the engine retries
    /// retryable errors six times) restarts the server over and over. It fails once, clearly.
    @Test func aRestartThatTimesOutFailsOnceWithoutARetry() async throws {
        let server = try Server()
        defer { server.remove() }
        let platform = server.platform(restart: "sleep 10", timeout: 0.5)
        let error = await #expect(throws: PlatformError.self) {
            try await platform.configure(signingKey: nil, eventKeys: [Secret("ev-one")])
        }
        #expect(error?.isRetryable == false)
        #expect("\(String(describing: error))".contains("did not finish within 500ms"))
        #expect("\(String(describing: error))".contains("restartTimeout"))
    }

    @Test func aServerThatDoesNotComeBackAfterItsRestartFailsOnceWithoutARetry() async throws {
        let server = try Server()
        defer { server.remove() }
        let silent = SelfHostedPlatform(
            configuration: SelfHostedPlatform.Configuration(
                apiURL: URL(string: "http://127.0.0.1:8288")!, target: DotenvTarget(path: server.config),
                restart: ["/bin/sh", "-c", "true"], restartTimeout: 0.3, directory: server.directory,
                environment: ["PATH": "/usr/bin:/bin"]),
            transport: { _ in throw PlatformError.transient("connection refused") })
        let error = await #expect(throws: PlatformError.self) {
            try await silent.configure(signingKey: nil, eventKeys: [Secret("ev-one")])
        }
        #expect(error?.isRetryable == false)
        #expect("\(String(describing: error))".contains("did not answer within 300ms"))
    }

    @Test func keysThatTheServerCantTakeAreRefusedBeforeAnythingIsWritten() async throws {
        let server = try Server()
        defer { server.remove() }
        let before = try String(contentsOfFile: server.config, encoding: .utf8)
        let platform = server.platform()
        await #expect(throws: PlatformError.self) {
            try await platform.configure(signingKey: Secret("nothex"), eventKeys: nil)
        }
        await #expect(throws: PlatformError.self) {
            try await platform.configure(signingKey: nil, eventKeys: [Secret("a,b")])
        }
        await #expect(throws: PlatformError.self) { try await platform.configure(signingKey: nil, eventKeys: []) }
        #expect(try String(contentsOfFile: server.config, encoding: .utf8) == before)
    }

    /// A configuration that can't be read back (an exec target).
    struct WriteOnly: SecretTarget {
        var summary: String { "exec deploy (server)" }
        func read(_ names: [String]) async throws -> [String: VariableState] {
            Dictionary(uniqueKeysWithValues: names.map { ($0, .unreadable) })
        }
        func apply(_ changes: [VariableChange]) async throws {}
    }

    @Test func aWriteOnlyConfigurationIsReadThroughTheAPIWithTheNamedCredential() async throws {
        let server = try Server()
        defer { server.remove() }
        let keys = try await server.platform(target: WriteOnly(), credential: Self.oldHex).listKeys(.event)
        #expect(keys.map(\.secret) == [Secret("ev-one"), Secret("ev-two")])

        let error = await #expect(throws: PlatformError.self) {
            _ = try await server.platform(target: WriteOnly()).listKeys(.signing)
        }
        #expect("\(String(describing: error))".contains("signingKeyEnv"))
        let refused = await #expect(throws: PlatformError.self) {
            _ = try await server.platform(target: WriteOnly(), credential: Self.newHex).listKeys(.signing)
        }
        #expect("\(String(describing: refused))".contains("INNGEST_SERVER_KEY"))
    }
}
