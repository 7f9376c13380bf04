import Foundation
import Testing

@testable import RekeyCore

/// The journal-line encoder writes exactly the bytes `JSONEncoder` (sorted keys, unescaped slashes)
/// writes, so journals written before and after it read, hash and chain the same.
@Suite struct JournalLineEncoderTests {
    @Test(arguments: JournalLineDecoderTests.records)
    func writesTheBytesTheCodablePathWrites(record: JournalRecord) {
        #expect(
            String(decoding: JournalLineEncoder.bytes(record), as: UTF8.self)
                == String(decoding: JSONCoding.canonicalBytes(record), as: UTF8.self))
    }

    @Test func everyControlCharacterAndUnicodeIsEscapedAsJSONEncoderDoes() {
        let awkward = String((0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) }) + "\u{2028}\u{7F}é😀/"
        let record = JournalRecord(
            seq: 1, at: JournalLineDecoderTests.at, type: .note, item: awkward,
            data: RecordData(message: awkward), prev: nil)
        #expect(JournalLineEncoder.bytes(record) == JSONCoding.canonicalBytes(record))
    }

    /// Random records over every field, with map keys chosen to sort differently by case, digits and
    /// punctuation.
    @Test func randomRecordsMatchTheCodablePath() {
        var generator = Mutator(seed: 0x5eed)
        let words = ["a", "B", "_", "a10", "a9", "APP_KEY", "APPX", "é", "e", "ñ/x", "\"q\"", "line\nbreak", ""]
        func word() -> String { words.randomElement(using: &generator)! }
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &generator) ? value() : nil }
        let fingerprint = Fingerprint(hex: "0123456789ab")!
        var mismatches: [String] = []
        for seq in 0..<2_000 {
            var map: [String: Fingerprint?] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                map[word()] = Bool.random(using: &generator) ? fingerprint : Fingerprint?.none
            }
            var observed: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) { observed[word()] = word() }
            let outcome = ItemOutcome(
                keyID: maybe(word()), fingerprint: maybe(fingerprint), name: maybe(word()),
                filter: maybe(
                    KeyFilter(
                        mode: Bool.random(using: &generator) ? .allow : .deny, events: [word(), word()],
                        ips: maybe([word()]) ?? [])),
                variables: maybe(map), observed: maybe(observed), detail: maybe(word()))
            let data = RecordData(
                outcome: maybe(outcome), action: maybe(word()), idempotencyKey: maybe(word()),
                attempt: maybe(Int.random(in: -3...99, using: &generator)), adopted: maybe(true),
                error: maybe(word()), retryable: maybe(false), by: maybe(word()), via: maybe(word()),
                planHash: maybe(word()), message: maybe(word()),
                durationMs: maybe(Int.random(in: 0...Int.max, using: &generator)), variable: maybe(word()),
                fingerprint: maybe(fingerprint))
            let record = JournalRecord(
                seq: seq,
                at: Timestamp(millisecondsSinceEpoch: Int64.random(in: 0...4_102_444_800_000, using: &generator)),
                type: RecordType.allCases.randomElement(using: &generator)!,
                step: maybe(StepID.inngestProcedure.randomElement(using: &generator)!), item: maybe(word()), data: data,
                prev: maybe(word()))
            if JournalLineEncoder.bytes(record) != JSONCoding.canonicalBytes(record) {
                mismatches.append(String(decoding: JSONCoding.canonicalBytes(record), as: UTF8.self))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of 2000 differ, e.g. \(mismatches.first ?? "")")
    }
}

/// The fuzz tests' SplitMix64 generator, so a failure reproduces.
extension Mutator: RandomNumberGenerator {}
