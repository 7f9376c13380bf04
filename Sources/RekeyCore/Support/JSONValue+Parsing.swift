extension JSONValue {
    /// Parses a JSON document strictly (RFC 8259).
    ///
    /// Rejected, each with a specific message and a 1-based line and column: invalid UTF-8, comments,
    /// trailing commas, single-quoted strings, unescaped control characters in strings, unknown
    /// escapes, unpaired UTF-16 surrogates in `\u` escapes, leading zeros, `NaN`/`Infinity`, numbers
    /// out of `Double`'s range, duplicate object keys, nesting deeper than ``maximumDepth`` levels and
    /// anything after the value. A leading UTF-8 byte order mark is skipped, as RFC 8259 allows.
    ///
    /// The parser is iterative, so hostile nesting (100,000 `[`) is an error, never a stack overflow.
    ///
    /// - Parameter bytes: The document, UTF-8.
    /// - Returns: The value.
    /// - Throws: ``JSONSyntaxError`` locating the first problem.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// Parses a JSON document held in a string. See ``parse(_:)-(UInt8)``.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

// MARK: - Parser

/// A one-pass, iterative RFC 8259 parser over UTF-8 bytes.
private struct JSONParser {
    /// An array or object whose elements are being read.
    private struct Frame {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [(key: String, value: JSONValue)] = []
        var keys: Set<String> = []
        var pendingKey = ""
    }

    private let bytes: [UInt8]
    private var index = 0
    /// Where the content starts (after a byte order mark), for column counting.
    private var contentStart = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        try validateUTF8()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            contentStart = 3
        }
        skipWhitespace()
        guard index < bytes.count else { throw error("empty document; expected a JSON value") }

        var stack: [Frame] = []
        var value: JSONValue
        parsing: while true {
            // A value starts at `index` (whitespace already skipped).
            switch peek {
            case UInt8(ascii: "{"):
                try checkDepth(stack.count)
                index += 1
                skipWhitespace()
                if peek == UInt8(ascii: "}") {
                    index += 1
                    value = .object(JSONObject())
                } else {
                    var frame = Frame(isObject: true)
                    frame.pendingKey = try parseKey(after: "{", frame: &frame)
                    stack.append(frame)
                    continue parsing
                }
            case UInt8(ascii: "["):
                try checkDepth(stack.count)
                index += 1
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    stack.append(Frame(isObject: false))
                    continue parsing
                }
            default:
                value = try parseScalar()
            }

            // Hand the finished value to its container, closing containers as they end.
            while let top = stack.indices.last {
                skipWhitespace()
                if stack[top].isObject {
                    stack[top].members.append((key: stack[top].pendingKey, value: value))
                    switch peek {
                    case UInt8(ascii: ","):
                        index += 1
                        skipWhitespace()
                        stack[top].pendingKey = try parseKey(after: ",", frame: &stack[top])
                        continue parsing
                    case UInt8(ascii: "}"):
                        index += 1
                        value = .object(JSONObject(stack.removeLast().members))
                    default:
                        throw unexpected(expecting: "',' or '}' after object member")
                    }
                } else {
                    stack[top].elements.append(value)
                    switch peek {
                    case UInt8(ascii: ","):
                        index += 1
                        skipWhitespace()
                        if peek == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
                        continue parsing
                    case UInt8(ascii: "]"):
                        index += 1
                        value = .array(stack.removeLast().elements)
                    default:
                        throw unexpected(expecting: "',' or ']' after array element")
                    }
                }
            }
            break parsing
        }

        skipWhitespace()
        guard index == bytes.count else {
            if peek == UInt8(ascii: "/") { throw error("comments are not allowed in JSON") }
            throw error("trailing characters after the JSON value")
        }
        return value
    }

    // MARK: Pieces

    private var peek: UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func checkDepth(_ depth: Int) throws(JSONSyntaxError) {
        if depth >= JSONValue.maximumDepth {
            throw error("nesting deeper than \(JSONValue.maximumDepth) levels")
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Reads `"key"` and the `:` after it, leaving `index` at the member's value.
    private mutating func parseKey(after opener: String, frame: inout Frame) throws(JSONSyntaxError) -> String {
        guard peek == UInt8(ascii: "\"") else {
            switch peek {
            case UInt8(ascii: "}") where opener == ",": throw error("trailing comma before '}'")
            case UInt8(ascii: "'"): throw error("object keys must be in double quotes, not single quotes")
            case UInt8(ascii: "/"): throw error("comments are not allowed in JSON")
            case nil: throw error("unexpected end of input; expected an object key in double quotes")
            default: throw error("expected an object key in double quotes after '\(opener)'")
            }
        }
        let keyStart = index
        let key = try parseString()
        // Small objects (most of them) look for a duplicate among their members without hashing; a large
        // one keeps a set of its keys.
        let duplicate: Bool
        if frame.members.count < 16 {
            duplicate = frame.members.contains { $0.key == key }
        } else {
            if frame.keys.isEmpty { frame.keys = Set(frame.members.map(\.key)) }
            duplicate = !frame.keys.insert(key).inserted
        }
        guard !duplicate else {
            throw error("duplicate key '\(Self.printable(key))'", at: keyStart)
        }
        skipWhitespace()
        guard peek == UInt8(ascii: ":") else { throw unexpected(expecting: "':' after object key") }
        index += 1
        skipWhitespace()
        return key
    }

    private mutating func parseScalar() throws(JSONSyntaxError) -> JSONValue {
        guard let byte = peek else { throw error("unexpected end of input; expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "t") where matches("true"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f") where matches("false"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "n") where matches("null"):
            index += 4
            return .null
        case UInt8(ascii: "/"):
            throw error("comments are not allowed in JSON")
        case UInt8(ascii: "'"):
            throw error("strings must be in double quotes, not single quotes")
        case UInt8(ascii: "+"), UInt8(ascii: "."):
            throw error("invalid number; a number starts with '-' or a digit")
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            var end = index
            while end < bytes.count, end - index < 32, Self.isWordByte(bytes[end]) { end += 1 }
            let word = String(decoding: bytes[index..<end], as: UTF8.self)
            throw error("unexpected '\(word)'; expected a value (object, array, string, number, true, false or null)")
        default:
            throw error("unexpected \(describe(at: index)); expected a value")
        }
    }

    private func matches(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { bytes[index..<index + count].elementsEqual($0) }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> Double {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, Self.isDigit(first) else {
            if matches("Infinity") { throw error("unexpected '-Infinity'; JSON has no infinite numbers", at: start) }
            throw error("invalid number; expected a digit after '-'")
        }
        index += 1
        if first == UInt8(ascii: "0"), let next = peek, Self.isDigit(next) {
            skipDigits()
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            throw error("invalid number '\(text)'; leading zeros are not allowed", at: start)
        }
        skipDigits()
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek, Self.isDigit(digit) else {
                throw error("invalid number; expected a digit after '.'")
            }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek, Self.isDigit(digit) else {
                throw error("invalid number; expected a digit in the exponent")
            }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            throw error("number \(text) is out of range", at: start)
        }
        return number
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while let byte = peek, Self.isDigit(byte) { index += 1 }
    }

    /// Reads a string starting at its opening quote.
    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = index
        index += 1
        // Most strings have no escape: taken in one piece.
        var end = index
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                index = end + 1
                // validateUTF8() has checked the whole document.
                return String(decoding: bytes[(start + 1)..<end], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            end += 1
        }
        var buffer = Array(bytes[index..<end])
        index = end
        while true {
            guard let byte = peek else { throw error("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                // validateUTF8() has checked the whole document, and escapes append valid UTF-8.
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &buffer, stringStart: start)
            case 0x0A, 0x0D:
                throw error("unterminated string", at: start)
            case 0x00..<0x20:
                throw error("unescaped control character \(describe(at: index)) in string; write it as an escape")
            default:
                buffer.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseEscape(into buffer: inout [UInt8], stringStart: Int) throws(JSONSyntaxError) {
        let escapeStart = index
        index += 1
        guard let byte = peek else { throw error("unterminated string", at: stringStart) }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: escapeStart)
            var scalarValue = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                let lowStart = index
                guard matches("\\u") else { throw unpairedSurrogate(escapeStart) }
                index += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw unpairedSurrogate(escapeStart) }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw unpairedSurrogate(escapeStart)
            }
            // Surrogates are handled above, so every remaining value is a valid scalar.
            let scalar = Unicode.Scalar(scalarValue)!
            UTF8.encode(scalar) { buffer.append($0) }
        default:
            index = escapeStart
            let shown = byte >= 0x21 && byte < 0x7F ? "\\" + String(UnicodeScalar(byte)) : "\\"
            throw error("invalid escape '\(shown)'; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONSyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek, let nibble = Self.hexValue(byte) else {
                throw error("invalid unicode escape; expected 4 hex digits after '\\u'", at: escapeStart)
            }
            value = value << 4 | UInt16(nibble)
            index += 1
        }
        return value
    }

    private func unpairedSurrogate(_ escapeStart: Int) -> JSONSyntaxError {
        let text = String(decoding: bytes[escapeStart..<min(escapeStart + 6, bytes.count)], as: UTF8.self)
        return error(
            "unpaired surrogate '\(text)' in string; \\u escapes of surrogates must come in pairs", at: escapeStart)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: UTF-8

    /// Checks the whole document is well-formed UTF-8 (no overlong forms, surrogates or values past
    /// U+10FFFF), so later steps can decode without replacement characters.
    private func validateUTF8() throws(JSONSyntaxError) {
        var i = 0
        let count = bytes.count
        while i < count {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                secondRange = 0x80...0x9F
            case 0xF0:
                length = 4
                secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                secondRange = 0x80...0x8F
            default: throw error("invalid UTF-8", at: i)
            }
            guard i + length <= count, secondRange.contains(bytes[i + 1]) else { throw error("invalid UTF-8", at: i) }
            for k in 2..<length where !(0x80...0xBF).contains(bytes[i + k]) {
                throw error("invalid UTF-8", at: i)
            }
            i += length
        }
    }

    // MARK: Errors

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let offset = min(offset ?? index, bytes.count)
        var line = 1
        var column = 1
        var i = contentStart < offset ? contentStart : 0
        while i < offset {
            let byte = bytes[i]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return JSONSyntaxError(line: line, column: column, message: message)
    }

    private func unexpected(expecting what: String) -> JSONSyntaxError {
        switch peek {
        case nil: error("unexpected end of input; expected \(what)")
        case UInt8(ascii: "/"): error("comments are not allowed in JSON")
        default: error("expected \(what)")
        }
    }

    /// `'x'` for a printable ASCII byte, `U+0009` otherwise.
    private func describe(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(String(UnicodeScalar(byte)))'" }
        if byte < 0x80 { return "U+" + Self.hex4(UInt32(byte)) }
        let scalar = String(decoding: bytes[offset...].prefix(4), as: UTF8.self).unicodeScalars.first
        return "'\(scalar.map { String($0) } ?? "?")'"
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// A key for a message: at most 64 characters, control characters shown as `?`.
    private static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 ? "?" : Character($0) })
        return cleaned.count > 64 ? String(cleaned.prefix(64)) + "…" : cleaned
    }
}
