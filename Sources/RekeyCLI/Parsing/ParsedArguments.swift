import RekeyCore

/// The arguments of one command, as parsed against its ``CommandSpec``.
///
/// Accessors are keyed by the names declared in the spec. Asking for a name the command does not declare
/// is a programming error (a typo in a command's implementation) and stops the process, so tests catch it.
/// Typed accessors (``int(_:in:)``, ``duration(_:)``) throw ``UsageError`` for values that do not parse;
/// render it with ``HelpRenderer/usageError(_:)`` like any other usage error.
public struct ParsedArguments: Sendable {
    /// The command's path below the root (`["run"]`, `["sandbox", "init"]`).
    public let commandPath: [String]
    /// The command's declaration.
    public let spec: CommandSpec
    /// The positional values, in order.
    public let positionalValues: [String]
    private let optionValues: [String: [String]]
    private let presentFlags: Set<String>

    /// Creates parsed arguments; ``ArgumentParser`` is the usual source, tests may build them directly.
    ///
    /// - Parameters:
    ///   - commandPath: The command's path below the root.
    ///   - spec: The command's declaration.
    ///   - positionals: The positional values, in order.
    ///   - options: Values given for each option, in command-line order.
    ///   - flags: Names of the flags given.
    public init(
        commandPath: [String],
        spec: CommandSpec,
        positionals: [String] = [],
        options: [String: [String]] = [:],
        flags: Set<String> = []
    ) {
        self.commandPath = commandPath
        self.spec = spec
        self.positionalValues = positionals
        self.optionValues = options
        self.presentFlags = flags
    }

    /// The command's path joined with spaces (`sandbox init`), handy in a `switch`.
    public var command: String {
        commandPath.joined(separator: " ")
    }

    // MARK: - Untyped

    /// The value of option `name`: the last one given, else its declared default, else `nil`.
    public func string(_ name: String) -> String? {
        optionValues[name]?.last ?? option(name).defaultValue
    }

    /// Every value given for the repeatable option `name`, in order (empty when absent).
    public func strings(_ name: String) -> [String] {
        _ = option(name)
        return optionValues[name] ?? []
    }

    /// Whether flag `name` was given.
    public func flag(_ name: String) -> Bool {
        precondition(
            spec.flags.contains { $0.name == name },
            "command '\(command)' declares no flag '--\(name)'"
        )
        return presentFlags.contains(name)
    }

    /// Whether option `name` was given on the command line (defaults do not count).
    public func isPresent(_ name: String) -> Bool {
        _ = option(name)
        return optionValues[name] != nil
    }

    /// The positional value at `index`, if given.
    public func positional(_ index: Int) -> String? {
        positionalValues.indices.contains(index) ? positionalValues[index] : nil
    }

    /// The value of the declared positional `name`; for a repeating positional, its first value.
    ///
    /// The parser guarantees that a required positional is present, so `nil` means an optional one was
    /// omitted.
    public func positional(_ name: String) -> String? {
        positionals(name).first
    }

    /// Every value of the declared positional `name` (a repeating positional takes all remaining values).
    public func positionals(_ name: String) -> [String] {
        let declared = spec.positionals
        guard let index = declared.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("command '\(command)' declares no positional '<\(name)>'")
        }
        guard positionalValues.indices.contains(index) else { return [] }
        return declared[index].isRepeating ? Array(positionalValues[index...]) : [positionalValues[index]]
    }

    // MARK: - Typed

    /// The value of option `name` as a whole number (given or default), or `nil` when absent.
    ///
    /// - Parameters:
    ///   - name: The option's name.
    ///   - range: The accepted values.
    /// - Throws: ``UsageError/invalidValue(_:argument:expected:command:)`` for anything else.
    public func int(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(UsageError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let expected: String
            switch (range.lowerBound == Int.min, range.upperBound == Int.max) {
            case (true, true): expected = "a whole number"
            case (false, true): expected = "a whole number of at least \(range.lowerBound)"
            case (true, false): expected = "a whole number of at most \(range.upperBound)"
            case (false, false): expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
            throw .invalidValue(text, argument: synopsis(of: name), expected: expected, command: commandPath)
        }
        return value
    }

    /// The value of option `name` as a duration (given or default), or `nil` when absent.
    ///
    /// Accepts a number of seconds (`90`) or `<number><unit>` parts with units `h`, `m`, `s`, `ms`
    /// (`30s`, `10m`, `1h30m`), as ``DurationParser`` reads them.
    ///
    /// - Parameters:
    ///   - name: The option's name.
    ///   - allowsZero: Whether `0s` is acceptable.
    /// - Throws: ``UsageError/invalidValue(_:argument:expected:command:)`` for anything else.
    public func duration(_ name: String, allowsZero: Bool = false) throws(UsageError) -> Duration? {
        guard let text = string(name) else { return nil }
        let seconds: Double
        do {
            seconds = try DurationParser.parse(text)
        } catch {
            throw .invalidValue(
                text, argument: synopsis(of: name), expected: "a duration such as 30s, 10m, 1h or 90 (seconds)",
                command: commandPath
            )
        }
        guard seconds.isFinite, seconds < 1e9, allowsZero || seconds > 0 else {
            throw .invalidValue(
                text, argument: synopsis(of: name), expected: "a positive duration such as 30s, 10m or 1h",
                command: commandPath
            )
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    // MARK: - Helpers

    private func option(_ name: String) -> OptionSpec {
        guard let spec = spec.options.first(where: { $0.name == name }) else {
            preconditionFailure("command '\(command)' declares no option '--\(name)'")
        }
        return spec
    }

    private func synopsis(of name: String) -> String {
        "--\(name) <\(option(name).valueName)>"
    }
}
