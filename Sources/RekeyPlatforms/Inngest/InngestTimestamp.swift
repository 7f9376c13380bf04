import Foundation

/// RFC 3339 timestamps as the Inngest APIs write them (`2024-05-24T10:00:00Z`, with any number of
/// fractional digits, or an offset instead of `Z`).
enum InngestTimestamp {
    /// The date, or `nil` when `text` is not an RFC 3339 timestamp.
    static func parse(_ text: String) -> Date? {
        if let date = parseUTC(text) { return date }
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

    /// The common shape, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read by hand: a listing of thousands of keys
    /// spent most of its time in the format style. Milliseconds as the format style keeps them (the
    /// first three fractional digits); `nil` for anything else (offsets, out-of-range fields).
    static func parseUTC(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u.last == 90 else {
            return nil
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard (48...57).contains(u[index]) else { return nil }
                value = value * 10 + Int(u[index] - 48)
            }
            return value
        }
        var millis = 0
        if u.count > 20 {
            guard u[19] == 46, (22...30).contains(u.count), let fraction = number(20..<(u.count - 1)) else {
                return nil
            }
            let digits = u.count - 21
            millis = digits >= 3 ? (number(20..<23) ?? 0) : fraction * (digits == 1 ? 100 : 10)
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        // Days since the epoch of the proleptic Gregorian date (H. Hinnant's days_from_civil); a day past
        // its month's end is left to the format style, which refuses it.
        let february = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        let monthDays = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthDays[month - 1] else { return nil }
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let days = era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
    }

    /// `2024-05-24T10:00:00.000Z`.
    static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
