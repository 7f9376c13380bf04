import Foundation
import Testing

@testable import RekeyCore

/// The fast journal-line decoder agrees with the Codable path on every line it accepts, and leaves
/// everything else to it.
@Suite struct JournalLineDecoderTests {
    static let at = Timestamp(millisecondsSinceEpoch: 1_795_000_000_123)
    static let fingerprint = Fingerprint(hex: "0123456789ab")!

    static let records: [JournalRecord] = [
        JournalRecord(
            seq: 1, at: at, type: .stepStarted, step: .createEventKeys, prev: String(repeating: "a", count: 64)),
        JournalRecord(
            seq: 2, at: at, type: .intent, step: .createEventKeys, item: "ek_1",
            data: RecordData(
                action: "create event key 'Orders (rotated)'", idempotencyKey: "rot-1/create/ek_1", attempt: 3),
            prev: "ab"),
        JournalRecord(
            seq: 3, at: at, type: .done, step: .createEventKeys, item: "ek_1",
            data: RecordData(
                outcome: ItemOutcome(
                    keyID: "ek_2", fingerprint: fingerprint, name: "Orders (rotated) — ünïcode ✓ \"quoted\" \\ / \u{1}",
                    filter: KeyFilter(mode: .allow, events: ["orders/*", "a\nb"], ips: []),
                    variables: ["INNGEST_EVENT_KEY": fingerprint, "INNGEST_SIGNING_KEY_FALLBACK": Fingerprint?.none],
                    observed: ["signing_key": "abc", "fallback": "not reported"],
                    detail: "ok"
                ),
                adopted: true, durationMs: 42),
            prev: "cd"),
        JournalRecord(
            seq: 4, at: at, type: .failed, step: .deleteOldEventKeys, item: "ek_1",
            data: RecordData(error: "HTTP 503 \u{1F600}", retryable: false), prev: "ef"),
        JournalRecord(
            seq: 5, at: at, type: .approval, step: .rotateSigningKey,
            data: RecordData(
                by: "ana", via: "flag", planHash: "123", message: "m", variable: "V", fingerprint: fingerprint),
            prev: "01"),
        JournalRecord(seq: 6, at: at, type: .finished, prev: "02"),
        JournalRecord(seq: 7, at: at, type: .note, data: RecordData(durationMs: -5), prev: "03"),
    ]

    @Test(arguments: Self.records)
    func decodesWhatTheWriterWritesAsTheCodablePathDoes(record: JournalRecord) throws {
        let line = JSONCoding.canonicalBytes(record)
        let fast = try #require(JournalLineDecoder.decode(line))
        #expect(fast == record)
        #expect(fast == (try JSONCoding.decode(JournalRecord.self, from: line)))
    }

    @Test(arguments: [
        // Any key order, whitespace, explicit nulls, escapes for plain characters: still the same record.
        #"{ "v" : 1, "type" : "note", "seq" : 9, "at" : "2026-11-23T13:33:46.123Z", "prev" : null, "data" : {} }"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"message":"\u0068i \ud83d\ude00\/","outcome":null},"item":null,"prev":"x","seq":9,"step":null,"type":"note","v":1}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":null,"prev":"x","seq":9,"type":"note","v":1}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","prev":"x","seq":9,"type":"done","v":1,"data":{"outcome":{"variables":{"A":null},"filter":{"ips":[],"events":[ ],"mode":"deny"}}}}"#,
    ])
    func agreesWithTheCodablePathOnOtherSpellings(line: String) throws {
        let bytes = Array(line.utf8)
        let fast = try #require(JournalLineDecoder.decode(bytes))
        #expect(fast == (try JSONCoding.decode(JournalRecord.self, from: bytes)))
    }

    @Test(arguments: [
        // Left to the Codable path: it decodes some of these, and explains what is wrong with the others.
        // duplicate key
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"prev":null,"seq":0,"type":"plan","v":1,"data":{}}"#,
        // another version
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"prev":null,"seq":0,"type":"note","v":2}"#,
        // not a plain integer
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"prev":null,"seq":1.0,"type":"note","v":1}"#,
        // leading zero
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"prev":null,"seq":01,"type":"note","v":1}"#,
        // unknown key
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"extra":1,"prev":null,"seq":1,"type":"note","v":1}"#,
        // sealed
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"sealed":{}},"prev":null,"seq":1,"type":"done","v":1}"#,
        // the plan
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"plan":{}},"prev":null,"seq":0,"type":"plan","v":1}"#,
        // unknown type
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"prev":null,"seq":1,"type":"teleported","v":1}"#,
        // not a timestamp
        #"{"at":"yesterday","data":{},"prev":null,"seq":1,"type":"note","v":1}"#,
        // trailing text
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"prev":null,"seq":1,"type":"note","v":1} x"#,
        // no version
        #"{"at":"2026-11-23T13:33:46.123Z","data":{},"prev":null,"seq":1,"type":"note"}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"message":"\ud800"},"prev":null,"seq":1,"type":"note","v":1}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"message":"tab\#tinside"},"prev":null,"seq":1,"type":"note","v":1}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"attempt":"3"},"prev":null,"seq":1,"type":"note","v":1}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"fingerprint":"XYZ"},"prev":null,"seq":1,"type":"note","v":1}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"outcome":{"filter":{"mode":"allow"}}},"prev":null,"seq":1,"type":"done","v":1}"#,
        #"{"at":"2026-11-23T13:33:46.123Z","data":{"outcome":{"observed":{"a":"1","a":"2"}}},"prev":null,"seq":1,"type":"done","v":1}"#,
        #"[1, 2, 3]"#,
        "",
    ])
    func leavesEverythingElseToTheCodablePath(line: String) {
        #expect(JournalLineDecoder.decode(Array(line.utf8)) == nil)
    }

    @Test func refusesInvalidUTF8() throws {
        var bytes = Array(
            #"{"at":"2026-11-23T13:33:46.123Z","data":{"message":"X"},"prev":null,"seq":1,"type":"note","v":1}"#.utf8)
        let index = try #require(bytes.firstIndex(of: UInt8(ascii: "X")))
        bytes[index] = 0xFF
        #expect(JournalLineDecoder.decode(bytes) == nil)
        #expect((try? JSONCoding.decode(JournalRecord.self, from: bytes)) == nil)
    }

    @Test func agreesWithTheCodablePathOnMutatedLines() throws {
        // Flip, drop and duplicate bytes of real lines: whenever the fast path accepts a line, the Codable
        // path must decode the same record from it.
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for record in Self.records {
            let line = JSONCoding.canonicalBytes(record)
            for _ in 0..<300 {
                var mutated = line
                let position = Int.random(in: 0..<mutated.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: mutated[position] = UInt8.random(in: 0x20...0x7E, using: &generator)
                case 1: mutated.remove(at: position)
                default: mutated.insert(mutated[position], at: position)
                }
                guard let fast = JournalLineDecoder.decode(mutated) else { continue }
                accepted += 1
                #expect(
                    fast == (try? JSONCoding.decode(JournalRecord.self, from: mutated)),
                    "\(String(decoding: mutated, as: UTF8.self))")
            }
        }
        #expect(accepted > 0)
    }
}
