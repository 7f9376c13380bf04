import RekeyCore

/// Parses a command line against a root ``CommandSpec``.
///
/// Accepted forms: subcommand words first (`sandbox init`), then in any order positionals, `--opt value`,
/// `--opt=value`, `-o value`, flags, and `--` after which everything is positional. `-h`/`--help` anywhere
/// before `--` asks for help on the command named so far; `help [command…]` and `help <topic>` do too;
/// `--version` is accepted at the root. A bare command that needs a subcommand shows its help.
///
/// ```swift
/// let terminal = Terminal.standard()
/// switch RekeyCommands.parser.resolve(Array(CommandLine.arguments.dropFirst()), terminal: terminal) {
/// case .exit(let code):
///     terminal.flush()
///     exit(code.rawValue)
/// case .run(let arguments):
///     … // switch arguments.command { case "sandbox init": … }
/// }
/// ```
public struct ArgumentParser: Sendable {
    /// What a command line asks for.
    public enum Outcome: Sendable {
        /// Run a command with these arguments.
        case command(ParsedArguments)
        /// Show the help of the command at this path below the root (`[]` for the root).
        case help([String])
        /// Show the help topic with this name (`exit-codes`).
        case helpTopic(String)
        /// Show the version.
        case version
    }

    /// What the caller should do after ``resolve(_:terminal:)``.
    public enum Resolution: Sendable {
        /// Run this command.
        case run(ParsedArguments)
        /// Help, version or a usage error was printed: exit with this code.
        case exit(ExitCode)
    }

    /// The root command (the tool itself).
    public let root: CommandSpec

    /// Creates a parser for the tool described by `root`.
    public init(root: CommandSpec) {
        self.root = root
    }

    /// The words that ask for help, anywhere on the command line before `--`.
    public static let helpNames: Set<String> = ["-h", "--help"]

    /// Parses `arguments` (without the program name).
    ///
    /// - Throws: ``UsageError`` for a command line that cannot be run as typed.
    public func parse(_ arguments: [String]) throws(UsageError) -> Outcome {
        if arguments.first == "help", root.subcommand(named: "help") != nil {
            return try parseHelpCommand(Array(arguments.dropFirst()))
        }
        let beforeTerminator = arguments.prefix { $0 != "--" }
        if beforeTerminator.contains(where: Self.helpNames.contains) {
            return .help(commandPath(named: Array(beforeTerminator)))
        }
        return try parseCommand(arguments)
    }

    /// Parses `arguments` and handles everything that is not a command to run: prints help and `--version` to
    /// standard output (exit 0) and usage errors to standard error (exit 64).
    ///
    /// - Parameters:
    ///   - arguments: The command line without the program name.
    ///   - terminal: Where to print.
    /// - Returns: The command to run, or the code to exit with.
    public func resolve(_ arguments: [String], terminal: Terminal) -> Resolution {
        let renderer = HelpRenderer(root: root, width: HelpRenderer.width(for: terminal))
        do {
            switch try parse(arguments) {
            case .command(let parsed):
                return .run(parsed)
            case .help(let path):
                terminal.out.write(renderer.help(for: path))
            case .helpTopic(let name):
                terminal.out.write(renderer.topic(named: name))
            case .version:
                terminal.out.line(root.version ?? "")
            }
            return .exit(.success)
        } catch {
            return .exit(renderer.report(error, to: terminal))
        }
    }

    // MARK: - Commands

    private func parseCommand(_ arguments: [String]) throws(UsageError) -> Outcome {
        var spec = root
        var path: [String] = []
        var positionals: [String] = []
        var options: [String: [String]] = [:]
        var flags = Set<String>()
        var index = 0
        var afterTerminator = false

        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if !afterTerminator && token == "--" {
                afterTerminator = true
                continue
            }
            if !afterTerminator && Self.isOptionLike(token) {
                if token == "--version", path.isEmpty, root.version != nil {
                    return .version
                }
                let (name, inlineValue) = Self.split(token)
                if let option = Self.option(named: name, in: spec) {
                    let display = "--\(option.name)"
                    let value: String
                    if let inlineValue {
                        guard !inlineValue.isEmpty else {
                            throw .missingValue(option: display, valueName: option.valueName, command: path)
                        }
                        value = inlineValue
                    } else if index < arguments.count, !Self.isOptionLike(arguments[index]), arguments[index] != "--" {
                        value = arguments[index]
                        index += 1
                    } else {
                        throw .missingValue(option: display, valueName: option.valueName, command: path)
                    }
                    if !option.isRepeatable, options[option.name] != nil {
                        throw .duplicateOption(display, command: path)
                    }
                    options[option.name, default: []].append(value)
                } else if let flag = Self.flag(named: name, in: spec) {
                    if let inlineValue {
                        throw .unexpectedValue(flag: "--\(flag.name)", value: inlineValue, command: path)
                    }
                    flags.insert(flag.name)
                } else {
                    throw .unknownOption(name, suggestion: Self.suggestion(forOption: name, in: spec), command: path)
                }
                continue
            }
            if !spec.subcommands.isEmpty && !afterTerminator {
                guard let next = spec.subcommand(named: token) else {
                    let names = spec.subcommands.map(\.name)
                    let suggestion = Spelling.suggestion(for: token, among: names)
                    throw .unknownSubcommand(token, suggestion: suggestion, command: path)
                }
                spec = next
                path.append(token)
                continue
            }
            positionals.append(token)
        }

