/// Renders help pages, usage lines and usage errors in the layout of swift-argument-parser.
///
/// ```
/// OVERVIEW: Show where a rotation stands.
///
/// USAGE: rekey status <journal> [--json]
///
/// ARGUMENTS:
///   <journal>               The rotation's journal file.
///
/// OPTIONS:
///   --json                  Print the status as JSON.
///   -h, --help              Show help information.
/// ```
public struct HelpRenderer: Sendable {
    /// The tool's root command.
    public let root: CommandSpec
    /// The column text wraps at.
    public let width: Int

    /// Where labels end and their descriptions start, as in swift-argument-parser.
    private static let labelColumn = 26
    private static let indent = "  "

    /// Creates a renderer.
    ///
    /// - Parameters:
    ///   - root: The tool's root command.
    ///   - width: The column to wrap at (80 by default; see ``width(for:)``).
    public init(root: CommandSpec, width: Int = 80) {
        self.root = root
        self.width = width
    }

    /// The help width for a terminal: its width, but at most 80 columns (long lines are hard to read) and
    /// at least 40 (narrower breaks the layout).
    public static func width(for terminal: Terminal) -> Int {
        min(max(terminal.width, 40), 80)
    }

    // MARK: - Help pages

    /// The help page of the command at `path` below the root (`[]` for the root), ending with a newline.
    public func help(for path: [String]) -> String {
        guard let spec = root.descendant(at: path) else {
            preconditionFailure("no command at '\(path.joined(separator: " "))'")
        }
        var blocks: [String] = []
        if !spec.abstract.isEmpty {
            blocks.append(TextWrapper.wrap("OVERVIEW: " + spec.abstract, width: width, indent: 0))
        }
        blocks += spec.discussion.map { TextWrapper.wrapLines($0, width: width) }
        blocks.append(wrappedUsage(for: path, spec: spec))

        let arguments = spec.arguments.compactMap { argument -> (String, String)? in
            guard case .positional(let positional) = argument else { return nil }
            return (positional.isRepeating ? "<\(positional.name)> ..." : "<\(positional.name)>", positional.help)
        }
        blocks.append(section("ARGUMENTS", arguments))
        blocks.append(section("OPTIONS", optionRows(of: spec, isRoot: path.isEmpty)))
        blocks.append(section("SUBCOMMANDS", spec.subcommands.map { ($0.name, $0.abstract) }))
        if path.isEmpty {
            blocks.append(section("HELP TOPICS", root.helpTopics.map { ("help \($0.name)", $0.abstract) }))
        }
        if !spec.examples.isEmpty {
            let examples = spec.examples.map { example in
                let command = example.command.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
                return TextWrapper.wrap(example.summary, width: width, indent: 2) + "\n"
                    + TextWrapper.wrapLines(command, width: width)
            }
            blocks.append("EXAMPLES:\n" + examples.joined(separator: "\n\n"))
        }
        if !spec.subcommands.isEmpty {
            let names = ([root.name, "help"] + path).joined(separator: " ")
            blocks.append("  See '\(names) <subcommand>' for detailed help.")
        }
        return blocks.filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
    }

    /// The help topic `name` (`exit-codes`), ending with a newline.
    public func topic(named name: String) -> String {
        guard let topic = root.helpTopics.first(where: { $0.name == name }) else {
            preconditionFailure("no help topic '\(name)'")
        }
        return topic.render(width)
    }

    // MARK: - Usage

    /// The usage line of the command at `path`, unwrapped: `rekey gate <journal> <step> [--wait] …`.
    public func usage(for path: [String]) -> String {
        guard let spec = root.descendant(at: path) else {
            preconditionFailure("no command at '\(path.joined(separator: " "))'")
        }
        return usageElements(for: path, spec: spec).joined(separator: " ")
    }

    /// The three lines printed for a usage error, ending with a newline:
    ///
    /// ```
    /// Error: Unknown option '--frobnicate'
    /// Usage: rekey run <playbook-or-plan> [--journal <file>] …
    /// See 'rekey run --help' for more information.
    /// ```
    ///
    /// - Parameters:
    ///   - error: The error.
    ///   - errorLabel: How to print `Error:` (pass a styled string when colour is on).
    public func usageError(_ error: UsageError, errorLabel: String = "Error:") -> String {
        let path = root.descendant(at: error.commandPath) == nil ? [] : error.commandPath
        let command = ([root.name] + path).joined(separator: " ")
        return """
            \(errorLabel) \(error.message)
            Usage: \(usage(for: path))
            See '\(command) --help' for more information.

            """
    }

    /// Writes a usage error to standard error (with a red `Error:` when colour is on).
    ///
    /// - Returns: ``ExitCode/usage``, the code to exit with.
    @discardableResult
    public func report(_ error: UsageError, to terminal: Terminal) -> ExitCode {
        terminal.err.write(usageError(error, errorLabel: terminal.err.styled("Error:", .bold, .red)))
        return .usage
    }

    // MARK: - Layout

    private func usageElements(for path: [String], spec: CommandSpec) -> [String] {
        var elements = [([root.name] + path).joined(separator: " ")]
        for argument in spec.arguments {
            switch argument {
            case .positional(let positional):
                let base = positional.isRepeating ? "<\(positional.name)> ..." : "<\(positional.name)>"
                elements.append(positional.isOptional ? "[\(base)]" : base)
            case .option(let option):
                let base = "--\(option.name) <\(option.valueName)>" + (option.isRepeatable ? " ..." : "")
                elements.append("[\(base)]")
            case .flag(let flag):
                elements.append("[--\(flag.name)]")
            }
        }
        if !spec.subcommands.isEmpty {
            elements.append("<subcommand>")
        }
        return elements
    }

    /// `USAGE: ` and the usage line, wrapped between elements with continuation lines under the command.
    private func wrappedUsage(for path: [String], spec: CommandSpec) -> String {
        let prefix = "USAGE: "
        let hanging = String(repeating: " ", count: prefix.count)
        var lines: [String] = []
        var current = prefix
        for element in usageElements(for: path, spec: spec) {
            if current == prefix || current == hanging {
                current += element
            } else if current.count + 1 + element.count <= width {
                current += " " + element
            } else {
                lines.append(current)
                current = hanging + element
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }

    private func optionRows(of spec: CommandSpec, isRoot: Bool) -> [(String, String)] {
        var rows: [(String, String)] = []
        for argument in spec.arguments {
            switch argument {
            case .positional:
                continue
            case .option(let option):
                let names = (option.short.map { "-\($0), " } ?? "") + "--\(option.name) <\(option.valueName)>"
                let help = option.help + (option.defaultValue.map { " (default: \($0))" } ?? "")
                rows.append((names, help))
            case .flag(let flag):
                rows.append(((flag.short.map { "-\($0), " } ?? "") + "--\(flag.name)", flag.help))
            }
        }
        if isRoot && root.version != nil {
            rows.append(("--version", "Show the version."))
        }
        rows.append(("-h, --help", "Show help information."))
        return rows
    }

    /// A titled section of label/description rows; empty when there are no rows.
    private func section(_ title: String, _ rows: [(label: String, text: String)]) -> String {
        guard !rows.isEmpty else { return "" }
        let rendered = rows.map { row -> String in
            let label = Self.indent + row.label
            guard !row.text.isEmpty else { return label }
            let text = TextWrapper.wrap(row.text, width: width, indent: Self.labelColumn)
            if label.count < Self.labelColumn {
                return label + text.dropFirst(label.count)
            }
            return label + "\n" + text
        }
        return "\(title):\n" + rendered.joined(separator: "\n")
    }
}
