/// A command line that cannot be run as typed (exit 64).
///
/// Every case carries the path of the command it concerns below the root (`["sandbox", "init"]`), so
/// ``HelpRenderer/usageError(_:)`` can print that command's usage line and where to find its help.
/// Values the operator typed are quoted back, except ones that look like key material, which are redacted.
public enum UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--name` is not an option of the command; `suggestion` is a close option (`--force`), if any.
    case unknownOption(String, suggestion: String?, command: [String])
    /// The word is not a subcommand; `suggestion` is a close one, if any.
    case unknownSubcommand(String, suggestion: String?, command: [String])
    /// The command needs a subcommand and got none.
    case missingSubcommand(command: [String])
    /// The option (`--journal`) needs a value (`file`) and got none.
    case missingValue(option: String, valueName: String, command: [String])
    /// A flag was given a value (`--json=yes`).
    case unexpectedValue(flag: String, value: String, command: [String])
    /// A non-repeatable option was given more than once.
    case duplicateOption(String, command: [String])
    /// A required positional (`journal`) is missing.
    case missingArgument(String, command: [String])
    /// More positionals than the command takes.
    case unexpectedArguments([String], command: [String])
    /// A value does not parse: `argument` is how it is shown (`--apps <n>`), `expected` what would parse.
    case invalidValue(String, argument: String, expected: String, command: [String])
    /// Any other usage problem found by a command (`--timeout needs --wait`).
    case invalid(String, command: [String])

    /// The command the error concerns, below the root (empty for the root itself).
    public var commandPath: [String] {
        switch self {
        case .unknownOption(_, _, let command), .unknownSubcommand(_, _, let command),
            .missingSubcommand(let command), .missingValue(_, _, let command), .unexpectedValue(_, _, let command),
            .duplicateOption(_, let command), .missingArgument(_, let command), .unexpectedArguments(_, let command),
            .invalidValue(_, _, _, let command), .invalid(_, let command):
            command
        }
    }

    /// The message printed after `Error: `.
    public var message: String {
        switch self {
        case .unknownOption(let name, let suggestion, _):
            "Unknown option '\(Self.quoted(name))'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .unknownSubcommand(let name, let suggestion, _):
            "Unknown subcommand '\(Self.quoted(name))'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .missingSubcommand:
            "Missing subcommand"
        case .missingValue(let option, let valueName, _):
            "Missing value for '\(option) <\(valueName)>'"
        case .unexpectedValue(let flag, let value, _):
            "The flag '\(flag)' does not take a value, but '\(Self.quoted(value))' was given"
        case .duplicateOption(let option, _):
            "The option '\(option)' was given more than once; give it once"
        case .missingArgument(let name, _):
            "Missing expected argument '<\(name)>'"
        case .unexpectedArguments(let values, _):
            values.count == 1
                ? "Unexpected argument '\(Self.quoted(values[0]))'"
                : "\(values.count) unexpected arguments: "
                    + values.map { "'\(Self.quoted($0))'" }.joined(separator: ", ")
        case .invalidValue(let value, let argument, let expected, _):
            "The value '\(Self.quoted(value))' is invalid for '\(argument)': expected \(expected)"
        case .invalid(let message, _):
            message
        }
    }

    public var description: String { message }

    /// Quotes a value the operator typed, unless it looks like key material pasted in the wrong place.
    ///
    /// Key material is an Inngest key (`signkey-…`, `sk-…`) or a long run of letters and digits with no path
    /// or file-extension punctuation; paths, step ids and durations never look like that.
    static func quoted(_ value: String) -> String {
        let lowered = value.lowercased()
        let hasKeyPrefix = ["signkey-", "sk-", "sk_", "evtkey-"].contains { lowered.hasPrefix($0) }
        let looksRandom =
            value.count >= 32 && value.contains(where: \.isNumber)
            && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return hasKeyPrefix || looksRandom ? "<redacted: looks like a key, \(value.count) characters>" : value
    }
}
