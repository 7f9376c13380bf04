/// Why some bytes are not valid JSON, and where.
///
/// `line` and `column` are 1-based; the column counts characters (Unicode scalars), not bytes, so it
/// matches what an editor shows. The message is lowercase and never contains the document's text
/// beyond the offending token.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the problem.
    public var line: Int
    /// 1-based column (in characters) of the problem.
    public var column: Int
    /// What is wrong, e.g. `expected ',' or '}' after object member`.
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line 3, column 7: expected ',' or '}' after object member`.
    public var description: String {
        "line \(line), column \(column): \(message)"
    }
}
