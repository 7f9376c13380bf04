/// A dotenv file kept byte for byte: comments, blank lines, order, quoting and `export ` prefixes
/// survive every edit.
///
/// Parsing follows python-dotenv 1.x (what the Inngest Python SDK's apps load) binding by binding:
/// an optional `export ` prefix, a bare or single-quoted name, optional spaces around `=`, then a
/// single-quoted value (`\\` and `\'` decoded), a double-quoted value (`\\`, `\"`, `\'`, `\n`, `\r`, `\t`,
/// `\a`, `\b`, `\f`, `\v` decoded; it may span several lines) or an unquoted value (up to the end of the
/// line, cut at the first ` #`, trailing whitespace trimmed). CRLF and CR line endings load as LF, as
/// Python's universal newlines do. Anything python-dotenv would skip with a warning (an unclosed quote,
/// junk after a quoted value) is kept verbatim and never touched. `${VAR}` expansion is not performed:
/// values are the literal text.
///
/// Edits are minimal and reversible:
/// - for a name with no binding, `set(name, to: v, after: a)` followed by `remove(name)` restores the
///   text exactly;
/// - for a name whose assignments all hold `old`, `set(name, to: new)` followed by `set(name, to: old)`
///   restores the text exactly (each line remembers how it spelled its parsed value).
///
/// An edit leaves what the other lines load unchanged, except where python-dotenv's quoted-value pattern
/// depends on what follows: a quote introduced by a new value can close an earlier *unclosed* quote, or
/// an earlier quoted value ending in `\"`. ``namesLoadedDifferently()`` detects this; writers check it
/// before saving.
///
/// Two documents are equal when their texts are equal byte for byte. The document's description never
/// shows a value.
public struct DotenvDocument: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private var segments: [Segment]
    /// The file's line ending (its first one; `\n` for a file without any), used for new lines.
    private let lineEnding: String

    /// Parses `text`. Never fails: lines that aren't assignments are kept verbatim.
    public init(parsing text: String) {
        var parser = Parser(text)
        segments = parser.parseAll()
        lineEnding = Self.firstLineEnding(in: text)
    }

    // MARK: - Reading

    /// The value of `name` as a dotenv loader sees it (the last assignment wins), `""` for `NAME=`,
    /// or `nil` when absent.
    ///
    /// A bare `NAME` line (no `=`) binds the name to nothing: python-dotenv then loads no value, so when it
    /// comes last the result is `nil`.
    public func value(of name: String) -> String? {
        for case .binding(let binding) in segments.reversed() where binding.name.isExactly(name) {
            return binding.assignment?.value
        }
        return nil
    }

    /// The names assigned (`NAME=…`), in file order (each once).
    public var names: [String] {
        var result: [String] = []
        for case .binding(let binding) in segments where binding.assignment != nil {
            if !result.contains(where: { $0.isExactly(binding.name) }) { result.append(binding.name) }
        }
        return result
    }

    /// The document's text; equal to the parsed text when nothing changed.
    public var text: String {
        var result = ""
        for segment in segments { result += segment.text }
        return result
    }

    /// The names whose value a fresh parse of ``text`` loads differently from ``value(of:)``.
    ///
    /// Empty for a parsed document and after ordinary edits. It is not empty only when an edit
    /// introduced a quote that completes an earlier unclosed quote, or wrote a quoted value ending in a
    /// backslash in front of another quote: saving such a text would change what the app loads.
    public func namesLoadedDifferently() -> [String] {
        let reparsed = DotenvDocument(parsing: text)
        var candidates = names
        for name in reparsed.names where !candidates.contains(where: { $0.isExactly(name) }) {
            candidates.append(name)
        }
        for case .binding(let binding) in segments where !candidates.contains(where: { $0.isExactly(binding.name) }) {
            candidates.append(binding.name)
        }
        return candidates.filter { name in
            switch (value(of: name), reparsed.value(of: name)) {
            case (nil, nil): false
            case (let mine?, let theirs?): !mine.isExactly(theirs)
            default: true
            }
        }
    }

    /// Whether `name` can be written as a new assignment: not empty, and free of whitespace, `=`, `#`
    /// and quotes (python-dotenv's unquoted name syntax, minus quotes to keep shells happy).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { !isPythonWhitespace($0) && !"=#'\"".unicodeScalars.contains($0) }
    }

    // MARK: - Editing

    /// Sets `name` to `value`. An existing assignment keeps its line, `export ` prefix, quoting style
    /// and trailing comment; a new one is inserted right after the line assigning `anchor` when
    /// given and present, else appended at the end.
    ///
    /// Every binding of `name` is rewritten (a bare `NAME` line becomes `NAME=value`). A value is
    /// written in its line's style: unquoted when it holds no whitespace, `#` or quote (and, if empty,
    /// when no comment follows), single-quoted when it holds no quote, backslash or line break,
    /// double-quoted otherwise (`\`, `"`, LF and CR escaped). Setting a line back to the value it was
    /// parsed with restores its original spelling.
    ///
    /// A new line takes the `export ` prefix of the anchor (at the end: of the last assignment) and the
    /// file's line ending; a file without a final newline keeps having none.
    ///
    /// - Precondition: when `name` has no binding yet, ``isValidName(_:)`` holds for it.
    public mutating func set(_ name: String, to value: String, after anchor: String? = nil) {
        var found = false
        for index in segments.indices {
            guard case .binding(var binding) = segments[index], binding.name.isExactly(name) else { continue }
            binding.assign(value)
            segments[index] = .binding(binding)
            found = true
        }
        if !found { insert(name, value: value, after: anchor) }
    }

    /// Removes every line assigning `name` (never leaves `NAME=`).
    ///
    /// A multi-line value goes with all its lines, and a bare `NAME` line goes too. When the removed
    /// line was the last one and had no final newline, the new last line loses its newline, so that
    /// removing what ``set(_:to:after:)`` appended restores the text exactly.
    public mutating func remove(_ name: String) {
        var removedUnterminatedLast = false
        segments.removeAll { segment in
            guard case .binding(let binding) = segment, binding.name.isExactly(name) else { return false }
            if binding.newline.isEmpty { removedUnterminatedLast = true }
            return true
        }
        guard removedUnterminatedLast else { return }
        segments.removeAll { segment in
            if case .verbatim(let text) = segment { return text.isEmpty }
            return false
        }
        if let last = segments.indices.last { segments[last].dropTrailingNewline() }
    }

    private mutating func insert(_ name: String, value: String, after anchor: String?) {
        precondition(Self.isValidName(name), "dotenv: cannot write a variable named '\(name)'")
        var anchorIndex: Int?
        if let anchor {
            anchorIndex = segments.lastIndex { segment in
                guard case .binding(let binding) = segment else { return false }
                return binding.assignment != nil && binding.name.isExactly(anchor)
            }
        }
        let neighbour =
            anchorIndex
            ?? segments.lastIndex { segment in
                guard case .binding(let binding) = segment else { return false }
                return binding.assignment != nil
            }
        var exportPrefix = ""
        if let neighbour, case .binding(let binding) = segments[neighbour], !binding.exportPrefix.isEmpty {
            exportPrefix = "export "
        }
        var binding = Binding(
            indentation: "",
            exportPrefix: exportPrefix,
            rawKey: name,
            name: name,
            assignment: nil,
            trailer: "",
            newline: lineEnding
        )
        binding.assign(value)
        let position = anchorIndex.map { $0 + 1 } ?? segments.count
        if position > 0, !segments[position - 1].endsWithNewline {
            // Only the last line can lack a newline; the new line becomes the last one and inherits that.
            segments[position - 1].appendNewline(lineEnding)
            binding.newline = ""
        }
        segments.insert(.binding(binding), at: position)
    }

    // MARK: - Description

    /// Names only: a document holds secrets.
    public var description: String {
        "DotenvDocument(names: \(names.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Equal when the texts are equal byte for byte.
    public static func == (lhs: DotenvDocument, rhs: DotenvDocument) -> Bool {
        lhs.text.isExactly(rhs.text)
    }

    private static func firstLineEnding(in text: String) -> String {
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if previousWasCR { return scalar == "\n" ? "\r\n" : "\r" }
            if scalar == "\n" { return "\n" }
            previousWasCR = scalar == "\r"
        }
        return previousWasCR ? "\r" : "\n"
    }
}

