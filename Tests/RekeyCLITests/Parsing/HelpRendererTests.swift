import RekeyCore
import Testing

@testable import RekeyCLI

@Suite struct HelpRendererTests {
    private let renderer = HelpRenderer(root: RekeyCommands.root, width: 80)

    /// Every command path below the root, the root included.
    private static let allPaths: [[String]] = {
        func paths(of spec: CommandSpec, at path: [String]) -> [[String]] {
            [path] + spec.subcommands.flatMap { paths(of: $0, at: path + [$0.name]) }
        }
        return paths(of: RekeyCommands.root, at: [])
    }()

    private static let fixture = CommandSpec(
        "tool",
        abstract: "Do things.",
        subcommands: [
            CommandSpec(
                "copy",
                abstract: "Copy a file somewhere else.",
                discussion: ["Copies bytes."],
                arguments: [
                    .positional("source", help: "The file to copy."),
                    .positional("targets", help: "Where to copy it.", optional: true, repeating: true),
                    .option("mode", value: "octal", help: "The new file's mode.", defaultValue: "600"),
                    .option(
                        "exclude-this-very-long-pattern", value: "glob", help: "Skip files matching this pattern.",
                        repeatable: true
                    ),
                    .flag(
                        "dry-run", help: "Say what would be copied without copying anything at all, not even one byte."),
                ],
                examples: [UsageExample("Copy one file:", "tool copy a b")]
            )
        ],
        version: "1.0"
    )

    // MARK: - Layout

