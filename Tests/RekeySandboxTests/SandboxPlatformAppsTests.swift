import Foundation
import RekeyCore
import RekeySandbox
import Testing

@Suite struct SandboxPlatformAppsTests {
    @Test func listsTheScaffoldedApps() async throws {
        try await TestSandbox.with(apps: 4) { sandbox in
            let apps = try await sandbox.platform.listApps()
            #expect(apps.map(\.id) == ["api", "worker", "billing", "app-4"])
            #expect(apps.map(\.name) == ["api", "worker", "billing", "app-4"])
        }
    }

    @Test func resyncSucceedsWithTheActiveKey() async throws {
        try await TestSandbox.with { sandbox in
            let result = try await sandbox.platform.resyncApp(id: "api", url: nil)
            #expect(result.status == .success)
            #expect(result.message == nil)
            let sync = try #require(try sandbox.state().apps[0].syncs.last)
            #expect(sync.status == .success)
            #expect(sync.id == result.syncID)
            #expect(sync.signingKeyFingerprint == InngestSigningKey.fingerprint(try sandbox.activeKey()))
        }
    }

    @Test func resyncSucceedsThroughoutARotationWithNewPrimaryAndOldFallback() async throws {
        try await TestSandbox.with { sandbox in
            let old = try sandbox.activeKey()
            let new = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            let newSecret = try #require(new.secret)
            try sandbox.stage(primary: newSecret, fallback: old)

            // Before promotion the platform still accepts only the old key: the app's fallback.
            let before = try await sandbox.platform.resyncApp(id: "worker", url: nil)
            #expect(before.status == .success)
            #expect(try sandbox.state().apps[1].syncs.last?.signingKeyFingerprint == InngestSigningKey.fingerprint(old))

            try await sandbox.platform.promoteSigningKey(id: new.id)
            let after = try await sandbox.platform.resyncApp(id: "worker", url: nil)
            #expect(after.status == .success)
            #expect(
                try sandbox.state().apps[1].syncs.last?.signingKeyFingerprint
                    == InngestSigningKey.fingerprint(newSecret)
            )
            #expect(try sandbox.state().apps[1].syncs.count == 2)
        }
    }

    @Test func resyncFailsWhenTheAppRunsOnlyAKeyThatIsNoLongerActive() async throws {
        try await TestSandbox.with { sandbox in
            let new = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            try await sandbox.platform.promoteSigningKey(id: new.id)
            let result = try await sandbox.platform.resyncApp(id: "billing", url: nil)
            #expect(result.status == .error)
            #expect(!result.succeeded)
            #expect(result.message == "Your signing key is invalid")
            let sync = try #require(try sandbox.state().apps[2].syncs.last)
            #expect(sync.status == .error)
            #expect(sync.signingKeyFingerprint == nil)
            #expect(sync.message == "Your signing key is invalid")
        }
    }

    @Test func resyncOfAnUnknownAppIsNotFound() async throws {
        try await TestSandbox.with { sandbox in
            let error = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.resyncApp(id: "nope", url: nil)
            }
            guard case .notFound(let message) = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
            #expect(message.contains("'nope'"))
        }
    }

    @Test func withAutoRedeployOffAppsKeepRunningTheirLastDeploy() async throws {
        try await TestSandbox.with(autoRedeploy: false) { sandbox in
            let old = try sandbox.activeKey()
            let new = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            let newSecret = try #require(new.secret)
            try sandbox.setEnv("api", "INNGEST_SIGNING_KEY", newSecret.exposeValue())
            try await sandbox.platform.promoteSigningKey(id: new.id)

            // Not redeployed: the app still runs the old key only, so it refuses the new key and the sync fails.
            #expect(try await !sandbox.platform.accepts(app: sandbox.spec("api"), signedWith: newSecret))
            let inspection = try await sandbox.platform.inspect(app: sandbox.spec("api"), signedWith: old)
            #expect(inspection.signingKeyHash == InngestSigningKey.hashed(old))
            #expect(try await sandbox.platform.resyncApp(id: "api", url: nil).status == .error)

            let deployed = try await sandbox.platform.redeploy("api")
            #expect(deployed.running.signingKey == newSecret)
            #expect(try await sandbox.platform.accepts(app: sandbox.spec("api"), signedWith: newSecret))
            #expect(try await sandbox.platform.resyncApp(id: "api", url: nil).status == .success)
        }
    }

    @Test func withAutoRedeployOnAppsPickUpTheirEnvFile() async throws {
        try await TestSandbox.with(autoRedeploy: true) { sandbox in
            let deployedAt = try sandbox.state().apps[0].deployedAt
            let new = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            let newSecret = try #require(new.secret)
            try sandbox.setEnv("api", "INNGEST_SIGNING_KEY", newSecret.exposeValue())
            try await Task.sleep(for: .milliseconds(10))  // deployedAt has millisecond resolution on disk

            let inspection = try await sandbox.platform.inspect(app: sandbox.spec("api"), signedWith: newSecret)
            #expect(inspection.authenticated)
            #expect(inspection.signingKeyHash == InngestSigningKey.hashed(newSecret))
            let app = try sandbox.state().apps[0]
            #expect(app.running.signingKey == newSecret)
            #expect(try #require(app.deployedAt) > (try #require(deployedAt)))
            // Unchanged apps are not redeployed by polling.
            #expect(try sandbox.state().apps[1].deployedAt == deployedAt)
        }
    }

    @Test func redeployReadsAbsentAndEmptyVariablesDistinctly() async throws {
        try await TestSandbox.with(autoRedeploy: false) { sandbox in
            try sandbox.setEnv("api", "INNGEST_SIGNING_KEY_FALLBACK", "")
            try sandbox.setEnv("api", "INNGEST_EVENT_KEY", nil)
            let app = try await sandbox.platform.redeploy("api")
            #expect(app.running.signingKeyFallback == Secret(""))
            #expect(app.running.eventKey == nil)
            #expect(app.running.signingKey == (try sandbox.activeKey()))

            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(FileIO.read(sandbox.scaffold.statePath))) as? [String: Any]
            )
            let apps = try #require(json["apps"] as? [[String: Any]])
            let running = try #require(apps[0]["running"] as? [String: Any])
            #expect(running["signingKeyFallback"] as? String == "")
            #expect(running["eventKey"] is NSNull)
        }
    }

    @Test func redeployAllReadsEveryEnvFile() async throws {
        try await TestSandbox.with(autoRedeploy: false) { sandbox in
            let new = try #require(try await sandbox.platform.createKey(NewKeyRequest(kind: .signing)).secret)
            try sandbox.stage(primary: new, fallback: try sandbox.activeKey())
            try await sandbox.platform.redeployAll()
            for app in try sandbox.state().apps {
                #expect(app.running.signingKey == new)
                #expect(app.running.signingKeyFallback == (try sandbox.activeKey()))
            }
        }
    }

    @Test func aMissingEnvFileIsAnErrorNamingIt() async throws {
        try await TestSandbox.with(autoRedeploy: true) { sandbox in
            try FileIO.remove(sandbox.envPath("worker"))
            await #expect(throws: SandboxError.envFileMissing(app: "worker", path: sandbox.envPath("worker"))) {
                try await sandbox.platform.redeploy("worker")
            }
            let before = try sandbox.state()
            await #expect(throws: SandboxError.envFileMissing(app: "worker", path: sandbox.envPath("worker"))) {
                try await sandbox.platform.redeployAll()
            }
            #expect(try sandbox.state() == before)
            // Through the Platform protocol it is a PlatformError naming the file.
            let error = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.resyncApp(id: "worker", url: nil)
            }
            guard case .rejected(let message) = error else {
                Issue.record("expected rejected, got \(String(describing: error))")
                return
            }
            #expect(message.contains(sandbox.envPath("worker")))
        }
    }

    @Test func redeployOfAnUnknownAppNamesIt() async throws {
        try await TestSandbox.with { sandbox in
            await #expect(throws: SandboxError.appNotFound("ghost")) {
                try await sandbox.platform.redeploy("ghost")
            }
        }
    }
}
