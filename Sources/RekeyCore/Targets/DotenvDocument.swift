// STUB: interface fixed; implementation in progress (helper B replaces the bodies).

/// A dotenv file kept byte for byte: comments, blank lines, order, quoting and `export ` prefixes
/// survive every edit.
public struct DotenvDocument: Sendable, Equatable {
    /// Parses `text`. Never fails: lines that aren't assignments are kept verbatim.
    public init(parsing text: String) {
        fatalError("unimplemented")
    }

    /// The value of `name` as a dotenv loader sees it (the last assignment wins), `""` for `NAME=`,
    /// or `nil` when absent.
    public func value(of name: String) -> String? {
        fatalError("unimplemented")
    }

    /// The names assigned, in file order (each once).
    public var names: [String] {
        fatalError("unimplemented")
    }

    /// Sets `name` to `value`. An existing assignment keeps its line, `export ` prefix, quoting style
    /// and trailing comment; a new one is inserted right after the line assigning `anchor` when
    /// given and present, else appended at the end.
    public mutating func set(_ name: String, to value: String, after anchor: String? = nil) {
        fatalError("unimplemented")
    }

    /// Removes every line assigning `name` (never leaves `NAME=`).
    public mutating func remove(_ name: String) {
        fatalError("unimplemented")
    }

    /// The document's text; equal to the parsed text when nothing changed.
    public var text: String {
        fatalError("unimplemented")
    }
}
