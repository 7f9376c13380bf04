import Testing

@testable import RekeyCLI

@Suite struct ArgumentParserTests {
    private let parser = RekeyCommands.parser

    /// Parses a command line that must select a command, and returns its arguments.
    private func command(_ arguments: [String]) throws -> ParsedArguments {
        let outcome = try parser.parse(arguments)
        guard case .command(let parsed) = outcome else {
            Issue.record("expected a command for \(arguments), got \(outcome)")
            throw UsageError.invalid("not a command", command: [])
        }
        return parsed
    }

    /// The usage error a command line produces, if any.
    private func usageError(_ arguments: [String]) -> UsageError? {
        do {
            _ = try parser.parse(arguments)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Forms

    @Test(arguments: [
        ["run", "plan.json", "--journal", "r.jsonl"],
        ["run", "plan.json", "--journal=r.jsonl"],
        ["run", "--journal", "r.jsonl", "plan.json"],
        ["run", "--journal=r.jsonl", "--", "plan.json"],
    ])
    func parsesOptionValuesInEveryForm(arguments: [String]) throws {
        let parsed = try command(arguments)
        #expect(parsed.commandPath == ["run"])
        #expect(parsed.string("journal") == "r.jsonl")
        #expect(parsed.positional("playbook-or-plan") == "plan.json")
        #expect(parsed.positional(0) == "plan.json")
    }

    @Test func collectsRepeatedOptionsInOrder() throws {
        let parsed = try command([
            "resume", "r.jsonl", "--approve", "confirm-redeploy", "--approve=rotate-signing-key",
        ])
        #expect(parsed.strings("approve") == ["confirm-redeploy", "rotate-signing-key"])
        #expect(parsed.string("approve") == "rotate-signing-key")
        #expect(parsed.strings("until").isEmpty)
        #expect(!parsed.isPresent("until"))
    }

    @Test func readsFlags() throws {
        let parsed = try command(["run", "p.json", "--json", "--non-interactive"])
        #expect(parsed.flag("json"))
        #expect(parsed.flag("non-interactive"))
        #expect(!parsed.flag("force"))
    }

    @Test func treatsEverythingAfterTheTerminatorAsPositional() throws {
        let parsed = try command(["run", "--", "--help"])
        #expect(parsed.positional("playbook-or-plan") == "--help")
    }

    @Test func acceptsADashAndNegativeNumbersAsValues() throws {
        #expect(try command(["status", "-"]).positional("journal") == "-")
        let parsed = try command(["sandbox", "init", "d", "--apps", "-3"])
        #expect(parsed.string("apps") == "-3")
    }

    @Test func selectsNestedSubcommands() throws {
        let parsed = try command(["sandbox", "init", "sb", "--apps", "5", "--manual-redeploy"])
        #expect(parsed.commandPath == ["sandbox", "init"])
        #expect(parsed.command == "sandbox init")
        #expect(parsed.positional("dir") == "sb")
        #expect(try parsed.int("apps") == 5)
        #expect(try parsed.int("event-keys") == 2)
        #expect(parsed.flag("manual-redeploy"))
    }

    @Test func collectsARepeatingPositional() throws {
        let all = try command(["sandbox", "redeploy", "sb", "api", "worker"])
        #expect(all.positional("dir") == "sb")
        #expect(all.positionals("app") == ["api", "worker"])
        let none = try command(["sandbox", "redeploy", "sb"])
        #expect(none.positionals("app").isEmpty)
        #expect(none.positional("app") == nil)
    }

    @Test func optionalOptionsWithoutDefaultAreNil() throws {
        let parsed = try command(["gate", "r.jsonl", "confirm-redeploy"])
        #expect(parsed.string("timeout") == nil)
        #expect(try parsed.duration("timeout") == nil)
        #expect(parsed.positional("step") == "confirm-redeploy")
    }

    @Test(arguments: [
        ("90s", Duration.seconds(90)),
        ("10m", .seconds(600)),
        ("1h30m", .seconds(5400)),
        ("45", .seconds(45)),
        ("250ms", .milliseconds(250)),
    ])
    func parsesDurations(text: String, expected: Duration) throws {
        let parsed = try command(["gate", "r.jsonl", "confirm-redeploy", "--wait", "--timeout", text])
        #expect(try parsed.duration("timeout") == expected)
    }

    // MARK: - Help and version

    @Test(arguments: [
        (["--help"], [String]()),
        (["-h"], []),
        ([], []),
        (["run", "--help"], ["run"]),
        (["run", "plan.json", "-h", "--journal", "x"], ["run"]),
        (["run", "--frobnicate", "--help"], ["run"]),
        (["run", "--journal", "sandbox", "--help"], ["run"]),
        (["sandbox"], ["sandbox"]),
        (["sandbox", "init", "dir", "--help"], ["sandbox", "init"]),
        (["sandbox", "--help", "init"], ["sandbox", "init"]),
        (["help"], []),
        (["help", "run"], ["run"]),
        (["help", "sandbox", "redeploy"], ["sandbox", "redeploy"]),
        (["help", "--help"], ["help"]),
    ])
    func recognisesHelpRequests(arguments: [String], path: [String]) throws {
        let outcome = try parser.parse(arguments)
        guard case .help(let helpPath) = outcome else {
            Issue.record("expected help for \(arguments), got \(outcome)")
            return
        }
        #expect(helpPath == path)
    }

    @Test func recognisesTheExitCodesTopic() throws {
        guard case .helpTopic(let name) = try parser.parse(["help", "exit-codes"]) else {
            Issue.record("expected the exit-codes topic")
            return
        }
        #expect(name == "exit-codes")
    }

    @Test func recognisesVersionAtTheRootOnly() throws {
        guard case .version = try parser.parse(["--version"]) else {
            Issue.record("expected --version to ask for the version")
            return
        }
        #expect(
            usageError(["status", "r.jsonl", "--version"])
                == .unknownOption("--version", suggestion: nil, command: ["status"]))
    }

    // MARK: - Errors

    @Test(arguments: [
        (["run", "p.json", "--jsno"], UsageError.unknownOption("--jsno", suggestion: "--json", command: ["run"])),
        (["run", "p.json", "--froce"], .unknownOption("--froce", suggestion: "--force", command: ["run"])),
        (["run", "p.json", "--frobnicate"], .unknownOption("--frobnicate", suggestion: nil, command: ["run"])),
        (["run", "p.json", "-x"], .unknownOption("-x", suggestion: nil, command: ["run"])),
        (
            ["resume", "r.jsonl", "--aprove", "x"],
            .unknownOption("--aprove", suggestion: "--approve", command: ["resume"])
        ),
        (["--verison"], .unknownOption("--verison", suggestion: "--version", command: [])),
        (["stauts", "r.jsonl"], .unknownSubcommand("stauts", suggestion: "status", command: [])),
        (["frobnicate"], .unknownSubcommand("frobnicate", suggestion: nil, command: [])),
        (["sandbox", "int", "d"], .unknownSubcommand("int", suggestion: "init", command: ["sandbox"])),
        (["help", "stauts"], .unknownSubcommand("stauts", suggestion: "status", command: ["help"])),
        (["help", "exit-code"], .unknownSubcommand("exit-code", suggestion: "exit-codes", command: ["help"])),
        (["help", "status", "extra"], .unexpectedArguments(["extra"], command: ["help"])),
        (["run", "p.json", "--journal"], .missingValue(option: "--journal", valueName: "file", command: ["run"])),
        (
            ["run", "p.json", "--journal", "--json"],
            .missingValue(option: "--journal", valueName: "file", command: ["run"])
        ),
        (["run", "p.json", "--journal="], .missingValue(option: "--journal", valueName: "file", command: ["run"])),
        (["run", "p.json", "--journal", "a", "--journal", "b"], .duplicateOption("--journal", command: ["run"])),
        (["status", "r.jsonl", "--json=yes"], .unexpectedValue(flag: "--json", value: "yes", command: ["status"])),
        (["status"], .missingArgument("journal", command: ["status"])),
        (["gate", "r.jsonl"], .missingArgument("step", command: ["gate"])),
        (["status", "a", "b"], .unexpectedArguments(["b"], command: ["status"])),
        (["explain", "a", "b", "c"], .unexpectedArguments(["b", "c"], command: ["explain"])),
        (["sandbox", "--", "init"], .missingSubcommand(command: ["sandbox"])),
    ])
    func reportsUsageErrors(arguments: [String], expected: UsageError) {
        #expect(usageError(arguments) == expected)
    }

    @Test func unknownOptionMessageCarriesTheSuggestion() {
        let error = UsageError.unknownOption("--froce", suggestion: "--force", command: ["run"])
        #expect(error.message == "Unknown option '--froce'; did you mean '--force'?")
        #expect(
            UsageError.unknownOption("--frobnicate", suggestion: nil, command: ["run"]).message
                == "Unknown option '--frobnicate'"
        )
    }

