/// Reads and writes durations as people write them in playbooks and on the command line.
///
/// Accepted: a number of seconds (a JSON number, or a string such as `"30"` or `"2.5"`), or one or
/// more `<number><unit>` parts with units `h`, `m`, `s`, `ms`, largest first, each at most once:
/// `"90s"`, `"10m"`, `"1h30m"`, `"250ms"`, `"1.5h"`, `"1m30s"`. No spaces, no sign.
public enum DurationParser {
    /// Parses a duration string into seconds.
    ///
    /// - Parameter text: `"90s"`, `"1h30m"`, `"250ms"`, `"30"`, …
    /// - Returns: The duration in seconds (never negative).
    /// - Throws: ``DurationError`` naming the text and the accepted forms.
    public static func parse(_ text: String) throws(DurationError) -> Double {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw DurationError(text: text) }
        if let seconds = decimal(bytes[...]) {
            guard seconds.isFinite else { throw DurationError(text: text) }
            return seconds
        }

        // Units from largest to smallest; each part must use a smaller unit than the one before.
        // Summing milliseconds keeps "250ms" exactly 0.25 s.
        let units: [(suffix: String, milliseconds: Double)] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        var milliseconds = 0.0
        var nextUnit = 0
        var index = 0
        while index < bytes.count {
            let numberStart = index
            while index < bytes.count, isNumberByte(bytes[index]) { index += 1 }
            let unitStart = index
            while index < bytes.count, isLetter(bytes[index]) { index += 1 }
            guard let amount = decimal(bytes[numberStart..<unitStart]) else { throw DurationError(text: text) }
            let suffix = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            guard let unit = units.indices.first(where: { units[$0].suffix == suffix }), unit >= nextUnit else {
                throw DurationError(text: text)
            }
            milliseconds += amount * units[unit].milliseconds
            nextUnit = unit + 1
        }
        guard milliseconds.isFinite else { throw DurationError(text: text) }
        return milliseconds / 1000
    }

    /// Parses a duration given as a JSON number of seconds or a duration string.
    ///
    /// - Throws: ``DurationError`` for any other JSON value or an unreadable string.
    public static func parse(_ value: JSONValue) throws(DurationError) -> Double {
        switch value {
        case .number(let seconds): return seconds
        case .string(let text): return try parse(text)
        default: throw DurationError(text: value.serialized())
        }
    }

    /// Formats seconds in the shortest form ``parse(_:)-(String)`` reads back, to the millisecond:
    /// 600 → `10m`, 90 → `1m30s`, 5400 → `1h30m`, 0.25 → `250ms`, 1.5 → `1s500ms`, 0 → `0s`.
    ///
    /// Beyond what milliseconds can count (about 292 million years), the seconds are shown as a number
    /// (`1e+16s`): a playbook's mistake is reported, never a crash.
    public static func format(seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e12 else { return "\(seconds)s" }
        let sign = seconds < 0 ? "-" : ""
        var milliseconds = Int64((abs(seconds) * 1000).rounded())
        guard milliseconds > 0 else { return "0s" }
        var text = sign
        for (suffix, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] as [(String, Int64)] {
            let count = milliseconds / size
            guard count > 0 else { continue }
            text += "\(count)\(suffix)"
            milliseconds -= count * size
        }
        return text
    }

    /// `seconds` in whole milliseconds, rounded, saturating at `Int64.min` and `Int64.max` (infinity
    /// included) instead of trapping; NaN is 0. For deadlines: `now + milliseconds(timeout)` with any
    /// timeout a playbook may hold.
    public static func milliseconds(_ seconds: Double) -> Int64 {
        guard !seconds.isNaN else { return 0 }
        let value = (seconds * 1000).rounded()
        // Int64.max is not exactly representable: 2^63 is the first Double that no longer fits.
        if value >= 9_223_372_036_854_775_808.0 { return .max }
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(value)
    }

    /// The instant `seconds` after `now` (both in milliseconds since the epoch), saturating instead of
    /// overflowing.
    public static func deadline(after seconds: Double, from now: Int64) -> Int64 {
        let (sum, overflow) = now.addingReportingOverflow(milliseconds(seconds))
        guard overflow else { return sum }
        return seconds > 0 ? .max : .min
    }

    /// `seconds` in nanoseconds for `Task.sleep`, saturating at `UInt64.max`; negative and NaN are 0.
    public static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard !seconds.isNaN, seconds > 0 else { return 0 }
        let value = (seconds * 1_000_000_000).rounded()
        if value >= 18_446_744_073_709_551_616.0 { return .max }
        return UInt64(value)
    }

    /// `12`, `1.5`: digits with an optional fraction, nothing else.
    private static func decimal(_ bytes: ArraySlice<UInt8>) -> Double? {
        guard let first = bytes.first, first != UInt8(ascii: "."), let last = bytes.last, last != UInt8(ascii: "."),
            bytes.allSatisfy(isNumberByte), bytes.count(where: { $0 == UInt8(ascii: ".") }) <= 1
        else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}

/// A string that is not a duration.
public struct DurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public var text: String

    public init(text: String) {
        self.text = text
    }

    /// `'10x' is not a duration; use a number of seconds or a value like 30s, 10m, 1h`.
    public var description: String {
        "'\(text)' is not a duration; use a number of seconds or a value like 30s, 10m, 1h"
    }
}