// MARK: - Model

/// A run of text: one binding, or text kept verbatim (blank lines, comments, lines python-dotenv skips).
/// Every segment but the last ends with a line break.
private enum Segment: Sendable {
    case verbatim(String)
    case binding(Binding)

    var text: String {
        switch self {
        case .verbatim(let text): text
        case .binding(let binding): binding.text
        }
    }

    var endsWithNewline: Bool {
        guard let last = text.unicodeScalars.last else { return false }
        return isNewline(last)
    }

    mutating func appendNewline(_ newline: String) {
        switch self {
        case .verbatim(let text): self = .verbatim(text + newline)
        case .binding(var binding):
            binding.newline += newline
            self = .binding(binding)
        }
    }

    mutating func dropTrailingNewline() {
        switch self {
        case .verbatim(let text):
            var scalars = text.unicodeScalars
            if scalars.last == "\n" { scalars.removeLast() }
            if scalars.last == "\r" { scalars.removeLast() }
            self = .verbatim(String(scalars))
        case .binding(var binding):
            binding.newline = ""
            self = .binding(binding)
        }
    }
}

/// `[indentation][export ]NAME[assignment][trailer][newline]`, where the trailer is what follows the
/// value on its line (spaces, an inline comment) and the newline is empty only at the end of the file.
private struct Binding: Sendable {
    var indentation: String
    var exportPrefix: String
    /// The name as written (`NAME` or `'NAME'`).
    var rawKey: String
    var name: String
    /// `nil` for a bare `NAME` line.
    var assignment: Assignment?
    var trailer: String
    var newline: String

