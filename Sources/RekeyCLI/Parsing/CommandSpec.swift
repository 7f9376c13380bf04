/// The declaration of a command: what it is called, what it takes, and the text of its help.
///
/// ```swift
/// CommandSpec(
///     "status",
///     abstract: "Show where a rotation stands.",
///     arguments: [
///         .positional("journal", help: "The rotation's journal file."),
///         .flag("json", help: "Print the status as JSON."),
///     ]
/// )
/// ```
///
/// `-h, --help` is implicit on every command; `--version` is accepted at the root when ``version`` is set.
public struct CommandSpec: Sendable {
    /// The word that selects the command (`run`, `init`), or the tool's name for the root.
    public var name: String
    /// One line: what the command does.
    public var abstract: String
    /// Paragraphs shown under the overview. A paragraph may hold its own line breaks (lists, tables).
    public var discussion: [String]
    /// Positional arguments, options and flags, in the order help lists them.
    public var arguments: [ArgumentSpec]
    /// Subcommands (a command with subcommands has no positionals of its own).
    public var subcommands: [CommandSpec]
    /// Worked examples shown at the end of the help.
    public var examples: [UsageExample]
    /// Extra help pages reached with `<tool> help <topic>` (root only).
    public var helpTopics: [HelpTopic]
    /// The version printed by `--version` (root only); `nil` disables `--version`.
    public var version: String?

    /// Declares a command.
    ///
    /// - Parameters:
    ///   - name: The command's word.
    ///   - abstract: One line.
    ///   - discussion: Paragraphs for the detailed help.
    ///   - arguments: Positionals, options and flags.
    ///   - subcommands: Nested commands.
    ///   - examples: Worked examples.
    ///   - helpTopics: Extra help pages (root only).
    ///   - version: The `--version` text (root only).
    public init(
        _ name: String,
        abstract: String,
        discussion: [String] = [],
        arguments: [ArgumentSpec] = [],
        subcommands: [CommandSpec] = [],
        examples: [UsageExample] = [],
        helpTopics: [HelpTopic] = [],
        version: String? = nil
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.subcommands = subcommands
        self.examples = examples
        self.helpTopics = helpTopics
        self.version = version
        validate()
    }

    // MARK: - Views

    /// The positional arguments, in order.
    public var positionals: [PositionalSpec] {
        arguments.compactMap { if case .positional(let spec) = $0 { spec } else { nil } }
    }

    /// The options (named arguments taking a value).
    public var options: [OptionSpec] {
        arguments.compactMap { if case .option(let spec) = $0 { spec } else { nil } }
    }

    /// The flags (named arguments without a value), not counting the implicit `--help`.
    public var flags: [FlagSpec] {
        arguments.compactMap { if case .flag(let spec) = $0 { spec } else { nil } }
    }

    /// The subcommand called `name`, if any.
    public func subcommand(named name: String) -> CommandSpec? {
        subcommands.first { $0.name == name }
    }

    /// The command reached by following `path` from this one (`["sandbox", "init"]`), if it exists.
    public func descendant(at path: [String]) -> CommandSpec? {
        var spec = self
        for name in path {
            guard let next = spec.subcommand(named: name) else { return nil }
            spec = next
        }
        return spec
    }

    /// Declaration mistakes are programming errors: catch them the first time the spec is built.
    private func validate() {
        var seen = Set<String>()
        for argument in arguments {
            precondition(seen.insert(argument.name).inserted, "command '\(name)' declares '\(argument.name)' twice")
        }
        precondition(!seen.contains("help"), "command '\(name)': --help is implicit")
        let positionals = self.positionals
        for (index, positional) in positionals.enumerated() where index < positionals.count - 1 {
            precondition(!positional.isRepeating, "command '\(name)': only the last positional may repeat")
            precondition(
                !positional.isOptional || positionals[index + 1].isOptional,
                "command '\(name)': a required positional cannot follow an optional one"
            )
        }
        precondition(
            subcommands.isEmpty || positionals.isEmpty,
            "command '\(name)': a command with subcommands takes no positionals"
        )
    }
}

