/// The commands of an `exec` target: how rekey sets and removes one variable of an app through a
/// deployment tool (`vercel env add`, `gh secret set`, `kubectl`, a script of yours).
///
/// Each command is an argv (no shell) whose elements may contain the placeholders `{name}` (the
/// variable) and `{app}` (the app's name). The value is never on the command line or in the environment:
/// rekey writes it to the command's standard input and closes it.
public struct ExecTargetSpec: Sendable, Equatable {
    /// The placeholders an argv element may contain.
    public static let placeholders = ["name", "app"]
    /// The timeout when the playbook gives none (seconds).
    public static let defaultTimeout: Double = 60

    /// Sets one variable, reading the value on stdin. Must contain `{name}`.
    public var set: [String]
    /// Removes one variable (stdin is empty). Must contain `{name}`; `nil` when the playbook's steps
    /// never remove a variable.
    public var unset: [String]?
    /// Seconds before a command is stopped.
    public var timeout: Double
    /// Whether a newline follows the value on stdin (for tools that read a line).
    public var newline: Bool
    /// The commands' working directory: the playbook's directory.
    public var directory: String

    public init(
        set: [String],
        unset: [String]? = nil,
        timeout: Double = ExecTargetSpec.defaultTimeout,
        newline: Bool = false,
        directory: String
    ) {
        self.set = set
        self.unset = unset
        self.timeout = timeout
        self.newline = newline
        self.directory = directory
    }

    /// `template` with `{name}` and `{app}` replaced.
    public static func render(_ template: [String], name: String, app: String) -> [String] {
        template.map { $0.replacingOccurrences(of: "{name}", with: name).replacingOccurrences(of: "{app}", with: app) }
    }
}
