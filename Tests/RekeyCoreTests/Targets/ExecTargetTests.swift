import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

@Suite struct ExecTargetTests {
    private static let newKey = "signkey-prod-" + String(repeating: "1f", count: 32)
    private static let oldKey = "signkey-prod-" + String(repeating: "e0", count: 32)
    private static let script = """
        #!/bin/sh
        # A stand-in deployment tool: records argv and environment, keeps stdin per variable.
        { printf 'argv:'; for a in "$@"; do printf ' [%s]' "$a"; done; echo; env | sed 's/^/env: /'; } \
            >> "$STAND_IN_DIR/received.log"
        cat >> "$STAND_IN_DIR/stdin-$2"
        case "${STAND_IN_MODE:-ok}" in
        fail)
            v=$(cat "$STAND_IN_DIR/stdin-$2")
            echo "rejected $2=$v"
            echo "details: $(printf %s "$v" | base64 | tr -d '\\n') $(printf %s "$v" | od -An -v -tx1 | tr -d ' \\n')" >&2
            echo "please retry" >&2
            exit 4 ;;
        slow) sleep 30 ;;
        esac
        """

    /// A directory with the stand-in tool, removed at the end.
    struct Fixture {
        let directory: TemporaryDirectory
        var tool: String { directory.file("stand-in.sh") }

        init() throws {
            directory = try TemporaryDirectory("rekey-exec")
            try Data(ExecTargetTests.script.utf8).write(to: URL(fileURLWithPath: directory.file("stand-in.sh")))
            chmod(directory.file("stand-in.sh"), 0o700)
        }

        func target(
            mode: String = "ok",
            timeout: Double = 10,
            newline: Bool = false,
            unset: Bool = true,
            environment extra: [String: String] = [:]
        ) -> ExecTarget {
            var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            environment["STAND_IN_DIR"] = directory.path
            environment["STAND_IN_MODE"] = mode
            for (key, value) in extra { environment[key] = value }
            let spec = ExecTargetSpec(
                set: [tool, "set", "{name}", "{app}"],
                unset: unset ? [tool, "unset", "{name}"] : nil,
                timeout: timeout,
                newline: newline,
                directory: directory.path
            )
            return ExecTarget(app: "api", spec: spec, environment: environment, withholding: ["INNGEST_API_KEY"])
        }

        func text(_ name: String) -> String? {
            try? String(contentsOfFile: directory.file(name), encoding: .utf8)
        }
    }