        if !spec.subcommands.isEmpty {
            if options.isEmpty && flags.isEmpty && !afterTerminator {
                return .help(path)
            }
            throw .missingSubcommand(command: path)
        }
        try checkPositionals(positionals, of: spec, path: path)
        return .command(
            ParsedArguments(commandPath: path, spec: spec, positionals: positionals, options: options, flags: flags)
        )
    }

    private func checkPositionals(_ values: [String], of spec: CommandSpec, path: [String]) throws(UsageError) {
        let declared = spec.positionals
        let required = declared.filter { !$0.isOptional }
        if values.count < required.count {
            throw .missingArgument(required[values.count].name, command: path)
        }
        if declared.last?.isRepeating != true, values.count > declared.count {
            throw .unexpectedArguments(Array(values[declared.count...]), command: path)
        }
    }

    // MARK: - Help

    /// `help`, `help run`, `help sandbox init`, `help exit-codes`.
    private func parseHelpCommand(_ arguments: [String]) throws(UsageError) -> Outcome {
        let words = arguments.filter { !Self.helpNames.contains($0) }
        if words.isEmpty {
            return .help(arguments.isEmpty ? [] : ["help"])
        }
        if words.count == 1, root.helpTopics.contains(where: { $0.name == words[0] }) {
            return .helpTopic(words[0])
        }
        var spec = root
        var path: [String] = []
        for word in words {
            if Self.isOptionLike(word) {
                throw .unknownOption(Self.split(word).name, suggestion: nil, command: ["help"])
            }
            guard !spec.subcommands.isEmpty else {
                throw .unexpectedArguments([word], command: ["help"])
            }
            guard let next = spec.subcommand(named: word) else {
                var names = spec.subcommands.map(\.name)
                if path.isEmpty { names += root.helpTopics.map(\.name) }
                throw .unknownSubcommand(
                    word, suggestion: Spelling.suggestion(for: word, among: names), command: ["help"])
            }
            spec = next
            path.append(word)
        }
        return .help(path)
    }

    /// The deepest command named by the subcommand words in `arguments`, ignoring everything else: the
    /// command `--help` is about, even when the rest of the line has mistakes.
    private func commandPath(named arguments: [String]) -> [String] {
        var spec = root
        var path: [String] = []
        var index = 0
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if Self.isOptionLike(token) {
                let (name, inlineValue) = Self.split(token)
                if inlineValue == nil, Self.option(named: name, in: spec) != nil { index += 1 }
                continue
            }
            if let next = spec.subcommand(named: token) {
                spec = next
                path.append(token)
            } else if !spec.subcommands.isEmpty {
                break
            }
        }
        return path
    }

    // MARK: - Tokens

    /// `-x`, `--name`, `--name=value`; not `-` (standard input by convention) and not negative numbers.
    private static func isOptionLike(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return false }
        return !token.dropFirst().allSatisfy { $0.isNumber || $0 == "." }
    }

    /// Splits `--name=value` into the option as typed (`--name`) and the inline value.
    private static func split(_ token: String) -> (name: String, value: String?) {
        guard token.hasPrefix("--"), let equals = token.firstIndex(of: "=") else { return (token, nil) }
        return (String(token[..<equals]), String(token[token.index(after: equals)...]))
    }

    private static func option(named typed: String, in spec: CommandSpec) -> OptionSpec? {
        spec.options.first { matches(typed, long: $0.name, short: $0.short) }
    }

    private static func flag(named typed: String, in spec: CommandSpec) -> FlagSpec? {
        spec.flags.first { matches(typed, long: $0.name, short: $0.short) }
    }

    private static func matches(_ typed: String, long: String, short: Character?) -> Bool {
        typed == "--\(long)" || (short.map { typed == "-\($0)" } ?? false)
    }

    /// A close long option (`--force` for `--froce`), within two edits or as a word match.
    private static func suggestion(forOption typed: String, in spec: CommandSpec) -> String? {
        guard typed.hasPrefix("--") else { return nil }
        var names = spec.options.map(\.name) + spec.flags.map(\.name) + ["help"]
        if spec.version != nil { names.append("version") }
        return Spelling.suggestion(for: String(typed.dropFirst(2)), among: names).map { "--\($0)" }
    }
}
