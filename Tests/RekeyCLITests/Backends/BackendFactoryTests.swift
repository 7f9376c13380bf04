import RekeyCore
import RekeyPlatforms
import Testing

@testable import RekeyCLI

/// The `inngest` platform as the CLI builds it from a playbook and the environment.
@Suite struct BackendFactoryTests {
    static func playbook(sessionTokenEnv: String? = "INNGEST_SESSION_TOKEN") -> Playbook {
        Playbook(
            path: "/tmp/p.json",
            contentHash: "",
            platform: .inngest(InngestSettings(apiKeyEnv: "MY_INNGEST_KEY", sessionTokenEnv: sessionTokenEnv)),
            environment: "production",
            steps: StepID.inngestProcedure,
            procedure: "inngest",
            apps: [
                AppSpec(
                    name: "api", target: .dotenv(path: "/tmp/api.env"),
                    verify: .introspection(url: "https://api.example.com/api/inngest")),
                AppSpec(name: "worker", target: .dotenv(path: "/tmp/worker.env"), verify: .approval),
            ]
        )
    }

    @Test(arguments: [[:], ["MY_INNGEST_KEY": ""], ["INNGEST_API_KEY": "sk-inn-api-x"]])
    func refusesToStartWithoutTheAPIKeyThePlaybookNames(environment: [String: String]) {
        #expect(throws: BackendError.self) {
            _ = try BackendFactory().backends(for: Self.playbook(), environment: environment)
        }
        do {
            _ = try BackendFactory().backends(for: Self.playbook(), environment: environment)
        } catch let error as BackendError {
            guard case .missingCredential(let variable, _) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(variable == "MY_INNGEST_KEY")
            #expect(!"\(error)".contains("sk-inn-api-x"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        ([String: String](), PlatformCapabilities([.listSigningKeys, .listEventKeys, .listApps, .resyncApp])),
        (
            ["INNGEST_SESSION_TOKEN": ""],
            PlatformCapabilities([.listSigningKeys, .listEventKeys, .listApps, .resyncApp])
        ),
        (["INNGEST_SESSION_TOKEN": "session"], PlatformCapabilities.inngest),
    ])
    func mutatesKeysItselfOnlyWithASessionToken(extra: [String: String], capabilities: PlatformCapabilities) throws {
        let environment = extra.merging(["MY_INNGEST_KEY": "sk-inn-api-x"]) { $1 }
        let backends = try BackendFactory().backends(for: Self.playbook(), environment: environment)
        #expect(backends.platform.kind == "inngest")
        #expect(backends.platform.capabilities == capabilities)
    }

    @Test func verifiesByIntrospectionOnlyTheAppsThatAskForIt() throws {
        let backends = try BackendFactory().backends(for: Self.playbook(), environment: ["MY_INNGEST_KEY": "k"])
        let verifier = try #require(backends.verifiers["api"] as? IntrospectionVerifier)
        #expect(verifier.url.absoluteString == "https://api.example.com/api/inngest")
        #expect(backends.verifiers["worker"] == nil)
        #expect(backends.targets.keys.sorted() == ["api", "worker"])
    }
}
