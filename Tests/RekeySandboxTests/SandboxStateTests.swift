import Foundation
import RekeyCore
import RekeySandbox
import Testing

@Suite struct SandboxStateTests {
    /// A valid state file with `edit` applied to its JSON object.
    private func stateFile(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> [UInt8] {
        var state = SandboxState(environment: "production", environmentWord: "prod")
        state.signingKeys = [
            .init(
                id: "sk_000000000001",
                key: InngestSigningKey.generate(environmentWord: "prod"),
                active: true,
                createdAt: Date(timeIntervalSince1970: 1_700_000_000)
            )
        ]
        try state.createEventKey(name: "x", filter: .unrestricted, at: Date(timeIntervalSince1970: 1_700_000_000))
        state.apps = [.init(id: "api", name: "api", envFile: "apps/api.env")]
        var object = try #require(try JSONSerialization.jsonObject(with: Data(state.encoded())) as? [String: Any])
        edit(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    @Test func roundTripsThroughItsFileFormat() throws {
        let bytes = try stateFile()
        let state = try SandboxState.decode(bytes, path: "s.json")
        #expect(try SandboxState.decode(state.encoded(), path: "s.json") == state)
        let text = String(decoding: state.encoded(), as: UTF8.self)
        #expect(text.contains("\"version\" : 1"))
        // Codable goes through the same versioned format.
        #expect(try JSONDecoder().decode(SandboxState.self, from: Data(state.encoded())) == state)
    }

    @Test(arguments: [
        ("2026-11-23T13:57:04.094Z", "2026-11-23T13:57:04.094Z"),
        ("2026-11-23T13:57:04.999Z", "2026-11-23T13:57:04.999Z"),
        ("1969-12-31T23:59:59.001Z", "1969-12-31T23:59:59.001Z"),
        ("2026-11-23T13:57:04Z", "2026-11-23T13:57:04.000Z"),
    ])
    func datesKeepTheirMillisecondsAcrossSaves(written: String, expected: String) throws {
        var bytes = try stateFile { state in
            var keys = state["signingKeys"] as! [[String: Any]]
            keys[0]["createdAt"] = written
            state["signingKeys"] = keys
        }
        for _ in 0..<5 { bytes = try SandboxState.decode(bytes, path: "s.json").encoded() }
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"createdAt\" : \"\(expected)\""))
    }

    @Test(arguments: [0, 2, 99])
    func refusesOtherVersions(version: Int) throws {
        let bytes = try stateFile { $0["version"] = version }
        #expect(throws: SandboxError.unsupportedVersion(path: "/x/sandbox.json", version: version)) {
            try SandboxState.decode(bytes, path: "/x/sandbox.json")
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(SandboxState.self, from: Data(bytes))
        }
    }

    @Test(arguments: [
        ("{", "invalid JSON"),
        ("[]", "not a JSON object"),
        ("{}", "version: missing"),
    ])
    func refusesMalformedFiles(text: String, expected: String) throws {
        let error = #expect(throws: SandboxError.self) {
            try SandboxState.decode(Array(text.utf8), path: "/x/sandbox.json")
        }
        guard case .stateCorrupt(let path, let detail) = error else {
            Issue.record("expected stateCorrupt, got \(String(describing: error))")
            return
        }
        #expect(path == "/x/sandbox.json")
        #expect(detail.contains(expected))
        #expect(error?.description.contains("/x/sandbox.json") == true)
    }

    static let brokenShapes: [(String, @Sendable (inout [String: Any]) -> Void)] = [
        (
            "signingKeys: 0 keys are active",
            { state in
                var keys = state["signingKeys"] as! [[String: Any]]
                keys[0]["active"] = false
                state["signingKeys"] = keys
            }
        ),
        (
            "signingKeys[0].key: not of the form",
            { state in
                var keys = state["signingKeys"] as! [[String: Any]]
                keys[0]["key"] = "signkey-prod-nothex"
                state["signingKeys"] = keys
            }
        ),
        (
            "signingKeys[0].active: expected a boolean",
            { state in
                var keys = state["signingKeys"] as! [[String: Any]]
                keys[0]["active"] = "yes"
                state["signingKeys"] = keys
            }
        ),
        (
            "eventKeys[0].filter.mode: invalid value",
            { state in
                var keys = state["eventKeys"] as! [[String: Any]]
                keys[0]["filter"] = ["mode": "maybe", "events": [], "ips": []]
                state["eventKeys"] = keys
            }
        ),
        (
            "apps[0].envFile: missing",
            { state in
                var apps = state["apps"] as! [[String: Any]]
                apps[0]["envFile"] = nil
                state["apps"] = apps
            }
        ),
        (
            "unknown capability 'rotateEverything'",
            { state in
                state["options"] = ["autoRedeploy": true, "disabledCapabilities": ["rotateEverything"]]
            }
        ),
        ("environment: missing", { state in state["environment"] = nil }),
    ]

    @Test(arguments: brokenShapes)
    func refusesBrokenContentNamingTheField(expected: String, edit: @Sendable (inout [String: Any]) -> Void) throws {
        let bytes = try stateFile(edit)
        let error = #expect(throws: SandboxError.self) { try SandboxState.decode(bytes, path: "/x/sandbox.json") }
        guard case .stateCorrupt(_, let detail) = error else {
            Issue.record("expected stateCorrupt, got \(String(describing: error))")
            return
        }
        #expect(detail.contains(expected))
    }

    @Test func errorsAboutKeysNeverShowTheKey() throws {
        let bad = "signkey-prod-" + String(repeating: "z", count: 64)
        let bytes = try stateFile { state in
            var keys = state["signingKeys"] as! [[String: Any]]
            keys[0]["key"] = bad
            state["signingKeys"] = keys
        }
        let error = #expect(throws: SandboxError.self) { try SandboxState.decode(bytes, path: "s.json") }
        #expect(error?.description.contains("zzzz") == false)
    }

    @Test func describingAStateShowsNoKey() throws {
        let state = try SandboxState.decode(try stateFile(), path: "s.json")
        let key = state.signingKeys[0].key.exposeValue()
        #expect(!String(describing: state).contains(key))
        #expect(!String(reflecting: state).contains(key))
        #expect(!String(describing: state).contains(state.eventKeys[0].key.exposeValue()))
    }
}
