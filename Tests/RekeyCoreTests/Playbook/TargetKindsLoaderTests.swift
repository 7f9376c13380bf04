import Foundation
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The `exec` and `manual` target kinds in playbooks: what loads, and the path-precise problem for each
/// mistake.
@Suite struct TargetKindsLoaderTests {
    static let exec: JSONValue = [
        "kind": "exec",
        "set": ["./tool.sh", "env", "add", "{name}", "--app", "{app}"],
        "unset": ["./tool.sh", "env", "rm", "{name}", "--yes"],
    ]
    static let execDocument = PlaybookFixture.validDocument.setting("apps[1].target", to: exec)
    static let manualDocument = PlaybookFixture.validDocument.setting(
        "apps[1].target", to: ["kind": "manual", "where": "Heroku dashboard: worker > Settings > Config Vars"])

    /// A fixture with an executable `tool.sh` beside the playbook.
    static func fixture() throws -> PlaybookFixture {
        let fixture = try PlaybookFixture()
        try fixture.write("tool.sh", "#!/bin/sh\nexit 0\n")
        chmod(fixture.path("tool.sh"), 0o755)
        return fixture
    }

    @Test func loadsAnExecTargetWithItsProgramResolvedAndDefaults() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(Self.execDocument)
        let expected = ExecTargetSpec(
            set: [fixture.path("tool.sh"), "env", "add", "{name}", "--app", "{app}"],
            unset: [fixture.path("tool.sh"), "env", "rm", "{name}", "--yes"],
            timeout: 60,
            newline: false,
            directory: fixture.directory
        )
        #expect(playbook.apps[1].target == .exec(expected))
        #expect(playbook.apps[1].target.kind == "exec")
    }

    @Test func loadsTimeoutsNewlinesProgramsOnThePathAndLiteralBraces() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.validDocument.setting(
            "apps[1].target",
            to: [
                "kind": "exec", "timeout": "90s", "newline": true,
                "set": [
                    "sh", "-c", "kubectl create secret generic app --from-file=$1=/dev/stdin -o jsonpath={.data}", "sh",
                    "{name}",
                ],
                "unset": ["gh", "secret", "delete", "{name}"],
            ])
        guard case .exec(let spec) = try fixture.load(document).apps[1].target else {
            Issue.record("not an exec target")
            return
        }
        #expect(spec.timeout == 90)
        #expect(spec.newline)
        #expect(spec.set[0] == "sh")
        #expect(spec.unset == ["gh", "secret", "delete", "{name}"])
    }

    /// The deployment-tool examples of the README's Secrets section load as written.
    @Test(
        arguments: [
            [
                "set": ["vercel", "env", "add", "{name}", "production"],
                "unset": ["vercel", "env", "rm", "{name}", "production", "--yes"],
            ],
            [
                "set": [
                    "sh", "-c",
                    "vercel env rm \"$1\" production --yes >/dev/null 2>&1; vercel env add \"$1\" production", "sh",
                    "{name}",
                ],
                "unset": ["vercel", "env", "rm", "{name}", "production", "--yes"],
            ],
            [
                "set": ["gh", "secret", "set", "{name}", "--repo", "acme/web"],
                "unset": ["gh", "secret", "delete", "{name}", "--repo", "acme/web"],
            ],
            [
                "set": [
                    "sh", "-c",
                    .string(
                        "kubectl create secret generic \"$2-$(printf %s \"$1\" | tr A-Z_ a-z-)\" --from-file=\"$1\"=/dev/stdin "
                            + "--dry-run=client -o yaml | kubectl apply -f -"),
                    "sh", "{name}", "{app}",
                ],
                "unset": [
                    "sh", "-c", "kubectl delete secret \"$2-$(printf %s \"$1\" | tr A-Z_ a-z-)\" --ignore-not-found",
                    "sh",
                    "{name}", "{app}",
                ],
            ],
        ] as [JSONValue])
    func loadsTheREADMEExamples(commands: JSONValue) throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let target = commands.setting("kind", to: "exec")
        let playbook = try fixture.load(PlaybookFixture.validDocument.setting("apps[1].target", to: target))
        #expect(playbook.apps[1].target.kind == "exec")
    }

    @Test func loadsAManualTarget() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let playbook = try fixture.load(Self.manualDocument)
        #expect(playbook.apps[1].target == .manual(location: "Heroku dashboard: worker > Settings > Config Vars"))
    }

    @Test func anEventKeysOnlyPlaybookNeedsNoUnsetCommand() throws {
        let fixture = try Self.fixture()
        defer { fixture.remove() }
        let document = Self.execDocument.setting("apps[1].target.unset", to: nil)
            .setting("procedure", to: "inngest-event-keys").setting("options.requireApproval", to: nil)
        guard case .exec(let spec) = try fixture.load(document).apps[1].target else {
            Issue.record("not an exec target")
            return
        }
        #expect(spec.unset == nil)
    }

    static let rules: [RuleCase] = [
        RuleCase(
            name: "exec without set", base: execDocument, edits: [("apps[1].target.set", nil)],
            path: "apps[1].target.set", message: "required field is missing", fix: "give the command that sets one"),
        RuleCase(
            name: "set not an array", base: execDocument, edits: [("apps[1].target.set", "vercel env add")],
            path: "apps[1].target.set", message: "expected an array, found a string"),
        RuleCase(
            name: "set empty", base: execDocument, edits: [("apps[1].target.set", [])],
            path: "apps[1].target.set", message: "the command is empty"),
        RuleCase(
            name: "set element not a string", base: execDocument, edits: [("apps[1].target.set[1]", 5)],
            path: "apps[1].target.set[1]", message: "expected a string, found a number"),
        RuleCase(
            name: "set without {name}", base: execDocument, edits: [("apps[1].target.set", ["./tool.sh", "add"])],
            path: "apps[1].target.set", message: "the command does not contain {name}", fix: "put {name} where"),
        RuleCase(
            name: "value on the command line", base: execDocument,
            edits: [("apps[1].target.set[2]", "--value={value}")],
            path: "apps[1].target.set[2]",
            message: "'{value}' is not a placeholder: a value never goes on a command line",
            fix: "remove it; rekey writes the value to the command's standard input"),
        RuleCase(
            name: "secret on the command line", base: execDocument, edits: [("apps[1].target.unset[1]", "{secret}")],
            path: "apps[1].target.unset[1]",
            message: "'{secret}' is not a placeholder: a value never goes on a command line"),
        RuleCase(
            name: "unknown placeholder", base: execDocument, edits: [("apps[1].target.set[2]", "{env}")],
            path: "apps[1].target.set[2]", message: "unknown placeholder '{env}'", fix: "use only {name} and {app}"),
        RuleCase(
            name: "unset missing where fallbacks are removed", base: execDocument,
            edits: [("apps[1].target.unset", nil)], path: "apps[1].target.unset", message: "required field is missing",
            fix: "give the command that deletes one variable"),
        RuleCase(
            name: "timeout too long", base: execDocument, edits: [("apps[1].target.timeout", "2h")],
            path: "apps[1].target.timeout", message: "must be at most 1h, found 2h"),
        RuleCase(
            name: "timeout zero", base: execDocument, edits: [("apps[1].target.timeout", "0s")],
            path: "apps[1].target.timeout", message: "the duration must be greater than zero"),
        RuleCase(
            name: "newline not a boolean", base: execDocument, edits: [("apps[1].target.newline", "yes")],
            path: "apps[1].target.newline", message: "expected true or false, found a string"),
        RuleCase(
            name: "program missing", base: execDocument, edits: [("apps[1].target.set[0]", "./nope.sh")],
            path: "apps[1].target.set[0]", message: "file './nope.sh' does not exist"),
        RuleCase(
            name: "program not executable", base: execDocument, edits: [("apps[1].target.set[0]", "./apps/api.env")],
            path: "apps[1].target.set[0]", message: "'./apps/api.env' is not executable",
            fix: "run 'chmod +x ./apps/api.env'"),
        RuleCase(
            name: "path on an exec target", base: execDocument, edits: [("apps[1].target.path", "apps/worker.env")],
            path: "apps[1].target.path", message: "'path' applies only to target kind 'dotenv'",
            fix: "remove it, or set \"kind\": \"dotenv\""),
        RuleCase(
            name: "set on a dotenv target", edits: [("apps[1].target.set", ["./tool.sh", "{name}"])],
            path: "apps[1].target.set", message: "'set' applies only to target kind 'exec'"),
        RuleCase(
            name: "where on an exec target", base: execDocument, edits: [("apps[1].target.where", "somewhere")],
            path: "apps[1].target.where", message: "'where' applies only to target kind 'manual'"),
        RuleCase(
            name: "manual without where", base: manualDocument, edits: [("apps[1].target.where", nil)],
            path: "apps[1].target.where", message: "required field is missing", fix: "say where a person sets"),
        RuleCase(
            name: "manual where empty", base: manualDocument, edits: [("apps[1].target.where", " ")],
            path: "apps[1].target.where", message: "must not be empty"),
        RuleCase(
            name: "manual where on two lines", base: manualDocument, edits: [("apps[1].target.where", "a\nb")],
            path: "apps[1].target.where", message: "must be one line without control characters"),
        RuleCase(
            name: "unknown kind lists every kind", edits: [("apps[1].target.kind", "vault")],
            path: "apps[1].target.kind", message: "unknown target kind 'vault'",
            fix: "set it to one of: dotenv, exec, manual"),
    ]

    @Test(arguments: rules)
    func reportsEachMistakeAtItsPath(rule: RuleCase) throws {
        let fixture = try Self.fixture()
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

    @Test func theSchemaListsTheTargetKindsTheLoaderReads() throws {
        let schema = try JSONValue.parse(
            try FileIO.read(PlaybookLoaderTests.playbooksDirectory + "/playbook.schema.json"))
        let target = schema["$defs"]?["app"]?["properties"]?["target"]
        #expect(target?["properties"]?["kind"]?["enum"] == .array(PlaybookReader.targetKinds.map { .string($0) }))
        #expect(target?["required"] == ["kind"])
    }
}
