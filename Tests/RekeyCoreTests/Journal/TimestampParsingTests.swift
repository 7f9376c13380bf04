import Foundation
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Timestamps are parsed by arithmetic (not `timegm`) on the path of every journal record: the same
/// instants, including the days `timegm` normalises.
@Suite struct TimestampParsingTests {
    /// What `timegm` says for the fields of `text` (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
    private func viaTimegm(_ text: String) -> Int64 {
        let u = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int32 { Int32(String(decoding: u[range], as: UTF8.self))! }
        var parts = tm()
        parts.tm_year = number(0..<4) - 1900
        parts.tm_mon = number(5..<7) - 1
        parts.tm_mday = number(8..<10)
        parts.tm_hour = number(11..<13)
        parts.tm_min = number(14..<16)
        parts.tm_sec = number(17..<19)
        return Int64(timegm(&parts)) * 1000 + Int64(number(20..<23))
    }

    @Test(arguments: [
        "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2000-02-29T12:00:00.500Z", "2024-02-29T23:59:59.001Z",
        "2026-02-31T10:00:00.000Z", "2100-02-29T00:00:00.000Z", "2026-11-23T13:33:46.123Z", "2099-12-31T23:59:60.999Z",
        "1600-03-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
    ])
    func parsesTheInstantTimegmGives(text: String) throws {
        let stamp = try #require(Timestamp(parsing: text))
        #expect(stamp.millisecondsSinceEpoch == viaTimegm(text))
    }

    @Test func parsesRandomInstantsAsTimegmDoes() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = String(
                format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%03ldZ", Int.random(in: 1900...2200, using: &generator),
                Int.random(in: 1...12, using: &generator), Int.random(in: 1...31, using: &generator),
                Int.random(in: 0...23, using: &generator), Int.random(in: 0...59, using: &generator),
                Int.random(in: 0...60, using: &generator), Int.random(in: 0...999, using: &generator))
            #expect(try #require(Timestamp(parsing: text)).millisecondsSinceEpoch == viaTimegm(text), "\(text)")
        }
    }

    @Test func roundTripsWhatItWrites() throws {
        for milliseconds in [Int64(0), 1_795_000_000_123, 4_102_444_799_999, 951_825_600_500] {
            let stamp = Timestamp(millisecondsSinceEpoch: milliseconds)
            #expect(Timestamp(parsing: stamp.description) == stamp)
        }
    }

    @Test(arguments: ["2026-13-01T00:00:00.000Z", "2026-11-23 13:33:46.123Z", "2026-11-23T24:00:00.000Z", "x"])
    func refusesOtherText(text: String) {
        #expect(Timestamp(parsing: text) == nil)
    }
}
