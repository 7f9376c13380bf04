/// The JSON Canonicalization Scheme (RFC 8785), which the Inngest SDKs apply to a JSON request body
/// before signing it: object members sorted by the UTF-16 code units of their names, no whitespace,
/// numbers in ECMAScript's shortest form, strings with the minimal escapes of `JSON.stringify`.
///
/// An empty body stays empty (a body-less GET or PUT is signed over the timestamp only).
public enum JCS {
    /// The canonical bytes of `value`.
    public static func canonicalize(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output)
        return output
    }

    /// The canonical form of a JSON document; an empty document stays empty.
    ///
    /// - Parameter bytes: UTF-8 JSON text, or nothing.
    /// - Returns: The canonical bytes.
    /// - Throws: ``JSONSyntaxError`` when `bytes` is not JSON (the SDKs then reject the request).
    public static func canonicalize(json bytes: [UInt8]) throws(JSONSyntaxError) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        return canonicalize(try JSONValue.parse(bytes))
    }

    /// A number as ECMAScript's `Number.prototype.toString` writes it (RFC 8785 §3.2.2.3): integers
    /// below 10^21 in full, `0.000001` down to 10^-6, exponent form (`1e+21`, `1.5e-7`) beyond.
    public static func format(number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == 0 { return "0" }
        if number < 0 { return "-" + format(number: -number) }
        let (digits, point) = shortestDigits(number)
        let count = digits.count
        if count <= point, point <= 21 {
            return digits + String(repeating: "0", count: point - count)
        }
        if 0 < point, point <= 21 {
            return String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        if -6 < point, point <= 0 {
            return "0." + String(repeating: "0", count: -point) + digits
        }
        let exponent = point - 1
        let sign = exponent < 0 ? "-" : "+"
        let mantissa = count == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
        return mantissa + "e" + sign + String(abs(exponent))
    }

    // MARK: - Internals

    /// The shortest round-tripping decimal digits of a positive finite `number` (no leading or
    /// trailing zeros) and the position of the decimal point: `number = 0.d₁d₂… × 10^point`.
    private static func shortestDigits(_ number: Double) -> (digits: String, point: Int) {
        // Swift's description is the shortest representation that reads back to the same Double.
        let text = "\(number)"
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1)
        let integer = String(mantissa[0])
        let fraction = mantissa.count == 2 ? String(mantissa[1]) : ""
        var digits = Array(integer + fraction)
        var point = integer.count
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), point + exponent)
    }

    private static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output += Array("null".utf8)
        case .bool(let flag): output += Array((flag ? "true" : "false").utf8)
        case .number(let number): output += Array(format(number: number).utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            let members = object.members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            output.append(UInt8(ascii: "{"))
            for (offset, member) in members.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): output += Array("\\\\".utf8)
            case 0x08: output += Array("\\b".utf8)
            case 0x09: output += Array("\\t".utf8)
            case 0x0A: output += Array("\\n".utf8)
            case 0x0C: output += Array("\\f".utf8)
            case 0x0D: output += Array("\\r".utf8)
            case 0x00..<0x20:
                let hex = String(byte, radix: 16)
                output += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
