import Foundation

/// RFC 3339 timestamps as the Inngest APIs write them (`2024-05-24T10:00:00Z`, with any number of
/// fractional digits, or an offset instead of `Z`).
enum InngestTimestamp {
    /// The date, or `nil` when `text` is not an RFC 3339 timestamp.
    static func parse(_ text: String) -> Date? {
        // Keep at most three fractional digits: the format style reads milliseconds, not nanoseconds.
        var normalized = text
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isNumber }
            let rest = text[text.index(after: dot)...].dropFirst(digits.count)
            normalized =
                String(text[..<dot]) + "." + String(digits.prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0)
                + rest
        }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(normalized) { return date }
        return try? Date.ISO8601FormatStyle().parse(normalized)
    }

    /// `2024-05-24T10:00:00.000Z`.
    static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