    @Test func rendersACommandLikeSwiftArgumentParser() {
        let help = HelpRenderer(root: Self.fixture).help(for: ["copy"])
        #expect(
            help == """
                OVERVIEW: Copy a file somewhere else.

                Copies bytes.

                USAGE: tool copy <source> [<targets> ...] [--mode <octal>]
                       [--exclude-this-very-long-pattern <glob> ...] [--dry-run]

                ARGUMENTS:
                  <source>                The file to copy.
                  <targets> ...           Where to copy it.

                OPTIONS:
                  --mode <octal>          The new file's mode. (default: 600)
                  --exclude-this-very-long-pattern <glob>
                                          Skip files matching this pattern.
                  --dry-run               Say what would be copied without copying anything at
                                          all, not even one byte.
                  -h, --help              Show help information.

                EXAMPLES:
                  Copy one file:
                    tool copy a b

                """
        )
    }

    @Test func rendersARootWithSubcommands() {
        let help = HelpRenderer(root: Self.fixture).help(for: [])
        #expect(
            help == """
                OVERVIEW: Do things.

                USAGE: tool <subcommand>

                OPTIONS:
                  --version               Show the version.
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  copy                    Copy a file somewhere else.

                  See 'tool help <subcommand>' for detailed help.

                """
        )
    }

    @Test func rendersAUsageErrorAsThreeLines() {
        let text = HelpRenderer(root: Self.fixture).usageError(.missingArgument("source", command: ["copy"]))
        #expect(
            text == """
                Error: Missing expected argument '<source>'
                Usage: tool copy <source> [<targets> ...] [--mode <octal>] [--exclude-this-very-long-pattern <glob> ...] [--dry-run]
                See 'tool copy --help' for more information.

                """
        )
    }

    @Test(arguments: allPaths)
    func usageErrorsAreThreeLinesForEveryCommand(path: [String]) {
        let text = renderer.usageError(.invalid("Something is off", command: path))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0] == "Error: Something is off")
        #expect(lines[1] == "Usage: " + renderer.usage(for: path))
        #expect(lines[1].hasPrefix((["Usage: rekey"] + path).joined(separator: " ")))
        #expect(lines[2] == "See '\((["rekey"] + path).joined(separator: " ")) --help' for more information.")
    }

    // MARK: - Every rekey command

    @Test(arguments: allPaths)
    func helpMentionsEveryArgument(path: [String]) throws {
        let spec = try #require(RekeyCommands.root.descendant(at: path))
        let help = renderer.help(for: path)
        #expect(help.hasPrefix("OVERVIEW: "))
        #expect(help.contains("\nUSAGE: " + (["rekey"] + path).joined(separator: " ")))
        #expect(help.contains("-h, --help"))
        #expect(!spec.abstract.isEmpty && spec.abstract.hasSuffix("."))
        for positional in spec.positionals {
            #expect(help.contains("<\(positional.name)>"), "help for \(path) misses <\(positional.name)>")
            #expect(!positional.help.isEmpty)
        }
        for option in spec.options {
            #expect(help.contains("--\(option.name) <\(option.valueName)>"), "help for \(path) misses --\(option.name)")
            #expect(!option.help.isEmpty)
        }
        for flag in spec.flags {
            #expect(help.contains("--\(flag.name)"), "help for \(path) misses --\(flag.name)")
            #expect(!flag.help.isEmpty)
        }
        for subcommand in spec.subcommands {
            #expect(help.contains("\n  \(subcommand.name) "), "help for \(path) misses \(subcommand.name)")
        }
    }

    @Test(arguments: allPaths)
    func helpFitsEightyColumns(path: [String]) {
        for line in renderer.help(for: path).split(separator: "\n") {
            #expect(line.count <= 80, "too wide in help for \(path): \(line)")
        }
    }

    @Test func exitCodesPageFitsEightyColumnsAndListsEveryCode() {
        let page = renderer.topic(named: "exit-codes")
        for line in page.split(separator: "\n") {
            #expect(line.count <= 80, "too wide: \(line)")
        }
        for code in ExitCode.allCases {
            #expect(page.contains("\n  \(code.rawValue) "), "missing exit code \(code.rawValue)")
            #expect(page.contains(" \(code.name) "))
        }
    }

    @Test func rootHelpListsTheStepsTheExitCodesAndTheCommands() {
        let help = renderer.help(for: [])
        for (index, step) in StepID.inngestProcedure.enumerated() {
            #expect(help.contains("  \(index + 1). \(step.rawValue) "), "missing step \(step)")
        }
        for code in ExitCode.allCases {
            #expect(help.contains("\n  \(code.rawValue) "), "missing exit code \(code.rawValue)")
        }
        for name in [
            "plan", "run", "resume", "status", "explain", "gate", "approve", "abort", "log", "sandbox", "demo",
        ] {
            #expect(help.contains("\n  \(name) "), "missing command \(name)")
        }
        #expect(help.contains("POINT OF NO RETURN"))
        #expect(help.contains("help exit-codes"))
        #expect(help.hasSuffix("\n\n  See 'rekey help <subcommand>' for detailed help.\n"))
    }

    @Test func sandboxHelpPointsToItsSubcommandsHelp() {
        #expect(renderer.help(for: ["sandbox"]).contains("See 'rekey help sandbox <subcommand>' for detailed help."))
        #expect(!renderer.help(for: ["sandbox", "init"]).contains("<subcommand>"))
    }

    @Test func usageLinesMatchTheCommandSurface() {
        #expect(
            renderer.usage(for: ["run"])
                == "rekey run <playbook-or-plan> [--journal <file>] [--until <step>] [--approve <step> ...] "
                + "[--plan-hash <hash>] [--by <name>] [--seal-key-file <file>] [--non-interactive] [--json] [--no-wait] [--force]"
        )
        #expect(renderer.usage(for: ["sandbox", "redeploy"]) == "rekey sandbox redeploy <dir> [<app> ...]")
        #expect(renderer.usage(for: ["gate"]) == "rekey gate <journal> <step> [--wait] [--timeout <duration>] [--json]")
        #expect(renderer.usage(for: []) == "rekey <subcommand>")
    }

    // MARK: - Terminal integration

    @Test func reportColoursErrorOnlyOnAColourTerminal() {
        let error = UsageError.missingArgument("journal", command: ["status"])
        let colour = TerminalRecorder(stderrIsTTY: true, environment: ["TERM": "xterm-256color"])
        #expect(renderer.report(error, to: colour.terminal) == .usage)
        #expect(colour.stderr.hasPrefix("\u{1B}[1;31mError:\u{1B}[0m Missing expected argument '<journal>'\n"))

        let plain = TerminalRecorder(stderrIsTTY: true, environment: ["TERM": "xterm", "NO_COLOR": "1"])
        renderer.report(error, to: plain.terminal)
        #expect(plain.stderr == renderer.usageError(error))
        #expect(!plain.stderr.contains("\u{1B}"))
    }

    @Test(arguments: [(120, 80), (80, 80), (60, 60), (20, 40)])
    func helpWidthFollowsTheTerminalUpToEighty(terminalWidth: Int, expected: Int) {
        #expect(HelpRenderer.width(for: TerminalRecorder(width: terminalWidth).terminal) == expected)
    }

    @Test func wrapsTableLinesUnderTheirTextColumn() {
        let wrapped = TextWrapper.wrapLines("  7. step-name   one two three four five six", width: 40)
        #expect(wrapped == "  7. step-name   one two three four five\n                 six")
        #expect(TextWrapper.wrap("alpha beta gamma", width: 12, indent: 2) == "  alpha beta\n  gamma")
    }
}
