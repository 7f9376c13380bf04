/// Word wrapping for help text: plain paragraphs, hanging indents and small hand-laid tables.
enum TextWrapper {
    /// Wraps one paragraph (newlines are treated as spaces) so that no line exceeds `width`, unless a single
    /// word is longer than the room left. Every line, the first included, starts with `indent` spaces.
    static func wrap(_ text: String, width: Int, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        let room = max(width - indent, 1)
        var lines: [String] = []
        var current = ""
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= room {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty || lines.isEmpty {
            lines.append(current)
        }
        return lines.map { $0.isEmpty ? $0 : pad + $0 }.joined(separator: "\n")
    }

    /// Wraps multi-line text line by line, keeping each line's own layout: a continuation lines up with the
    /// line's leading indent, or, for table-like lines (`  label   text`), with the start of the text column.
    static func wrapLines(_ text: String, width: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { wrapLine(String($0), width: width) }
            .joined(separator: "\n")
    }

    /// Wraps one line, see ``wrapLines(_:width:)``.
    private static func wrapLine(_ line: String, width: Int) -> String {
        guard line.count > width else { return line }
        let characters = Array(line)
        let leading = characters.prefix(while: { $0 == " " }).count
        let hanging = tableColumn(of: characters, after: leading, limit: width / 2) ?? leading
        let head = String(characters[..<hanging])
        let body = String(characters[hanging...])
        let wrapped = wrap(body, width: width, indent: hanging)
        return head + wrapped.dropFirst(hanging)
    }

    /// The column after the first run of two or more spaces that follows text, when it is left of `limit`.
    private static func tableColumn(of characters: [Character], after start: Int, limit: Int) -> Int? {
        var index = start
        var seenText = false
        while index < min(characters.count, limit) {
            if characters[index] != " " {
                seenText = true
                index += 1
                continue
            }
            let runEnd = characters[index...].firstIndex(where: { $0 != " " }) ?? characters.count
            if seenText && runEnd - index >= 2 && runEnd < limit {
                return runEnd
            }
            index = runEnd
        }
        return nil
    }
}
