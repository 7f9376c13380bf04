/// One thing wrong with a playbook, located by its JSON path.
public struct PlaybookProblem: Sendable, Equatable, CustomStringConvertible {
    /// Where: `apps[1].target.path`, `options.confirmRedeploy.timeout`, or `""` for the whole document.
    public var jsonPath: String
    /// What is wrong, lowercase: `file 'x.env' does not exist`.
    public var message: String
    /// How to fix it, lowercase, when there is something specific to say: `create it or correct the path`.
    public var fix: String?

    public init(jsonPath: String, message: String, fix: String? = nil) {
        self.jsonPath = jsonPath
        self.message = message
        self.fix = fix
    }

    /// `apps[1].target.path: file 'x.env' does not exist (fix: create it or correct the path)`.
    public var description: String {
        var text = jsonPath.isEmpty ? message : "\(jsonPath): \(message)"
        if let fix { text += " (fix: \(fix))" }
        return text
    }
}
