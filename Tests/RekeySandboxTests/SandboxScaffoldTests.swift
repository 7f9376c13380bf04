import Foundation
import RekeyCore
import RekeySandbox
import Testing

@Suite struct SandboxScaffoldTests {
    @Test func writesPrivateFilesAndDirectories() async throws {
        try await TestSandbox.with { sandbox in
            let result = sandbox.scaffold
            #expect(result.statePath == result.directory + "/sandbox.json")
            #expect(result.playbookPath == result.directory + "/playbook.json")
            #expect(result.envFiles == ["api", "worker", "billing"].map { result.directory + "/apps/\($0).env" })
            for file in [result.statePath, result.playbookPath] + result.envFiles {
                let mode = try FileIO.mode(file)
                #expect(mode == 0o600, "\(file)")
            }
            for directory in [result.directory, result.directory + "/apps"] {
                let mode = try FileIO.mode(directory)
                #expect(mode == 0o700, "\(directory)")
            }
        }
    }

    @Test func createsTheEnvironmentWithOneActiveKeyAndDeployedApps() async throws {
        try await TestSandbox.with(apps: 5, eventKeys: 3) { sandbox in
            let state = try sandbox.state()
            #expect(state.environment == "production")
            #expect(state.environmentWord == "prod")
            #expect(state.signingKeys.count == 1 && state.signingKeys[0].active)
            #expect(state.options == SandboxState.Options(autoRedeploy: true, disabledCapabilities: []))
            #expect(state.apps.map(\.name) == ["api", "worker", "billing", "app-4", "app-5"])
            #expect(state.eventKeys.count == 3)
            #expect(Set(state.eventKeys.map(\.name)).count == 3)
            for app in state.apps {
                #expect(app.deployedAt != nil)
                #expect(app.envFile == "apps/\(app.name).env")
                #expect(app.running.signingKey == state.signingKeys[0].key)
                #expect(app.running.signingKeyFallback == nil)
            }
        }
    }

    @Test func envFilesHoldTheActiveKeyAndUseEveryEventKey() async throws {
        try await TestSandbox.with(apps: 5, eventKeys: 3) { sandbox in
            let state = try sandbox.state()
            var used = Set<String>()
            for (app, path) in zip(state.apps, sandbox.scaffold.envFiles) {
                let text = try FileIO.readText(path)
                let document = DotenvDocument(parsing: text)
                #expect(document.value(of: "INNGEST_SIGNING_KEY") == state.signingKeys[0].key.exposeValue())
                #expect(document.value(of: "INNGEST_SIGNING_KEY_FALLBACK") == nil)
                #expect(!text.contains("FALLBACK"))
                #expect(!text.contains("export "))
                #expect(text.hasPrefix("#"))
                #expect(document.value(of: "LOG_LEVEL") == "info")
                #expect(document.value(of: "DATABASE_URL") != nil)
                let eventKey = try #require(document.value(of: "INNGEST_EVENT_KEY"))
                #expect(state.eventKeys.contains { $0.key.exposeValue() == eventKey })
                #expect(app.running.eventKey?.exposeValue() == eventKey)
                used.insert(eventKey)
            }
            #expect(used == Set(state.eventKeys.map { $0.key.exposeValue() }))
        }
    }

    @Test func eventKeysHaveVariedFilters() async throws {
        try await TestSandbox.with(eventKeys: 2) { sandbox in
            let filters = try sandbox.state().eventKeys.map(\.filter)
            #expect(filters.contains { $0.mode == .allow && $0.events.contains { $0.hasSuffix("/*") } })
            #expect(filters.contains { $0.mode == .deny && !$0.isEmpty })
            let ips = Set(filters.flatMap(\.ips))
            #expect(ips.isSuperset(of: ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"]))
        }
    }

    @Test func thePlaybookRotatesEveryAppUnattended() async throws {
        try await TestSandbox.with { sandbox in
            let text = try FileIO.readText(sandbox.scaffold.playbookPath)
            #expect(text.hasPrefix("{\n  \"version\": 1,\n  \"name\": \"Sandbox rotation\","))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(json["version"] as? Int == 1)
            #expect(json["environment"] as? String == "production")
            #expect(json["procedure"] as? String == "inngest")
            let platform = try #require(json["platform"] as? [String: Any])
            #expect(platform["kind"] as? String == "sandbox")
            let state = try #require((platform["settings"] as? [String: Any])?["state"] as? String)
            #expect(sandbox.store.resolve(state) == sandbox.scaffold.statePath)
            let apps = try #require(json["apps"] as? [[String: Any]])
            #expect(apps.compactMap { $0["name"] as? String } == ["api", "worker", "billing"])
            for app in apps {
                let target = try #require(app["target"] as? [String: Any])
                #expect(target["kind"] as? String == "dotenv")
                let path = try #require(target["path"] as? String)
                #expect(FileIO.exists(sandbox.store.resolve(path)))
                #expect((app["verify"] as? [String: Any])?["kind"] as? String == "platform")
            }
            let options = try #require(json["options"] as? [String: Any])
            #expect(options["requireApproval"] as? [String] == ["rotate-signing-key"])
            #expect((options["confirmRedeploy"] as? [String: Any])?["mode"] as? String == "verify-or-approve")
        }
    }

    @Test func thePlaybookLoadsWithThePlaybookLoader() async throws {
        try await TestSandbox.with { sandbox in
            let playbook = try PlaybookLoader.load(path: sandbox.scaffold.playbookPath)
            #expect(playbook.platform == .sandbox(state: sandbox.scaffold.statePath))
            #expect(playbook.apps.map(\.name) == ["api", "worker", "billing"])
            #expect(playbook.apps.map(\.target) == sandbox.scaffold.envFiles.map { .dotenv(path: $0) })
            #expect(playbook.steps == StepID.inngestProcedure)
            #expect(playbook.options.requireApproval == [.rotateSigningKey])
        }
    }

    @Test func refusesANonEmptyDirectoryButFillsAnEmptyOne() async throws {
        try await withTemporaryDirectory { directory in
            let first = try SandboxScaffold.create(directory: directory)
            let before = try FileIO.read(first.statePath)
            #expect(throws: SandboxError.directoryNotEmpty(path: directory)) {
                try SandboxScaffold.create(directory: directory)
            }
            #expect(try FileIO.read(first.statePath) == before)
            #expect(try SandboxState.decode(before, path: first.statePath).apps.count == 3)
        }
        try await withTemporaryDirectory { directory in
            try FileIO.writeAtomically(Array("x".utf8), to: directory + "/notes.txt")
            #expect(throws: SandboxError.directoryNotEmpty(path: directory)) {
                try SandboxScaffold.create(directory: directory)
            }
            #expect(!FileIO.exists(directory + "/sandbox.json"))
        }
    }

    @Test func refusesZeroAppsAndAllowsZeroEventKeys() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: SandboxError.self) { try SandboxScaffold.create(directory: directory + "/a", apps: 0) }
            let result = try SandboxScaffold.create(directory: directory + "/b", apps: 1, eventKeys: 0)
            let text = try FileIO.readText(result.envFiles[0])
            #expect(DotenvDocument(parsing: text).value(of: "INNGEST_EVENT_KEY") == nil)
            #expect(try SandboxStore(path: result.statePath).snapshot().eventKeys.isEmpty)
        }
    }

    @Test func autoRedeployCanBeTurnedOff() async throws {
        try await TestSandbox.with(autoRedeploy: false) { sandbox in
            let state = try sandbox.state()
            #expect(state.options.autoRedeploy == false)
        }
    }
}
