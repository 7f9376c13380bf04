import Foundation
import Testing

@testable import RekeyCore

/// Playbooks of the platforms beyond Inngest Cloud: their settings, their procedures, and the app fields
/// of API-key platforms.
@Suite struct PlatformPlaybookLoaderTests {
    static func eventNerds(_ settings: JSONValue = [:], apps: JSONValue? = nil, extra: [(String, JSONValue)] = [])
        -> JSONValue
    {
        var object = JSONObject([
            (key: "version", value: 1),
            (key: "platform", value: ["kind": "eventnerds", "settings": settings]),
            (key: "environment", value: "production"),
            (
                key: "apps",
                value: apps ?? [
                    [
                        "name": "api", "apiKey": "Production API Key",
                        "target": ["kind": "dotenv", "path": "apps/api.env"],
                    ]
                ]
            ),
        ])
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    @Test func anEventNerdsPlaybookGetsTheDocumentedDefaults() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(Self.eventNerds())
        #expect(playbook.platform == .eventNerds(EventNerdsSettings()))
        #expect(playbook.procedure == "eventnerds")
        #expect(playbook.steps == [.createAPIKeys, .stageAPIKeys, .confirmRedeploy, .deleteOldAPIKeys])
        #expect(playbook.apps[0].apiKey == "Production API Key")
        #expect(playbook.apps[0].verify == .platform)
        #expect(playbook.apiKeyVariable(of: playbook.apps[0]) == "EVENTNERDS_API_KEY")
    }

