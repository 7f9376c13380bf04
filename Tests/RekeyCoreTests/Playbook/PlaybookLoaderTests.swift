import Foundation
import RekeyCrypto
import Testing

@testable import RekeyCore

/// One rule broken on purpose: apply `edits` to `base`, expect exactly one problem.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var base: JSONValue = PlaybookFixture.validDocument
    var edits: [(path: String, value: JSONValue?)]
    var path: String
    var message: String
    /// The fix must start with this, when given.
    var fix: String?

    var testDescription: String { name }

    var document: JSONValue {
        edits.reduce(base) { $0.setting($1.path, to: $1.value) }
    }
}

@Suite struct PlaybookLoaderTests {
    // MARK: - Valid playbooks

    @Test func loadsAValidSandboxPlaybook() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let path = try fixture.writePlaybook(PlaybookFixture.validDocument)
        let playbook = try PlaybookLoader.load(path: path)

        let expected = Playbook(
            path: path,
            contentHash: SHA256.hex(try FileIO.read(path)),
            name: "Sandbox rotation",
            platform: .sandbox(state: fixture.path("sandbox.json")),
            environment: "production",
            steps: StepID.inngestProcedure,
            procedure: "inngest",
            apps: [
                AppSpec(
                    name: "api", platformID: "api-id", target: .dotenv(path: fixture.path("apps/api.env")),
                    verify: .platform, eventKey: "Default ingest key"),
                AppSpec(name: "worker", target: .dotenv(path: fixture.path("apps/worker.env")), verify: .platform),
            ],
            options: PlaybookOptions(
                keyName: "{name} (rotated {date})", concurrency: 8,
                confirmRedeploy: ConfirmRedeployOptions(mode: .verifyOrApprove, timeout: 600, interval: 2),
                requireApproval: [.rotateSigningKey])
        )
        #expect(playbook == expected)
    }

    @Test func appliesDefaultsToAMinimalPlaybook() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(PlaybookFixture.minimalDocument)
        #expect(playbook.name == nil)
        #expect(playbook.procedure == "inngest")
        #expect(playbook.steps == StepID.inngestProcedure)
        #expect(playbook.apps == [AppSpec(name: "api", target: .dotenv(path: fixture.path("apps/api.env")))])
        #expect(playbook.apps[0].platformID == "api")
        #expect(playbook.apps[0].verify == .platform)
        #expect(playbook.options == PlaybookOptions())
    }

    @Test func appliesInngestDefaultsAndDefaultsVerifyToApproval() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(PlaybookFixture.inngestDocument)
        #expect(playbook.platform == .inngest(InngestSettings()))
        #expect(playbook.apps[0].verify == .approval)
        guard case .inngest(let settings) = playbook.platform else { return }
        #expect(settings.apiURL == "https://api.inngest.com")
        #expect(settings.graphqlURL == "https://api.inngest.com/gql")
        #expect(settings.apiKeyEnv == "INNGEST_API_KEY")
    }

    @Test func readsEveryInngestSettingAndIntrospectionVerify() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.inngestDocument
            .setting(
                "platform.settings",
                to: [
                    "apiURL": "http://127.0.0.1:8288", "graphqlURL": "http://[::1]:8288/gql", "apiKeyEnv": "MY_KEY",
                    "sessionTokenEnv": "_SESSION", "environmentID": "env-123",
                ]
            )
            .setting("apps[0].verify", to: ["kind": "introspection", "url": "http://localhost:3000/api/inngest"])
        let playbook = try fixture.load(document)
        #expect(
            playbook.platform
                == .inngest(
                    InngestSettings(
                        apiURL: "http://127.0.0.1:8288", graphqlURL: "http://[::1]:8288/gql", apiKeyEnv: "MY_KEY",
                        sessionTokenEnv: "_SESSION", environmentID: "env-123")))
        #expect(playbook.apps[0].verify == .introspection(url: "http://localhost:3000/api/inngest"))
    }

    @Test(
        arguments: [
            ("inngest", StepID.inngestProcedure),
            (
                "inngest-signing-key",
                [.createSigningKey, .stageSigningKeys, .confirmRedeploy, .rotateSigningKey, .resyncApps, .dropFallback]
            ),
            ("inngest-event-keys", [.createEventKeys, .stageEventKeys, .confirmRedeploy, .deleteOldEventKeys]),
        ] as [(String, [StepID])])
    func namedProceduresSelectTheirSteps(name: String, steps: [StepID]) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(PlaybookFixture.minimalDocument.setting("procedure", to: .string(name)))
        #expect(playbook.procedure == name)
        #expect(playbook.steps == steps)
    }

    @Test func explicitStepsMakeACustomProcedure() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let steps: JSONValue = ["create-signing-key", "stage-signing-keys", "confirm-redeploy"]
        let playbook = try fixture.load(PlaybookFixture.minimalDocument.setting("steps", to: steps))
        #expect(playbook.procedure == "custom")
        #expect(playbook.steps == [.createSigningKey, .stageSigningKeys, .confirmRedeploy])
    }

    @Test func acceptsDurationsAsNumbersAndEmptyApprovalList() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.validDocument
            .setting("options.confirmRedeploy", to: ["mode": "verify", "timeout": 90, "interval": "250ms"])
            .setting("options.requireApproval", to: [])
        let playbook = try fixture.load(document)
        #expect(playbook.options.confirmRedeploy == ConfirmRedeployOptions(mode: .verify, timeout: 90, interval: 0.25))
        #expect(playbook.options.requireApproval == [])
    }

    @Test func resolvesRelativePathsAgainstThePlaybookDirectory() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        try fixture.write("conf/shared.env", "A=1\n")
        let document = PlaybookFixture.minimalDocument
            .setting("platform.settings.state", to: "../sandbox.json")
            .setting("apps[0].target.path", to: "./shared.env")
            .setting(
                "apps[1]",
                to: ["name": "abs", "target": ["kind": "dotenv", "path": .string(fixture.path("apps/api.env"))]])
        let path = try fixture.writePlaybook(document, name: "conf/playbook.json")
        let playbook = try PlaybookLoader.load(path: path)
        #expect(playbook.platform == .sandbox(state: fixture.path("conf/../sandbox.json")))
        #expect(
            playbook.apps.map(\.target) == [
                .dotenv(path: fixture.path("conf/shared.env")), .dotenv(path: fixture.path("apps/api.env")),
            ])
    }

    @Test func makesARelativePlaybookPathAbsoluteAndKeepsItRelativeInErrors() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        try fixture.writePlaybook(PlaybookFixture.minimalDocument)
        // A path relative to the current directory, climbing to the root first.
        let depth = FileIO.currentDirectory().split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + fixture.directory.dropFirst() + "/playbook.json"
        let playbook = try PlaybookLoader.load(path: relative)
        #expect(playbook.path == fixture.path("playbook.json"))
        #expect(playbook.platform == .sandbox(state: fixture.path("sandbox.json")))

        try fixture.writePlaybook(PlaybookFixture.minimalDocument.setting("environment", to: ""))
        let error = #expect(throws: PlaybookError.self) { try PlaybookLoader.load(path: relative) }
        #expect(error?.path == relative)
        #expect(error?.description.hasPrefix("playbook '\(relative)': environment: must not be empty") == true)
    }

    @Test func contentHashIsTheSHA256OfTheBytes() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let bytes = Array(PlaybookFixture.minimalDocument.serialized().utf8)
        let playbook = try PlaybookLoader.load(bytes: bytes, path: fixture.path("in-memory.json"))
        #expect(playbook.contentHash == SHA256.hex(bytes))
        #expect(playbook.path == fixture.path("in-memory.json"))
        #expect(!FileIO.exists(fixture.path("in-memory.json")))
    }

    // MARK: - Every rule

    static let ruleCases: [RuleCase] = [
        // Root and version.
        RuleCase(
            name: "unknown field close to a known one", edits: [("nmae", "x")], path: "nmae",
            message: "unknown field 'nmae'", fix: "did you mean 'name'?"),
        RuleCase(
            name: "unknown field far from any", edits: [("colour", "x")], path: "colour",
            message: "unknown field 'colour'",
            fix:
                "remove it; allowed fields: $schema, version, name, platform, environment, procedure, steps, apps, "
                + "options"
        ),
        RuleCase(
            name: "unknown nested field", edits: [("apps[1].taget", "x")], path: "apps[1].taget",
            message: "unknown field 'taget'", fix: "did you mean 'target'?"),
        RuleCase(
            name: "unknown field with an odd key", edits: [("options.a b", 1)], path: "options[\"a b\"]",
            message: "unknown field 'a b'", fix: "remove it; allowed fields: keyName"),
        RuleCase(
            name: "version not an integer", edits: [("version", "1")], path: "version",
            message: "expected an integer, found a string"),
        RuleCase(
            name: "version with a fraction", edits: [("version", 1.5)], path: "version",
            message: "expected an integer, found 1.5"),
        RuleCase(
            name: "name not a string", edits: [("name", 5)], path: "name",
            message: "expected a string, found a number"),
        RuleCase(
            name: "$schema not a string", edits: [("$schema", true)], path: "$schema",
            message: "expected a string, found a boolean"),

        // Platform.
        RuleCase(
            name: "platform missing", edits: [("platform", nil)], path: "platform",
            message: "required field is missing",
            fix: "add \"platform\""),
        RuleCase(
            name: "platform not an object", edits: [("platform", "sandbox")], path: "platform",
            message: "expected an object, found a string"),
        RuleCase(
            name: "platform kind missing", edits: [("platform.kind", nil)], path: "platform.kind",
            message: "required field is missing", fix: "set it to one of: sandbox, inngest"),
        RuleCase(
            name: "platform kind unknown", edits: [("platform.kind", "aws")], path: "platform.kind",
            message: "unknown platform kind 'aws'", fix: "set it to one of: sandbox, inngest"),
        RuleCase(
            name: "platform kind misspelt", edits: [("platform.kind", "ingest")], path: "platform.kind",
            message: "unknown platform kind 'ingest'", fix: "did you mean 'inngest'?"),
        RuleCase(
            name: "sandbox settings missing", edits: [("platform.settings", nil)], path: "platform.settings",
            message: "required field is missing"),
        RuleCase(
            name: "sandbox state missing", edits: [("platform.settings.state", nil)], path: "platform.settings.state",
            message: "required field is missing"),
        RuleCase(
            name: "sandbox state file missing", edits: [("platform.settings.state", "missing.json")],
            path: "platform.settings.state", message: "file 'missing.json' does not exist",
            fix: "run 'rekey sandbox init DIR' or correct the path"),
        RuleCase(
            name: "sandbox state is a directory", edits: [("platform.settings.state", "apps")],
            path: "platform.settings.state", message: "'apps' is a directory", fix: "give the path of a file"),
        RuleCase(
            name: "sandbox state not a string", edits: [("platform.settings.state", 3)],
            path: "platform.settings.state",
            message: "expected a string, found a number"),
        RuleCase(
            name: "sandbox settings unknown field", edits: [("platform.settings.stat", "x")],
            path: "platform.settings.stat",
            message: "unknown field 'stat'", fix: "did you mean 'state'?"),
        RuleCase(
            name: "inngest apiURL over http to a remote host", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.apiURL", "http://api.inngest.com")], path: "platform.settings.apiURL",
            message: "http is allowed only for loopback hosts", fix: "use https://"),
        RuleCase(
            name: "inngest graphqlURL not http", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.graphqlURL", "ftp://example.com")], path: "platform.settings.graphqlURL",
            message: "expected an http:// or https:// URL"),
        RuleCase(
            name: "inngest URL with user info", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.apiURL", "https://user:pw@api.inngest.com")], path: "platform.settings.apiURL",
            message: "credentials never go in a playbook"),
        RuleCase(
            name: "inngest URL without host", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.apiURL", "https:///v2")], path: "platform.settings.apiURL",
            message: "the URL has no host"),
        RuleCase(
            name: "inngest URL with a bad port", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.apiURL", "https://localhost:99999")], path: "platform.settings.apiURL",
            message: "the URL's port is not a number between 1 and 65535"),
        RuleCase(
            name: "inngest apiKeyEnv holding a key", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.apiKeyEnv", "sk-inn-api-0123456789")], path: "platform.settings.apiKeyEnv",
            message:
                "expected the name of an environment variable (letters, digits and '_', not starting with a digit)",
            fix: "put the credential in an environment variable"),
        RuleCase(
            name: "inngest sessionTokenEnv starting with a digit", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.sessionTokenEnv", "1TOKEN")], path: "platform.settings.sessionTokenEnv",
            message: "expected the name of an environment variable (letters, digits and '_', not starting with a digit)"
        ),
        RuleCase(
            name: "inngest environmentID empty", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.environmentID", "")], path: "platform.settings.environmentID",
            message: "must not be empty"),
        RuleCase(
            name: "inngest settings unknown field", base: PlaybookFixture.inngestDocument,
            edits: [("platform.settings.apiUrl", "https://x")], path: "platform.settings.apiUrl",
            message: "unknown field 'apiUrl'", fix: "did you mean 'apiURL'?"),

        // Environment.
        RuleCase(
            name: "environment missing", edits: [("environment", nil)], path: "environment",
            message: "required field is missing"),
        RuleCase(
            name: "environment empty", edits: [("environment", "")], path: "environment", message: "must not be empty"),
        RuleCase(
            name: "environment not a string", edits: [("environment", ["production"])], path: "environment",
            message: "expected a string, found an array"),

        // Procedure and steps.
        RuleCase(
            name: "procedure and steps together", edits: [("steps", ["create-signing-key"])], path: "steps",
            message: "'procedure' and 'steps' cannot both be set"),
        RuleCase(
            name: "procedure unknown", edits: [("procedure", "rotate-all")], path: "procedure",
            message: "unknown procedure 'rotate-all'",
            fix: "use one of: inngest, inngest-signing-key, inngest-event-keys, or list 'steps'"),
        RuleCase(
            name: "procedure misspelt", edits: [("procedure", "ingest")], path: "procedure",
            message: "unknown procedure 'ingest'", fix: "did you mean 'inngest'?"),
        RuleCase(
            name: "procedure not a string", edits: [("procedure", 1)], path: "procedure",
            message: "expected a string, found a number"),
        RuleCase(
            name: "steps not an array", edits: [("procedure", nil), ("steps", "all")], path: "steps",
            message: "expected an array, found a string"),
        RuleCase(
            name: "steps empty", edits: [("procedure", nil), ("steps", [])], path: "steps", message: "the list is empty"
        ),
        RuleCase(
            name: "unknown step",
            edits: [("procedure", nil), ("steps", ["create-signing-key", "stage-signing-keys", "rotate-key"])],
            path: "steps[2]", message: "unknown step 'rotate-key'",
            fix: "did you mean 'rotate-signing-key'? known steps: create-signing-key, stage-signing-keys, "
                + "create-event-keys, stage-event-keys, confirm-redeploy, rotate-signing-key, resync-apps, "
                + "delete-old-event-keys, drop-fallback"),
        RuleCase(
            name: "step listed twice",
            edits: [("procedure", nil), ("steps", ["create-event-keys", "create-event-keys"])],
            path: "steps[1]", message: "step 'create-event-keys' is listed twice (also at steps[0])"),
        RuleCase(
            name: "steps out of order",
            edits: [("procedure", nil), ("steps", ["stage-signing-keys", "create-signing-key"])],
            path: "steps[1]",
            message: "step 'create-signing-key' is out of order; it must come before 'stage-signing-keys'",
            fix: "list the steps in this order: create-signing-key, stage-signing-keys"),
        RuleCase(
            name: "step not a string", edits: [("procedure", nil), ("steps", ["create-event-keys", 7])],
            path: "steps[1]",
            message: "expected a string, found a number"),

        // Apps.
        RuleCase(name: "apps missing", edits: [("apps", nil)], path: "apps", message: "required field is missing"),
        RuleCase(name: "apps empty", edits: [("apps", [])], path: "apps", message: "the list is empty"),
        RuleCase(
            name: "apps not an array", edits: [("apps", ["name": "api"])], path: "apps",
            message: "expected an array, found an object"),
        RuleCase(
            name: "app not an object", edits: [("apps[1]", "worker")], path: "apps[1]",
            message: "expected an object, found a string"),
        RuleCase(
            name: "app name missing", edits: [("apps[1].name", nil)], path: "apps[1].name",
            message: "required field is missing"),
        RuleCase(
            name: "app name not a string", edits: [("apps[0].name", 5)], path: "apps[0].name",
            message: "expected a string, found a number"),
        RuleCase(
            name: "app name duplicate", edits: [("apps[1].name", "api")], path: "apps[1].name",
            message: "duplicate app name 'api' (also apps[0])", fix: "give each app a unique name"),
        RuleCase(
            name: "app name with a space", edits: [("apps[1].name", "my worker")], path: "apps[1].name",
            message: "app name 'my worker' has characters that are not allowed"),
        RuleCase(
            name: "app name starting with a dash", edits: [("apps[1].name", "-worker")], path: "apps[1].name",
            message: "app name '-worker' has characters that are not allowed"),
        RuleCase(
            name: "app platformID empty", edits: [("apps[0].platformID", "")], path: "apps[0].platformID",
            message: "must not be empty"),
        RuleCase(
            name: "target missing", edits: [("apps[1].target", nil)], path: "apps[1].target",
            message: "required field is missing"),
        RuleCase(
            name: "target kind unknown", edits: [("apps[1].target.kind", "vault")], path: "apps[1].target.kind",
            message: "unknown target kind 'vault'", fix: "set it to one of: dotenv"),
        RuleCase(
            name: "target kind missing", edits: [("apps[1].target.kind", nil)], path: "apps[1].target.kind",
            message: "required field is missing"),
        RuleCase(
            name: "target path missing", edits: [("apps[1].target.path", nil)], path: "apps[1].target.path",
            message: "required field is missing"),
        RuleCase(
            name: "target file missing", edits: [("apps[1].target.path", "x.env")], path: "apps[1].target.path",
            message: "file 'x.env' does not exist", fix: "create it or correct the path"),
        RuleCase(
            name: "target shared with another app", edits: [("apps[1].target.path", "./apps//api.env")],
            path: "apps[1].target.path", message: "file './apps//api.env' is also the target of apps[0]",
            fix: "give each app its own target file"),
        RuleCase(
            name: "verify kind unknown", edits: [("apps[0].verify.kind", "ping")], path: "apps[0].verify.kind",
            message: "unknown verify kind 'ping'", fix: "set it to one of: platform, introspection, approval"),
        RuleCase(
            name: "introspection without url", edits: [("apps[0].verify.kind", "introspection")],
            path: "apps[0].verify.url",
            message: "required field is missing"),
        RuleCase(
            name: "introspection over http to a remote host",
            edits: [("apps[0].verify", ["kind": "introspection", "url": "http://api.example.com/api/inngest"])],
            path: "apps[0].verify.url", message: "http is allowed only for loopback hosts"),
        RuleCase(
            name: "url with a non-introspection verify", edits: [("apps[0].verify.url", "https://api.example.com")],
            path: "apps[0].verify.url", message: "'url' applies only to verify kind 'introspection'"),
        RuleCase(
            name: "event key empty", edits: [("apps[0].eventKey", "  ")], path: "apps[0].eventKey",
            message: "must not be empty"),

        // Options.
        RuleCase(
            name: "options not an object", edits: [("options", [])], path: "options",
            message: "expected an object, found an array"),
        RuleCase(
            name: "key name without rotation or date", edits: [("options.keyName", "{name} new")],
            path: "options.keyName",
            message: "the key name must contain {rotation} or {date}"),
        RuleCase(
            name: "key name with an unknown placeholder", edits: [("options.keyName", "{foo} {date}")],
            path: "options.keyName", message: "unknown placeholder '{foo}'",
            fix: "use only {name}, {date} or {rotation}"),
        RuleCase(
            name: "key name with a misspelt placeholder", edits: [("options.keyName", "{nmae} {date}")],
            path: "options.keyName", message: "unknown placeholder '{nmae}'", fix: "did you mean '{name}'?"),
        RuleCase(
            name: "key name with an unclosed brace", edits: [("options.keyName", "{date} {name")],
            path: "options.keyName",
            message: "unclosed '{' in the key name"),
        RuleCase(
            name: "concurrency zero", edits: [("options.concurrency", 0)], path: "options.concurrency",
            message: "must be between 1 and 64, found 0"),
        RuleCase(
            name: "concurrency too high", edits: [("options.concurrency", 65)], path: "options.concurrency",
            message: "must be between 1 and 64, found 65"),
        RuleCase(
            name: "concurrency fractional", edits: [("options.concurrency", 2.5)], path: "options.concurrency",
            message: "expected an integer, found 2.5"),
        RuleCase(
            name: "concurrency as a string", edits: [("options.concurrency", "8")], path: "options.concurrency",
            message: "expected an integer, found a string"),
        RuleCase(
            name: "confirm mode unknown", edits: [("options.confirmRedeploy.mode", "auto")],
            path: "options.confirmRedeploy.mode", message: "unknown mode 'auto'",
            fix: "use one of: verify, approve, verify-or-approve"),
        RuleCase(
            name: "confirm timeout not a duration", edits: [("options.confirmRedeploy.timeout", "10x")],
            path: "options.confirmRedeploy.timeout",
            message: "'10x' is not a duration; use a number of seconds or a value like 30s, 10m, 1h"),
        RuleCase(
            name: "confirm timeout zero", edits: [("options.confirmRedeploy.timeout", "0s")],
            path: "options.confirmRedeploy.timeout", message: "the duration must be greater than zero"),
        RuleCase(
            name: "confirm interval negative", edits: [("options.confirmRedeploy.interval", -1)],
            path: "options.confirmRedeploy.interval", message: "the duration must be greater than zero"),
        RuleCase(
            name: "confirm interval a boolean", edits: [("options.confirmRedeploy.interval", false)],
            path: "options.confirmRedeploy.interval",
            message: "expected a duration (a number of seconds or a string like \"10m\"), found a boolean"),
        RuleCase(
            name: "require approval of an unknown step", edits: [("options.requireApproval", ["rotate"])],
            path: "options.requireApproval[0]", message: "unknown step 'rotate'"),
        RuleCase(
            name: "require approval of an unselected step",
            edits: [
                ("procedure", "inngest-event-keys"),
                ("options.requireApproval", ["delete-old-event-keys", "rotate-signing-key"]),
            ],
            path: "options.requireApproval[1]",
            message: "step 'rotate-signing-key' is not one of the playbook's steps"),
        RuleCase(
            name: "require approval listed twice",
            edits: [("options.requireApproval", ["rotate-signing-key", "rotate-signing-key"])],
            path: "options.requireApproval[1]",
            message: "step 'rotate-signing-key' is listed twice (also at options.requireApproval[0])"),
        RuleCase(
            name: "require approval not an array", edits: [("options.requireApproval", "rotate-signing-key")],
            path: "options.requireApproval", message: "expected an array, found a string"),
    ]

    @Test(arguments: ruleCases)
    func reportsEachRuleViolation(rule: RuleCase) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems(rule.document)
        #expect(problems.count == 1, "\(problems)")
        let problem = try #require(problems.first)
        #expect(problem.jsonPath == rule.path)
        #expect(problem.message == rule.message)
        if let fix = rule.fix {
            #expect(problem.fix?.hasPrefix(fix) == true, "fix: \(problem.fix ?? "nil")")
        }
    }

    /// (steps, index of the offending step, message)
    @Test(
        arguments: [
            (["stage-signing-keys"], 0, "step 'stage-signing-keys' needs 'create-signing-key' in the same playbook"),
            (
                ["create-signing-key", "rotate-signing-key"], 1,
                "step 'rotate-signing-key' needs 'stage-signing-keys' and 'confirm-redeploy' in the same playbook"
            ),
            (
                ["create-signing-key", "stage-signing-keys", "confirm-redeploy", "resync-apps"], 3,
                "step 'resync-apps' needs 'rotate-signing-key' in the same playbook"
            ),
            (
                ["create-signing-key", "stage-signing-keys", "confirm-redeploy", "drop-fallback"], 3,
                "step 'drop-fallback' needs 'rotate-signing-key' in the same playbook"
            ),
            (["stage-event-keys"], 0, "step 'stage-event-keys' needs 'create-event-keys' in the same playbook"),
            (
                ["create-event-keys", "stage-event-keys", "delete-old-event-keys"], 2,
                "step 'delete-old-event-keys' needs 'confirm-redeploy' in the same playbook"
            ),
            (
                ["create-event-keys", "confirm-redeploy"], 1,
                "step 'confirm-redeploy' needs at least one of 'stage-signing-keys' or 'stage-event-keys' "
                    + "in the same playbook"
            ),
        ] as [([String], Int, String)])
    func reportsUnmetStepDependencies(steps: [String], index: Int, message: String) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.minimalDocument.setting("steps", to: .array(steps.map { .string($0) }))
        let problems = try fixture.problems(document)
        #expect(problems.map(\.jsonPath) == ["steps[\(index)]"])
        #expect(problems.first?.message == message)
        #expect(problems.first?.fix?.hasPrefix("add ") == true)
    }

    @Test func suggestsTheSmallestNamedProcedureForUnmetDependencies() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.minimalDocument.setting(
            "steps", to: ["create-signing-key", "rotate-signing-key"])
        let problems = try fixture.problems(document)
        #expect(
            problems.first?.fix
                == "add 'stage-signing-keys' and 'confirm-redeploy' to steps, "
                + "or use \"procedure\": \"inngest-signing-key\"")
    }

    @Test(arguments: ["apiKey", "sessionToken", "signingKey", "token", "api_key"])
    func rejectsCredentialsInThePlaybookWithoutEchoingThem(field: String) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let secret = "sk-inn-api-SECRET-VALUE-123"
        let document = PlaybookFixture.inngestDocument.setting("platform.settings.\(field)", to: .string(secret))
        let path = try fixture.writePlaybook(document)
        let error = #expect(throws: PlaybookError.self) { try PlaybookLoader.load(path: path) }
        let problem = try #require(error?.problems.first)
        #expect(error?.problems.count == 1)
        #expect(problem.jsonPath == "platform.settings.\(field)")
        #expect(problem.message == "credentials never go in a playbook")
        #expect(problem.fix != nil)
        #expect(error?.description.contains("SECRET") == false)
    }

    @Test func credentialFixNamesTheMatchingEnvironmentVariableField() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.inngestDocument
            .setting("platform.settings.apiKey", to: "x").setting("platform.settings.sessionToken", to: "y")
        let problems = try fixture.problems(document)
        #expect(
            problems.map(\.fix) == [
                "put the value in an environment variable and name it in apiKeyEnv",
                "put the value in an environment variable and name it in sessionTokenEnv",
            ])
    }

    @Test func environmentVariableNameProblemsNeverEchoTheValue() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.inngestDocument.setting("platform.settings.apiKeyEnv", to: "signkey-prod-abcdef")
        let path = try fixture.writePlaybook(document)
        let error = #expect(throws: PlaybookError.self) { try PlaybookLoader.load(path: path) }
        #expect(error?.description.contains("abcdef") == false)
    }

    // MARK: - Stopping and collecting

    @Test(
        arguments: [
            ("version", nil, "required field is missing"),
            ("version", 2, "unsupported playbook version 2; this rekey reads version 1"),
        ] as [(String, JSONValue?, String)])
    func aBadVersionIsTheOnlyProblemReported(path: String, value: JSONValue?, message: String) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        // Other fields are wrong too, but under another version they might mean something else.
        let document = PlaybookFixture.validDocument.setting(path, to: value)
            .setting("nmae", to: "x").setting("apps", to: nil)
        let problems = try fixture.problems(document)
        #expect(problems == [PlaybookProblem(jsonPath: "version", message: message, fix: problems.first?.fix)])
        #expect(problems.first?.fix != nil)
    }

    @Test func aRootThatIsNotAnObjectIsReported() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems([1, 2])
        #expect(problems == [PlaybookProblem(jsonPath: "", message: "expected an object, found an array")])
    }

    @Test func reportsEveryProblemTogether() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.validDocument
            .setting("nmae", to: "typo")
            .setting("apps[1].target.path", to: "x.env")
            .setting("options.concurrency", to: 100)
        let problems = try fixture.problems(document)
        #expect(problems.map(\.jsonPath) == ["nmae", "apps[1].target.path", "options.concurrency"])
    }

    @Test func reportsManyProblemsAcrossTheDocument() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.validDocument
            .setting("platform.settings.state", to: "nope.json")
            .setting("environment", to: "")
            .setting("procedure", to: "bogus")
            .setting("apps[0].name", to: 1)
            .setting("apps[1].verify", to: ["kind": "introspection"])
            .setting("options.keyName", to: "{x}")
            .setting("options.confirmRedeploy.timeout", to: "soon")
        let problems = try fixture.problems(document)
        #expect(
            problems.map(\.jsonPath) == [
                "platform.settings.state", "environment", "procedure", "apps[0].name", "apps[1].verify.url",
                "options.keyName", "options.keyName", "options.confirmRedeploy.timeout",
            ])
    }

    // MARK: - Errors and descriptions

    @Test func describesEachProblemOnItsOwnLineWithThePathAsGiven() {
        let error = PlaybookError.invalid(
            path: "x.json",
            [
                PlaybookProblem(
                    jsonPath: "apps[1].target.path", message: "file 'x.env' does not exist",
                    fix: "create it or correct the path"),
                PlaybookProblem(jsonPath: "", message: "expected an object, found an array"),
            ])
        #expect(
            error.description == """
                playbook 'x.json': apps[1].target.path: file 'x.env' does not exist (fix: create it or correct the path)
                playbook 'x.json': expected an object, found an array
                """)
    }

    @Test func reportsSyntaxErrorsWithLineAndColumn() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        try fixture.write("x.json", "{\n  \"version\": 1,\n  \"name\" \"oops\"\n}\n")
        let error = #expect(throws: PlaybookError.self) { try PlaybookLoader.load(path: fixture.path("x.json")) }
        guard case .syntax(let path, let syntax) = error else {
            Issue.record("expected a syntax error, got \(String(describing: error))")
            return
        }
        #expect(path == fixture.path("x.json"))
        #expect(syntax == JSONSyntaxError(line: 3, column: 10, message: "expected ':' after object key"))
        #expect(
            error?.description
                == "playbook '\(fixture.path("x.json"))': line 3, column 10: expected ':' after object key")
    }

    @Test func describesASyntaxErrorInTheBriefsFormat() {
        let error = PlaybookError.syntax(
            path: "x.json", JSONSyntaxError(line: 3, column: 7, message: "expected ',' or '}' after object member"))
        #expect(error.description == "playbook 'x.json': line 3, column 7: expected ',' or '}' after object member")
    }

    @Test func reportsAMissingFile() {
        let error = #expect(throws: PlaybookError.self) { try PlaybookLoader.load(path: "no-such-dir/x.json") }
        guard case .unreadable(let path, let cause) = error else {
            Issue.record("expected .unreadable, got \(String(describing: error))")
            return
        }
        #expect(path == "no-such-dir/x.json")
        #expect(cause.isNotFound)
        #expect(error?.description == "playbook 'no-such-dir/x.json': file does not exist; check the path")
    }

    @Test func reportsADirectoryGivenAsThePlaybook() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let error = #expect(throws: PlaybookError.self) { try PlaybookLoader.load(path: fixture.path("apps")) }
        #expect(
            error?.description == "playbook '\(fixture.path("apps"))': is a directory; give the path of a playbook file"
        )
    }

    // MARK: - Read only

    @Test(arguments: [
        PlaybookFixture.validDocument, PlaybookFixture.validDocument.setting("apps[1].target.path", to: "new.env"),
    ])
    func loadingNeverCreatesOrModifiesFiles(document: JSONValue) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let path = try fixture.writePlaybook(document)
        let before = try Self.snapshot(fixture.directory)
        _ = try? PlaybookLoader.load(path: path)
        _ = try? PlaybookLoader.load(bytes: Array(document.serialized().utf8), path: fixture.path("other.json"))
        #expect(try Self.snapshot(fixture.directory) == before)
    }

    /// Every file under `directory`, with its bytes, size, permissions and modification date.
    private static func snapshot(_ directory: String) throws -> [String: String] {
        let manager = FileManager.default
        var result: [String: String] = [:]
        for case let relative as String in manager.enumerator(atPath: directory)?.allObjects ?? [] {
            let path = directory + "/" + relative
            let attributes = try manager.attributesOfItem(atPath: path)
            let contents = manager.contents(atPath: path).map { SHA256.hex(Array($0)) } ?? "directory"
            result[relative] =
                "\(contents) \(attributes[.size] ?? 0) \(attributes[.posixPermissions] ?? 0) "
                + "\(attributes[.modificationDate] ?? 0)"
        }
        return result
    }

    // MARK: - Shipped examples and schema

    /// The repository's `Playbooks/` directory.
    static let playbooksDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Playbooks").path

    @Test func sandboxExampleLoadsOnceItsFilesExist() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        try fixture.write("playbook.json", try FileIO.readText(Self.playbooksDirectory + "/sandbox/playbook.json"))
        let playbook = try PlaybookLoader.load(path: fixture.path("playbook.json"))
        #expect(playbook.platform == .sandbox(state: fixture.path("sandbox.json")))
        #expect(playbook.apps.map(\.name) == ["api", "worker"])
        #expect(playbook.apps.map(\.verify) == [.platform, .platform])
        #expect(playbook.options.requireApproval == [.rotateSigningKey])
    }

    @Test func inngestCloudExampleLoadsOnceItsFilesExist() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        try fixture.write("deploy/api.env", "")
        try fixture.write("deploy/worker.env", "")
        try fixture.write("playbook.json", try FileIO.readText(Self.playbooksDirectory + "/inngest-cloud.json"))
        let playbook = try PlaybookLoader.load(path: fixture.path("playbook.json"))
        guard case .inngest(let settings) = playbook.platform else {
            Issue.record("expected the inngest platform, got \(playbook.platform)")
            return
        }
        #expect(settings.apiKeyEnv == "INNGEST_API_KEY")
        #expect(settings.sessionTokenEnv == "INNGEST_SESSION_TOKEN")
        #expect(
            playbook.apps.map(\.verify) == [
                .introspection(url: "https://api.example.com/api/inngest"),
                .introspection(url: "https://worker.example.com/api/inngest"),
            ])
    }

    @Test func schemaDescribesTheSameFieldsAsTheLoader() throws {
        let schema = try JSONValue.parse(try FileIO.read(Self.playbooksDirectory + "/playbook.schema.json"))
        func keys(_ value: JSONValue?) -> Set<String> { Set(value?.objectValue?.keys ?? []) }
        let defs = schema["$defs"]
        let app = defs?["app"]?["properties"]
        let options = schema["properties"]?["options"]?["properties"]
        typealias Fields = PlaybookReader.Fields
        #expect(keys(schema["properties"]) == Set(Fields.root))
        #expect(keys(schema["properties"]?["platform"]?["properties"]) == Set(Fields.platform))
        #expect(keys(defs?["sandboxSettings"]?["properties"]) == Set(Fields.sandboxSettings))
        #expect(keys(defs?["inngestSettings"]?["properties"]) == Set(Fields.inngestSettings))
        #expect(keys(app) == Set(Fields.app))
        #expect(keys(app?["target"]?["properties"]) == Set(Fields.target))
        #expect(keys(app?["verify"]?["properties"]) == Set(Fields.verify))
        #expect(keys(options) == Set(Fields.options))
        #expect(keys(options?["confirmRedeploy"]?["properties"]) == Set(Fields.confirmRedeploy))
        #expect(defs?["stepID"]?["enum"] == .array(ProcedureCatalog.everyStep.map { .string($0.rawValue) }))
        #expect(
            schema["properties"]?["procedure"]?["enum"]
                == .array(ProcedureCatalog.families.flatMap(\.names).map { .string($0) }))
        #expect(keys(defs?["eventNerdsSettings"]?["properties"]) == Set(PlaybookReader.PlatformFields.eventNerds))
        #expect(keys(defs?["selfHostedSettings"]?["properties"]) == Set(PlaybookReader.PlatformFields.selfHosted))
        #expect(keys(defs?["pluginSettings"]?["properties"]) == Set(PlaybookReader.PlatformFields.plugin))
        #expect(
            app?["verify"]?["properties"]?["kind"]?["enum"] == .array(PlaybookReader.verifyKinds.map { .string($0) }))
        #expect(
            schema["properties"]?["platform"]?["properties"]?["kind"]?["enum"]
                == .array(PlaybookReader.platformKinds.map { .string($0) }))
    }
}