    var text: String {
        var result = indentation + exportPrefix + rawKey
        if let assignment { result += assignment.beforeEquals + assignment.equals + assignment.rawValue }
        return result + trailer + newline
    }

    mutating func assign(_ value: String) {
        if var assignment {
            if let original = assignment.original, original.value.isExactly(value) {
                assignment.rawValue = original.raw
            } else {
                assignment.rawValue = encode(value, preferring: assignment.style, trailer: trailer)
            }
            assignment.value = value
            self.assignment = assignment
            return
        }
        // A bare `NAME` line: `NAME=value`, keeping a trailing comment apart from an unquoted value.
        if let first = trailer.unicodeScalars.first, !isPythonWhitespace(first) { trailer = " " + trailer }
        assignment = Assignment(
            beforeEquals: "",
            equals: "=",
            rawValue: encode(value, preferring: .unquoted, trailer: trailer),
            value: value,
            style: .unquoted,
            original: nil
        )
    }
}

/// `[spaces]=[spaces]value` of a binding.
private struct Assignment: Sendable {
    /// Whitespace between the name and `=`.
    var beforeEquals: String
    /// `=` and the whitespace after it.
    var equals: String
    /// The value as written, quotes included.
    var rawValue: String
    /// The value as loaded.
    var value: String
    /// The style the line was parsed with; new values keep it when they can.
    let style: QuoteStyle
    /// The spelling and value the line was parsed with.
    let original: (raw: String, value: String)?
}

private enum QuoteStyle: Sendable {
    case unquoted
    case single
    case double
}

/// Spells `value` for a line of `style` followed by `trailer`, falling back to double quotes.
private func encode(_ value: String, preferring style: QuoteStyle, trailer: String) -> String {
    let scalars = value.unicodeScalars
    switch style {
    case .unquoted:
        let safe =
            scalars.isEmpty
            ? trailer.unicodeScalars.allSatisfy(isPythonWhitespace)
            : scalars.allSatisfy { !isPythonWhitespace($0) && !"#'\"".unicodeScalars.contains($0) }
        if safe { return value }
    case .single:
        if scalars.allSatisfy({ !"'\\\r\n".unicodeScalars.contains($0) }) { return "'" + value + "'" }
    case .double:
        break
    }
    var result = String.UnicodeScalarView()
    result.append("\"")
    for scalar in scalars {
        switch scalar {
        case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
        case "\"": result.append(contentsOf: "\\\"".unicodeScalars)
        case "\n": result.append(contentsOf: "\\n".unicodeScalars)
        case "\r": result.append(contentsOf: "\\r".unicodeScalars)
        default: result.append(scalar)
        }
    }
    result.append("\"")
    return String(result)
}

// MARK: - Parser