/// One argument of a command: a positional, an option or a flag.
public enum ArgumentSpec: Sendable {
    /// A positional argument.
    case positional(PositionalSpec)
    /// A named argument with a value.
    case option(OptionSpec)
    /// A named argument without a value.
    case flag(FlagSpec)

    /// The argument's name: the key for ``ParsedArguments`` accessors.
    public var name: String {
        switch self {
        case .positional(let spec): spec.name
        case .option(let spec): spec.name
        case .flag(let spec): spec.name
        }
    }

    /// A positional argument, shown as `<name>`.
    ///
    /// - Parameters:
    ///   - name: The name in help and the accessor key (`playbook-or-plan`).
    ///   - help: One sentence or more.
    ///   - optional: Whether it may be omitted.
    ///   - repeating: Whether it takes every remaining argument (last positional only).
    public static func positional(
        _ name: String,
        help: String,
        optional: Bool = false,
        repeating: Bool = false
    ) -> ArgumentSpec {
        .positional(PositionalSpec(name: name, help: help, isOptional: optional, isRepeating: repeating))
    }

    /// An option taking a value: `--name <value>` or `--name=<value>`.
    ///
    /// - Parameters:
    ///   - name: The long name without dashes.
    ///   - short: An optional one-letter name (`-o`).
    ///   - value: The value's name in help (`file`, `step`, `duration`).
    ///   - help: One sentence or more.
    ///   - repeatable: Whether it may be given several times (`strings(_:)` returns every value).
    ///   - defaultValue: The value accessors return when the option is absent, shown as `(default: …)`.
    public static func option(
        _ name: String,
        short: Character? = nil,
        value: String,
        help: String,
        repeatable: Bool = false,
        defaultValue: String? = nil
    ) -> ArgumentSpec {
        .option(
            OptionSpec(
                name: name, short: short, valueName: value, help: help, isRepeatable: repeatable,
                defaultValue: defaultValue
            )
        )
    }

    /// A flag: `--name`, true when present.
    ///
    /// - Parameters:
    ///   - name: The long name without dashes.
    ///   - short: An optional one-letter name.
    ///   - help: One sentence or more.
    public static func flag(_ name: String, short: Character? = nil, help: String) -> ArgumentSpec {
        .flag(FlagSpec(name: name, short: short, help: help))
    }
}

/// A positional argument.
public struct PositionalSpec: Sendable, Equatable {
    /// The name in help (`<journal>`) and the accessor key.
    public var name: String
    /// What to pass.
    public var help: String
    /// Whether it may be omitted.
    public var isOptional: Bool
    /// Whether it takes every remaining argument.
    public var isRepeating: Bool
}

/// An option taking a value.
public struct OptionSpec: Sendable, Equatable {
    /// The long name without dashes (`journal`).
    public var name: String
    /// The one-letter name, if any.
    public var short: Character?
    /// The value's name in help (`file`).
    public var valueName: String
    /// What it does.
    public var help: String
    /// Whether it may be given several times.
    public var isRepeatable: Bool
    /// The value used when absent, shown in help.
    public var defaultValue: String?
}

/// A flag (no value).
public struct FlagSpec: Sendable, Equatable {
    /// The long name without dashes (`json`).
    public var name: String
    /// The one-letter name, if any.
    public var short: Character?
    /// What it does.
    public var help: String
}

/// A worked example in help: a sentence and the command line that does it.
public struct UsageExample: Sendable, Equatable {
    /// What the example achieves.
    public var summary: String
    /// The command line, as typed.
    public var command: String

    /// Creates an example.
    public init(_ summary: String, _ command: String) {
        self.summary = summary
        self.command = command
    }
}

/// An extra help page (`rekey help exit-codes`).
public struct HelpTopic: Sendable {
    /// The word after `help`.
    public var name: String
    /// One line, listed in the root's help.
    public var abstract: String
    /// Renders the page for a width.
    public var render: @Sendable (_ width: Int) -> String

    /// Creates a topic.
    public init(_ name: String, abstract: String, render: @escaping @Sendable (_ width: Int) -> String) {
        self.name = name
        self.abstract = abstract
        self.render = render
    }
}