    @Test func anAppNamesItsOwnVariable() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(
            Self.eventNerds(
                ["tokenEnv": "EN_JWT", "variable": "EN_KEY"],
                apps: [
                    ["name": "api", "apiKey": "k", "target": ["kind": "dotenv", "path": "apps/api.env"]],
                    [
                        "name": "worker", "apiKey": "k", "variable": "OTHER_KEY",
                        "target": ["kind": "dotenv", "path": "apps/worker.env"],
                    ],
                ]))
        guard case .eventNerds(let settings) = playbook.platform else {
            Issue.record("not eventnerds")
            return
        }
        #expect(settings.tokenEnv == "EN_JWT")
        #expect(playbook.apps.map { playbook.apiKeyVariable(of: $0) } == ["EN_KEY", "OTHER_KEY"])
    }

    @Test(
        arguments: [
            (
                "http to another host", ["baseURL": "http://eventnerds.com/api"], "platform.settings.baseURL",
                "http is allowed only for loopback hosts"
            ),
            (
                "a token in the playbook", ["token": "eyJ…"], "platform.settings.token",
                "credentials never go in a playbook"
            ),
            (
                "a token variable that is not a name", ["tokenEnv": "eyJ.abc"], "platform.settings.tokenEnv",
                "expected the name of an environment variable"
            ),
        ] as [(String, JSONValue, String, String)])
    func badEventNerdsSettingsAreReported(name: String, settings: JSONValue, path: String, message: String) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems(Self.eventNerds(settings))
        #expect(problems.contains { $0.jsonPath == path && $0.message.hasPrefix(message) }, "\(name): \(problems)")
    }

    @Test func anAPIKeyPlatformNeedsEachAppsKey() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems(
            Self.eventNerds(apps: [["name": "api", "target": ["kind": "dotenv", "path": "apps/api.env"]]]))
        #expect(problems.map(\.jsonPath) == ["apps[0].apiKey"])
    }

    @Test func apiKeyFieldsAreRefusedOnInngest() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        var document = PlaybookFixture.validDocument
        guard case .object(var root) = document, case .array(var apps)? = root["apps"], case .object(var app) = apps[0]
        else { return }
        app["apiKey"] = "x"
        apps[0] = .object(app)
        root["apps"] = .array(apps)
        document = .object(root)
        let problems = try fixture.problems(document)
        #expect(problems.map(\.jsonPath) == ["apps[0].apiKey"])
        #expect(problems.first?.message.contains("only to API-key platforms") == true)
    }

    @Test func aProcedureOfAnotherPlatformIsRefusedSayingWhose() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems(Self.eventNerds(extra: [("procedure", "inngest")]))
        let problem = try #require(problems.first)
        #expect(problem.jsonPath == "procedure")
        #expect(problem.message == "unknown procedure 'inngest'")
        #expect(problem.fix?.contains("use one of: eventnerds") == true)
        #expect(problem.fix?.contains("'inngest' is a procedure of platform kind 'inngest'") == true)
    }

    @Test func stepsAreCheckedAgainstTheirPlatformsOrder() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems(
            Self.eventNerds(extra: [("steps", ["create-api-keys", "stage-api-keys", "rotate-signing-key"])]))
        #expect(problems.first?.jsonPath == "steps[2]")
        #expect(problems.first?.fix?.contains("known steps: create-api-keys, stage-api-keys") == true)
    }

    @Test func aSelfHostedPlaybookNamesItsConfigurationAndRestartCommand() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        try fixture.write("server/inngest.env", "INNGEST_SIGNING_KEY=00\n")
        let playbook = try fixture.load([
            "version": 1,
            "platform": [
                "kind": "inngest-self-hosted",
                "settings": [
                    "target": ["kind": "dotenv", "path": "server/inngest.env"],
                    "restart": ["systemctl", "restart", "inngest"],
                    "restartTimeout": "90s", "signingKeyEnv": "INNGEST_SERVER_KEY",
                ],
            ],
            "environment": "production",
            "apps": [["name": "api", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
        ])
        guard case .inngestSelfHosted(let settings) = playbook.platform else {
            Issue.record("not self-hosted: \(playbook.platform)")
            return
        }
        #expect(settings.config == .dotenv(path: fixture.path("server/inngest.env")))
        #expect(settings.restart == ["systemctl", "restart", "inngest"])
        #expect(settings.restartTimeout == 90)
        #expect(settings.signingKeyEnv == "INNGEST_SERVER_KEY")
        #expect(settings.apiURL == "http://127.0.0.1:8288")
        #expect(settings.directory == fixture.directory)
        #expect(playbook.procedure == "inngest-self-hosted")
        #expect(playbook.steps == StepID.selfHostedProcedure)
        #expect(playbook.apps[0].verify == .approval)
    }

    @Test func aSelfHostedPlaybookWithoutRestartOrWithAManualTargetIsRefused() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems([
            "version": 1,
            "platform": ["kind": "inngest-self-hosted", "settings": ["target": ["kind": "manual", "where": "ops"]]],
            "environment": "production",
            "apps": [["name": "api", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
        ])
        #expect(Set(problems.map(\.jsonPath)) == ["platform.settings.target.kind", "platform.settings.restart"])
    }

    @Test func aPluginPlaybookKeepsItsCommandAndConfigButNoCredential() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        try fixture.write("plugins/acme.py", "")
        chmod(fixture.path("plugins/acme.py"), 0o755)
        let document: JSONValue = [
            "version": 1,
            "platform": [
                "kind": "exec",
                "settings": ["command": ["plugins/acme.py", "--fast"], "config": ["account": "a"], "timeout": 5],
            ],
            "environment": "production",
            "apps": [["name": "api", "apiKey": "k", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
        ]
        let playbook = try fixture.load(document)
        guard case .plugin(let settings) = playbook.platform else {
            Issue.record("not a plugin: \(playbook.platform)")
            return
        }
        #expect(settings.command == [fixture.path("plugins/acme.py"), "--fast"])
        #expect(settings.config == ["account": "a"])
        #expect(settings.timeout == 5)
        #expect(playbook.procedure == "api-keys")
        #expect(playbook.apps[0].verify == .approval)

        let withToken: JSONValue = [
            "version": 1,
            "platform": [
                "kind": "exec", "settings": ["command": ["python3", "x.py"], "config": ["api_key": "sk_live"]],
            ],
            "environment": "production",
            "apps": [["name": "api", "apiKey": "k", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
        ]
        let problems = try fixture.problems(withToken)
        #expect(problems.map(\.jsonPath) == ["platform.settings.config.api_key"])
        #expect(!problems.description.contains("sk_live"))
    }

    // MARK: - Shipped examples

    @Test(arguments: [
        ("eventnerds.json", ["deploy/checkin.env", "deploy/badges.env"]),
        (
            "eventnerds-local.json",
            ["local-sandbox/apps/api.env", "local-sandbox/apps/worker.env", "local-sandbox/apps/billing.env"]
        ),
        ("inngest-self-hosted.json", ["deploy/inngest.env", "deploy/api.env", "deploy/worker.env"]),
        ("plugin-example.json", ["deploy/billing.env", "deploy/public-api.env"]),
    ])
    func theShippedExamplesLoadOnceTheirFilesExist(name: String, files: [String]) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        for file in files { try fixture.write(file, "") }
        if name == "plugin-example.json" {
            try fixture.write("plugins/example-plugin.py", "")
        }
        try fixture.write("playbook.json", try FileIO.readText(PlaybookLoaderTests.playbooksDirectory + "/" + name))
        let playbook = try PlaybookLoader.load(path: fixture.path("playbook.json"))
        #expect(
            ProcedureCatalog.family(forPlatform: playbook.platform.kind)?.names.contains(playbook.procedure) == true)
    }
}