/// A port of python-dotenv's `parse_binding` over Unicode scalars. Each `read…` either advances past
/// what it matched or throws leaving the position unchanged, like python-dotenv's `read_regex`.
private struct Parser {
    private struct Mismatch: Error {}

    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func parseAll() -> [Segment] {
        var segments: [Segment] = []
        while position < scalars.count {
            let mark = position
            while position < scalars.count, isPythonWhitespace(scalars[position]) { position += 1 }
            if position == scalars.count {
                segments.append(.verbatim(string(mark..<position)))
                break
            }
            // Leading blank lines are their own segment, so that removing a binding keeps them.
            let lineStart = (mark..<position).last { isNewline(scalars[$0]) }.map { $0 + 1 } ?? mark
            if lineStart > mark { segments.append(.verbatim(string(mark..<lineStart))) }
            let indentation = string(lineStart..<position)
            do {
                if let binding = try parseBinding(indentation: indentation) {
                    segments.append(.binding(binding))
                } else {
                    segments.append(.verbatim(string(lineStart..<position)))
                }
            } catch {
                let failure = position
                skipRestOfLine()
                // Never stall (python-dotenv's grammar always consumes something here, or is at the end).
                if position == failure, position < scalars.count { position += 1 }
                segments.append(.verbatim(string(lineStart..<position)))
            }
        }
        return segments
    }

    /// Parses from a non-whitespace scalar; `nil` for a comment line.
    private mutating func parseBinding(indentation: String) throws(Mismatch) -> Binding? {
        let exportStart = position
        readExport()
        let exportPrefix = string(exportStart..<position)
        let keyStart = position
        guard let name = try readKey() else {
            readComment()
            try readEndOfLine()
            return nil
        }
        let rawKey = string(keyStart..<position)
        let keyEnd = position
        readHorizontalWhitespace()
        var assignment: Assignment?
        var trailerStart = keyEnd
        if position < scalars.count, scalars[position] == "=" {
            let beforeEquals = string(keyEnd..<position)
            let equalsStart = position
            position += 1
            readHorizontalWhitespace()
            let equals = string(equalsStart..<position)
            let valueStart = position
            let (value, style, valueEnd) = try readValue()
            let raw = string(valueStart..<valueEnd)
            assignment = Assignment(
                beforeEquals: beforeEquals,
                equals: equals,
                rawValue: raw,
                value: value,
                style: style,
                original: (raw, value)
            )
            trailerStart = valueEnd
        }
        readComment()
        let lineEnd = try readEndOfLine()
        return Binding(
            indentation: indentation,
            exportPrefix: exportPrefix,
            rawKey: rawKey,
            name: name,
            assignment: assignment,
            trailer: string(trailerStart..<lineEnd),
            newline: string(lineEnd..<position)
        )
    }

    /// `(?:export[^\S\r\n]+)?`
    private mutating func readExport() {
        let word = Array("export".unicodeScalars)
        let end = position + word.count
        guard end < scalars.count, Array(scalars[position..<end]) == word, isHorizontalWhitespace(scalars[end])
        else { return }
        position = end
        readHorizontalWhitespace()
    }

    /// `'([^']+)'` or `([^=\#\s]+)`; `nil` at a `#`.
    private mutating func readKey() throws(Mismatch) -> String? {
        guard position < scalars.count else { throw Mismatch() }
        switch scalars[position] {
        case "#":
            return nil
        case "'":
            let start = position + 1
            guard let close = scalars[start...].firstIndex(of: "'"), close > start else { throw Mismatch() }
            position = close + 1
            var key = String.UnicodeScalarView()
            key.append(contentsOf: loaded(start..<close))
            return String(key)
        default:
            var end = position
            while end < scalars.count, !isPythonWhitespace(scalars[end]), scalars[end] != "=", scalars[end] != "#" {
                end += 1
            }
            guard end > position else { throw Mismatch() }
            let key = string(position..<end)
            position = end
            return key
        }
    }

    /// python-dotenv's `parse_value`; returns the loaded value, the style, and where the raw value ends.
    private mutating func readValue() throws(Mismatch) -> (String, QuoteStyle, Int) {
        guard position < scalars.count, !isNewline(scalars[position]) else { return ("", .unquoted, position) }
        switch scalars[position] {
        case "'":
            let value = try readQuoted("'", escapes: ["\\": "\\", "'": "'"])
            return (value, .single, position)
        case "\"":
            let escapes: [Unicode.Scalar: Unicode.Scalar] = [
                "\\": "\\", "'": "'", "\"": "\"", "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}", "n": "\n",
                "r": "\r", "t": "\t", "v": "\u{0B}",
            ]
            let value = try readQuoted("\"", escapes: escapes)
            return (value, .double, position)
        default:
            // `([^\r\n]*)`, then `re.sub(r"\s+#.*", "", part).rstrip()`.
            let start = position
            var lineEnd = start
            while lineEnd < scalars.count, !isNewline(scalars[lineEnd]) { lineEnd += 1 }
            var cut = lineEnd
            var whitespaceRun: Int?
            for index in start..<lineEnd {
                if isPythonWhitespace(scalars[index]) {
                    if whitespaceRun == nil { whitespaceRun = index }
                } else if scalars[index] == "#", let run = whitespaceRun {
                    cut = run
                    break
                } else {
                    whitespaceRun = nil
                }
            }
            while cut > start, isPythonWhitespace(scalars[cut - 1]) { cut -= 1 }
            position = lineEnd
            return (string(start..<cut), .unquoted, cut)
        }
    }