    @Test(arguments: ["lots", "2.5", "", "0x10"])
    func rejectsNonIntegers(text: String) throws {
        let parsed = ParsedArguments(
            commandPath: ["sandbox", "init"], spec: RekeyCommands.sandboxInit, positionals: ["d"],
            options: ["apps": [text]]
        )
        #expect(
            throws: UsageError.invalidValue(
                text, argument: "--apps <n>", expected: "a whole number", command: ["sandbox", "init"])
        ) {
            try parsed.int("apps")
        }
    }

    @Test func rejectsIntegersOutsideTheRange() throws {
        let parsed = try command(["sandbox", "init", "d", "--apps", "0"])
        #expect(throws: UsageError.self) { try parsed.int("apps", in: 1...100) }
        do {
            _ = try parsed.int("apps", in: 1...100)
        } catch {
            #expect(error.message == "The value '0' is invalid for '--apps <n>': expected a whole number from 1 to 100")
            #expect(error.commandPath == ["sandbox", "init"])
        }
        #expect(try parsed.int("apps", in: 0...100) == 0)
    }

    @Test(arguments: ["10 minutes", "-5s", "1x", "m", "0s", "0"])
    func rejectsBadDurations(text: String) throws {
        let parsed = try command(["gate", "r.jsonl", "confirm-redeploy", "--timeout=\(text)"])
        #expect(throws: UsageError.self) { try parsed.duration("timeout") }
    }

    @Test func allowsAZeroDurationWhenAsked() throws {
        let parsed = try command(["gate", "r.jsonl", "confirm-redeploy", "--timeout=0s"])
        #expect(try parsed.duration("timeout", allowsZero: true) == .zero)
    }

    @Test func redactsValuesThatLookLikeKeys() {
        let key = "signkey-prod-" + String(repeating: "ab12", count: 16)
        guard let error = usageError(["status", "r.jsonl", key]) else {
            Issue.record("expected an error")
            return
        }
        #expect(!error.message.contains("ab12ab12"))
        #expect(error.message.contains("redacted"))
        let eventKey = String(repeating: "Zx9", count: 20)
        #expect(!UsageError.unexpectedArguments([eventKey], command: []).message.contains(eventKey))
        #expect(
            UsageError.unexpectedArguments(["Playbooks/inngest-cloud.json"], command: []).message.contains("Playbooks"))
    }

    @Test func undeclaredNamesStopTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let parsed = ParsedArguments(commandPath: ["status"], spec: RekeyCommands.status, positionals: ["j"])
            _ = parsed.flag("jsno")
        }
    }

    // MARK: - Resolve

    @Test func resolvePrintsHelpToStandardOutput() {
        let recorder = TerminalRecorder()
        guard case .exit(let code) = parser.resolve(["status", "--help"], terminal: recorder.terminal) else {
            Issue.record("help must not run a command")
            return
        }
        #expect(code == .success)
        #expect(recorder.stdout.hasPrefix("OVERVIEW: Show where a rotation stands"))
        #expect(recorder.stderr.isEmpty)
    }

    @Test func resolvePrintsTheVersion() {
        let recorder = TerminalRecorder()
        guard case .exit(.success) = parser.resolve(["--version"], terminal: recorder.terminal) else {
            Issue.record("--version must exit 0")
            return
        }
        #expect(recorder.stdout == RekeyCommands.version + "\n")
    }

    @Test func resolvePrintsUsageErrorsToStandardErrorAndExits64() {
        let recorder = TerminalRecorder()
        guard case .exit(let code) = parser.resolve(["status", "j", "--jsno"], terminal: recorder.terminal) else {
            Issue.record("a usage error must not run a command")
            return
        }
        #expect(code == .usage)
        #expect(code.rawValue == 64)
        #expect(recorder.stdout.isEmpty)
        #expect(
            recorder.stderr == """
                Error: Unknown option '--jsno'; did you mean '--json'?
                Usage: rekey status <journal> [--json]
                See 'rekey status --help' for more information.

                """
        )
    }

    @Test func resolveReturnsTheCommandToRun() {
        let recorder = TerminalRecorder()
        guard case .run(let parsed) = parser.resolve(["log", "r.jsonl", "--verify"], terminal: recorder.terminal) else {
            Issue.record("expected a command to run")
            return
        }
        #expect(parsed.command == "log")
        #expect(parsed.flag("verify"))
        #expect(recorder.stdout.isEmpty && recorder.stderr.isEmpty)
    }

    // MARK: - A spec with short names

    @Test func parsesShortOptionsAndFlags() throws {
        let root = CommandSpec(
            "tool", abstract: "A tool.",
            arguments: [
                .option("out", short: "o", value: "file", help: "Output."),
                .flag("verbose", short: "v", help: "Talk more."),
            ]
        )
        guard case .command(let parsed) = try ArgumentParser(root: root).parse(["-o", "x.json", "-v"]) else {
            Issue.record("expected a command")
            return
        }
        #expect(parsed.string("out") == "x.json")
        #expect(parsed.flag("verbose"))
        #expect(parsed.commandPath.isEmpty)
    }
}
