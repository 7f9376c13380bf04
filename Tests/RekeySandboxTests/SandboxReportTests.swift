import Foundation
import RekeyCore
import RekeySandbox
import Testing

@Suite struct SandboxReportTests {
    /// A sandbox mid-rotation: two signing keys, new event keys, an app with an empty fallback, syncs.
    private func midRotation(_ sandbox: TestSandbox) async throws {
        let old = try sandbox.activeKey()
        let new = try #require(try await sandbox.platform.createKey(NewKeyRequest(kind: .signing)).secret)
        _ = try await sandbox.platform.createKey(
            NewKeyRequest(kind: .event, name: "Orders (rotated)", filter: KeyFilter(mode: .allow, events: ["orders/*"]))
        )
        try sandbox.stage(primary: new, fallback: old)
        try sandbox.setEnv("billing", "INNGEST_SIGNING_KEY_FALLBACK", "")
        _ = try await sandbox.platform.resyncApp(id: "api", url: nil)
        _ = try await sandbox.platform.resyncApp(id: "billing", url: nil)
        try await sandbox.platform.redeployAll()
    }

    /// Every key value in the state, with and without its `signkey-…-` prefix.
    private func keyMaterial(_ state: SandboxState) -> [String] {
        let signing = state.signingKeys.map { $0.key.exposeValue() }
        return signing + signing.map(InngestSigningKey.stripPrefix) + state.eventKeys.map { $0.key.exposeValue() }
    }

    @Test func neitherViewContainsKeyMaterial() async throws {
        try await TestSandbox.with { sandbox in
            try await midRotation(sandbox)
            let report = try await SandboxReport.load(from: sandbox.store)
            let material = keyMaterial(report.state)
            #expect(material.count == 7)  // 2 signing keys, with and without prefix, and 3 event keys
            for output in [report.text, report.json] {
                for value in material {
                    #expect(!output.contains(value))
                    #expect(!output.contains(String(value.prefix(24))))
                }
            }
        }
    }

    @Test func theTextViewShowsKeysAppsAndHazards() async throws {
        try await TestSandbox.with { sandbox in
            try await midRotation(sandbox)
            let report = try await SandboxReport.load(from: sandbox.store)
            let text = report.text
            let state = report.state
            for key in state.signingKeys {
                let fingerprint = try #require(key.fingerprint).hex
                #expect(text.contains("\(key.id)  \(key.active ? "ACTIVE  " : "inactive")  fingerprint \(fingerprint)"))
            }
            for key in state.eventKeys {
                #expect(text.contains("'\(key.name)'  fingerprint \(key.fingerprint)  \(key.filter.summary)"))
            }
            #expect(text.contains("EMPTY (hazard"))
            #expect(text.contains("Your signing key is invalid") || text.contains("success"))
            #expect(text.contains("auto-redeploy on"))
            let newKey = try #require(state.signingKeys.first { !$0.active })
            #expect(text.contains("signing key  \(try #require(newKey.fingerprint).hex)  \(newKey.id), inactive"))
        }
    }

    @Test func theJSONViewHasFingerprintsPerApp() async throws {
        try await TestSandbox.with { sandbox in
            try await midRotation(sandbox)
            let report = try await SandboxReport.load(from: sandbox.store)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
            )
            #expect(json["state"] as? String == sandbox.scaffold.statePath)
            let state = report.state
            let signingKeys = try #require(json["signingKeys"] as? [[String: Any]])
            #expect(
                signingKeys.compactMap { $0["fingerprint"] as? String } == state.signingKeys.map { $0.fingerprint!.hex }
            )
            let apps = try #require(json["apps"] as? [[String: Any]])
            let billing = try #require(apps.first { $0["name"] as? String == "billing" })
            let running = try #require(billing["running"] as? [String: Any])
            let fallback = try #require(running["signingKeyFallback"] as? [String: Any])
            #expect(fallback["state"] as? String == "empty")
            let primary = try #require(running["signingKey"] as? [String: Any])
            let newKey = try #require(state.signingKeys.first { !$0.active })
            #expect(primary["fingerprint"] as? String == newKey.fingerprint?.hex)
            #expect(primary["keyId"] as? String == newKey.id)
            let api = try #require(apps.first { $0["name"] as? String == "api" })
            let lastSync = try #require(api["lastSync"] as? [String: Any])
            #expect(lastSync["status"] as? String == "success")
            let eventKey = try #require((api["running"] as? [String: Any])?["eventKey"] as? [String: Any])
            #expect(eventKey["keyId"] as? String == state.eventKeys[0].id)
        }
    }

    @Test func anAppWithoutAFallbackShowsNone() async throws {
        try await TestSandbox.with { sandbox in
            let text = try await SandboxReport.load(from: sandbox.store).text
            #expect(text.contains("fallback     none\n"))
            #expect(text.contains("last sync    never"))
        }
    }
}