    @Test func setsEachVariableWithTheValueOnStandardInputOnly() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let target = fixture.target(environment: [
            "REKEY_SEAL_KEY": "c2VhbA==", "INNGEST_SIGNING_KEY": Self.oldKey, "INNGEST_API_KEY": "platform-credential",
            "DEPLOY_TOKEN": "kept", "EXPORTED_BY_MISTAKE": Self.newKey,
        ])
        try await target.apply([
            .set(name: "INNGEST_SIGNING_KEY", value: Secret(Self.newKey)),
            .set(name: "INNGEST_SIGNING_KEY_FALLBACK", value: Secret(Self.oldKey)),
            .remove(name: "INNGEST_EVENT_KEY"),
        ])
        #expect(fixture.text("stdin-INNGEST_SIGNING_KEY") == Self.newKey)
        #expect(fixture.text("stdin-INNGEST_SIGNING_KEY_FALLBACK") == Self.oldKey)
        #expect(fixture.text("stdin-INNGEST_EVENT_KEY") == "")
        let log = try #require(fixture.text("received.log"))
        #expect(log.contains("argv: [set] [INNGEST_SIGNING_KEY] [api]"))
        #expect(log.contains("argv: [set] [INNGEST_SIGNING_KEY_FALLBACK] [api]"))
        #expect(log.contains("argv: [unset] [INNGEST_EVENT_KEY]"))
        #expect(log.contains("env: DEPLOY_TOKEN=kept"))
        #expect(!SecretScrubber([Secret(Self.newKey), Secret(Self.oldKey)]).appears(in: Array(log.utf8)))
        for withheld in ["REKEY_SEAL_KEY", "INNGEST_SIGNING_KEY=", "INNGEST_API_KEY", "EXPORTED_BY_MISTAKE"] {
            #expect(!log.contains("env: \(withheld)"), "\(withheld) reached the command")
        }
    }

    @Test func addsANewlineWhenAsked() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        try await fixture.target(newline: true).apply([.set(name: "INNGEST_EVENT_KEY", value: Secret("ek-value-0001"))])
        #expect(fixture.text("stdin-INNGEST_EVENT_KEY") == "ek-value-0001\n")
    }

    @Test func aFailingCommandStopsTheApplyWithItsOutputScrubbed() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let changes: [VariableChange] = [
            .set(name: "INNGEST_SIGNING_KEY", value: Secret(Self.newKey)),
            .set(name: "INNGEST_SIGNING_KEY_FALLBACK", value: Secret(Self.oldKey)),
        ]
        do {
            try await fixture.target(mode: "fail").apply(changes)
            Issue.record("the apply succeeded")
        } catch let error as ExecTargetError {
            let message = error.description
            #expect(
                message.hasPrefix(
                    "exec target of app 'api': '\(fixture.tool) set INNGEST_SIGNING_KEY api' exited "
                        + "with status 4 while changing INNGEST_SIGNING_KEY: details: <redacted> <redacted> | please retry"
                ))
            #expect(message.hasSuffix("then resume"))
            #expect(!SecretScrubber([Secret(Self.newKey), Secret(Self.oldKey)]).appears(in: Array(message.utf8)))
        }
        #expect(fixture.text("stdin-INNGEST_SIGNING_KEY_FALLBACK") == nil, "the second command ran")
    }

    @Test func aCommandThatHangsIsStoppedAtItsTimeout() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        await #expect(throws: ExecTargetError.self) {
            try await fixture.target(mode: "slow", timeout: 0.3).apply([
                .set(name: "INNGEST_EVENT_KEY", value: Secret("ek-value-0001"))
            ])
        }
        do {
            try await fixture.target(mode: "slow", timeout: 0.3).apply([
                .set(name: "INNGEST_EVENT_KEY", value: Secret("ek-value-0001"))
            ])
        } catch {
            #expect("\(error)".contains("did not finish within 300ms and was stopped"))
        }
    }

    @Test func refusesEmptyValuesAndRemovalsWithoutUnsetBeforeRunningAnything() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        await #expect(throws: ExecTargetError.emptyValueRefused(app: "api", name: "INNGEST_SIGNING_KEY_FALLBACK")) {
            try await fixture.target().apply([
                .set(name: "INNGEST_SIGNING_KEY", value: Secret(Self.newKey)),
                .set(name: "INNGEST_SIGNING_KEY_FALLBACK", value: Secret("")),
            ])
        }
        await #expect(throws: ExecTargetError.noUnsetCommand(app: "api", name: "INNGEST_SIGNING_KEY_FALLBACK")) {
            try await fixture.target(unset: false).apply([
                .set(name: "INNGEST_SIGNING_KEY", value: Secret(Self.newKey)),
                .remove(name: "INNGEST_SIGNING_KEY_FALLBACK"),
            ])
        }
        #expect(fixture.text("received.log") == nil)
    }

    @Test func aToolThatIsNotInstalledIsReported() async throws {
        let spec = ExecTargetSpec(set: ["/nonexistent/vercel", "env", "add", "{name}"], directory: "/")
        await #expect(throws: ExecTargetError.self) {
            try await ExecTarget(app: "web", spec: spec, environment: [:]).apply([
                .set(name: "INNGEST_EVENT_KEY", value: Secret("ek-value-0001"))
            ])
        }
    }

    @Test func cannotBeReadBack() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let states = try await fixture.target().read(["INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY"])
        #expect(states == ["INNGEST_SIGNING_KEY": .unreadable, "INNGEST_EVENT_KEY": .unreadable])
        #expect(fixture.target().summary == "exec stand-in.sh (app 'api')")
    }
}