    /// `q((?:\\q|[^q])*)q` with Python's backtracking: the value closes at the first unescaped `q`; when
    /// there is none before the end of the file, the regex backtracks to the last `\q` and closes there.
    private mutating func readQuoted(
        _ quote: Unicode.Scalar,
        escapes: [Unicode.Scalar: Unicode.Scalar]
    ) throws(Mismatch) -> String {
        var index = position + 1
        var lastEscapedQuote: Int?
        var close: Int?
        while index < scalars.count {
            if scalars[index] == "\\", index + 1 < scalars.count, scalars[index + 1] == quote {
                lastEscapedQuote = index + 1
                index += 2
            } else if scalars[index] == quote {
                close = index
                break
            } else {
                index += 1
            }
        }
        guard let end = close ?? lastEscapedQuote else { throw Mismatch() }
        let content = loaded((position + 1)..<end)
        var decoded = String.UnicodeScalarView()
        var cursor = 0
        while cursor < content.count {
            if content[cursor] == "\\", cursor + 1 < content.count, let escaped = escapes[content[cursor + 1]] {
                decoded.append(escaped)
                cursor += 2
            } else {
                decoded.append(content[cursor])
                cursor += 1
            }
        }
        position = end + 1
        return String(decoded)
    }

    /// `(?:[^\S\r\n]*#[^\r\n]*)?`
    private mutating func readComment() {
        var index = position
        while index < scalars.count, isHorizontalWhitespace(scalars[index]) { index += 1 }
        guard index < scalars.count, scalars[index] == "#" else { return }
        while index < scalars.count, !isNewline(scalars[index]) { index += 1 }
        position = index
    }

    /// `[^\S\r\n]*(?:\r\n|\n|\r|$)`; returns where the line break starts.
    @discardableResult
    private mutating func readEndOfLine() throws(Mismatch) -> Int {
        var index = position
        while index < scalars.count, isHorizontalWhitespace(scalars[index]) { index += 1 }
        let lineEnd = index
        if index < scalars.count {
            switch scalars[index] {
            case "\r":
                index += 1
                if index < scalars.count, scalars[index] == "\n" { index += 1 }
            case "\n":
                index += 1
            default: throw Mismatch()
            }
        }
        position = index
        return lineEnd
    }

    /// `[^\r\n]*(?:\r\n|\n|\r)?` (python-dotenv stops after the CR of a CRLF; the LF then opens the
    /// next binding as whitespace, which loads the same).
    private mutating func skipRestOfLine() {
        while position < scalars.count, !isNewline(scalars[position]) { position += 1 }
        guard position < scalars.count else { return }
        if scalars[position] == "\r", position + 1 < scalars.count, scalars[position + 1] == "\n" { position += 1 }
        position += 1
    }

    private mutating func readHorizontalWhitespace() {
        while position < scalars.count, isHorizontalWhitespace(scalars[position]) { position += 1 }
    }

    /// The scalars in `range` as Python reads them: universal newlines turn CRLF and CR into LF.
    private func loaded(_ range: Range<Int>) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        var previousWasCR = false
        for scalar in scalars[range] {
            if scalar == "\n", previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            result.append(scalar == "\r" ? "\n" : scalar)
        }
        return result
    }

    private func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }
}

// MARK: - Characters

/// Python's `\s` (`str.isspace`).
private func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        true
    default:
        false
    }
}

/// Python's `[^\S\r\n]`.
private func isHorizontalWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    isPythonWhitespace(scalar) && !isNewline(scalar)
}

private func isNewline(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "\n" || scalar == "\r"
}

extension String {
    /// Scalar-for-scalar equality (`==` on `String` equates canonically equivalent spellings, which a
    /// byte-preserving editor must not).
    fileprivate func isExactly(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }
}
