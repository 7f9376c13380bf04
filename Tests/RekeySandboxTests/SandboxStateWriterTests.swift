import Foundation
import RekeyCore
import Testing

@testable import RekeySandbox

/// The fast state writer writes the bytes `JSONEncoder` writes, for every part of the file format.
@Suite struct SandboxStateWriterTests {
    /// A state with every optional part of the format set, and odd strings.
    static func richState() throws -> SandboxState {
        var state = try SandboxState.decode(
            SandboxState(
                environment: "production",
                environmentWord: "prod",
                signingKeys: [
                    .init(
                        id: "sk_1", key: Secret("signkey-prod-" + String(repeating: "ab", count: 32)), active: true,
                        createdAt: Date(timeIntervalSince1970: 1_795_000_000.094))
                ],
                eventKeys: [],
                options: .init(autoRedeploy: false, disabledCapabilities: ["createSigningKey"])
            ).encoded(), path: "s.json")
        try state.createEventKey(
            name: "Odd \"name\" \\ / \n\t\u{1} é ✓ 😀",
            filter: KeyFilter(mode: .allow, events: ["orders/*"], ips: ["10.0.0.0/8", "2001:db8::/32"]),
            at: Date(timeIntervalSince1970: 1_700_000_000.5))
        try state.createEventKey(name: "Unfiltered", filter: .unrestricted, at: Date(timeIntervalSince1970: 0.001))
        state.apps = [
            .init(
                id: "api", name: "api", envFile: "apps/api.env",
                running: .init(
                    signingKey: Secret("a"), signingKeyFallback: nil, eventKey: Secret(""), apiKey: Secret("k")),
                deployedAt: Date(timeIntervalSince1970: 1_795_000_001.999),
                syncs: [
                    .init(
                        id: "sync_1", at: Date(timeIntervalSince1970: 1_795_000_002), status: .error,
                        signingKeyFingerprint: Fingerprint(hex: "0123456789ab"), message: "bad key"),
                    .init(id: "sync_2", at: Date(timeIntervalSince1970: 1_795_000_003), status: .success),
                ],
                url: "http://127.0.0.1:3000/api/inngest", apiKeyVariable: "EN_API_KEY"),
            .init(
                id: "worker", name: "worker", envFile: "apps/worker.env", running: .init(), deployedAt: nil, syncs: []),
        ]
        state.apiKey = Secret("sk-inn-api-1")
        state.sessionToken = Secret("session-1")
        state.apiKeys = [
            .init(
                id: "ak_1", name: "Primary", prefix: "en_", key: Secret("en_secret"), eventID: "evt_1",
                createdAt: Date(timeIntervalSince1970: 1_795_000_000),
                lastUsedAt: Date(timeIntervalSince1970: 1_795_000_500)),
            .init(
                id: "ak_2", name: "Spare", prefix: "en_", key: Secret("en_other"), eventID: nil,
                createdAt: Date(timeIntervalSince1970: 1_795_000_000), lastUsedAt: nil),
        ]
        state.eventNerdsToken = Secret("jwt")
        state.server = .init(
            name: "inngest", configFile: "server.json", signingKey: Secret("signkey-prod-00"),
            eventKeys: [Secret("e1"), Secret("e2")], startedAt: Date(timeIntervalSince1970: 1_795_000_000))
        return state
    }

    @Test func writesWhatJSONEncoderWritesForEveryPartOfTheFormat() throws {
        let state = try Self.richState()
        #expect(
            String(decoding: SandboxStateWriter.fastBytes(state), as: UTF8.self)
                == String(decoding: state.encoded(), as: UTF8.self))
    }

    @Test(arguments: [(1, 0), (3, 2), (50, 200)])
    func writesWhatJSONEncoderWritesForScaffoldedSandboxes(apps: Int, eventKeys: Int) async throws {
        try await TestSandbox.with(apps: apps, eventKeys: eventKeys) { sandbox in
            let state = try sandbox.state()
            #expect(SandboxStateWriter.fastBytes(state) == state.encoded())
        }
    }

    @Test func aSavedStateReadsBackAsItWas() async throws {
        try await TestSandbox.with { sandbox in
            let state = try Self.richState()
            try await sandbox.store.mutate { $0 = state }
            #expect(try sandbox.state() == state)
            #expect(try FileIO.read(sandbox.scaffold.statePath) == state.encoded())
        }
    }
}
