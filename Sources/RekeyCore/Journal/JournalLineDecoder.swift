#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decodes one journal line in a single pass over its bytes, without Foundation's `JSONDecoder`.
///
/// Reading a journal decodes every line, and `rekey status` of a long journal would spend most of its
/// time in `JSONDecoder` (which, for the version check, ran twice per line). This decoder reads the
/// shapes rekey writes (``JournalRecord`` with its ``RecordData`` and ``ItemOutcome``, any key order,
/// optional whitespace) about ten times faster.
///
/// It is a fast path, never a second definition of the format: it returns a record only when it is
/// sure `JSONDecoder` would decode the same one, and `nil` for anything else (the plan record, sealed
/// secrets, unknown or duplicate keys, an unsupported version, numbers that are not plain integers,
/// invalid UTF-8, any syntax error), so the reader falls back to the `Codable` path, which decodes
/// those or reports exactly what is wrong.
struct JournalLineDecoder {
    /// Step ids seen on earlier lines, so that the lines of one step share one string.
    struct StepNames {
        fileprivate var known: [(bytes: [UInt8], id: StepID)] = []

        init() {}
    }

    /// The record on `line`, or `nil` when the `Codable` path must decide.
    static func decode(_ line: [UInt8]) -> JournalRecord? {
        var steps = StepNames()
        return line.withUnsafeBufferPointer { decode($0, steps: &steps) }
    }

    /// The record in `line`, or `nil` when the `Codable` path must decide.
    static func decode(_ line: UnsafeBufferPointer<UInt8>, steps: inout StepNames) -> JournalRecord? {
        var decoder = JournalLineDecoder(line, steps: steps)
        let record = decoder.record()
        steps = decoder.steps
        guard let record else { return nil }
        decoder.skipWhitespace()
        return decoder.index == line.count ? record : nil
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var steps: StepNames

    private init(_ bytes: UnsafeBufferPointer<UInt8>, steps: StepNames) {
        self.bytes = bytes
        self.steps = steps
    }

    // MARK: - Records

    private mutating func record() -> JournalRecord? {
        var version: Int?
        var seq: Int?
        var at: Timestamp?
        var type: RecordType?
        var step: StepID??
        var item: String??
        var data: RecordData??
        var prev: String??
        var seen = KeySet()
        let complete = object { key, decoder in
            switch key {
            case "v": return seen.once(0) && decoder.read(&version) { $0.integer() }
            case "seq": return seen.once(1) && decoder.read(&seq) { $0.integer() }
            case "at": return seen.once(2) && decoder.read(&at) { $0.timestamp() }
            case "type": return seen.once(3) && decoder.read(&type) { $0.string().flatMap(RecordType.init(rawValue:)) }
            case "step": return seen.once(4) && decoder.read(&step) { $0.optional { $0.stepID() } }
            case "item": return seen.once(5) && decoder.read(&item) { $0.optional { $0.string() } }
            case "data": return seen.once(6) && decoder.read(&data) { $0.optional { $0.recordData() } }
            case "prev": return seen.once(7) && decoder.read(&prev) { $0.optional { $0.string() } }
            default: return false
            }
        }
        guard complete, version == JournalRecord.formatVersion, let seq, let at, let type else { return nil }
        return JournalRecord(
            seq: seq, at: at, type: type, step: step ?? nil, item: item ?? nil, data: (data ?? nil) ?? RecordData(),
            prev: prev ?? nil)
    }

    private mutating func recordData() -> RecordData? {
        var data = RecordData()
        var seen = KeySet()
        let complete = object { key, decoder in
            switch key {
            case "outcome": return seen.once(0) && decoder.field(&data.outcome) { $0.outcome() }
            case "action": return seen.once(1) && decoder.field(&data.action) { $0.string() }
            case "idempotencyKey": return seen.once(2) && decoder.field(&data.idempotencyKey) { $0.string() }
            case "attempt": return seen.once(3) && decoder.field(&data.attempt) { $0.integer() }
            case "adopted": return seen.once(4) && decoder.field(&data.adopted) { $0.boolean() }
            case "error": return seen.once(5) && decoder.field(&data.error) { $0.string() }
            case "retryable": return seen.once(6) && decoder.field(&data.retryable) { $0.boolean() }
            case "by": return seen.once(7) && decoder.field(&data.by) { $0.string() }
            case "via": return seen.once(8) && decoder.field(&data.via) { $0.string() }
            case "planHash": return seen.once(9) && decoder.field(&data.planHash) { $0.string() }
            case "message": return seen.once(10) && decoder.field(&data.message) { $0.string() }
            case "durationMs": return seen.once(11) && decoder.field(&data.durationMs) { $0.integer() }
            case "variable": return seen.once(12) && decoder.field(&data.variable) { $0.string() }
            case "fingerprint": return seen.once(13) && decoder.field(&data.fingerprint) { $0.fingerprint() }
            case "kind":
                return seen.once(14) && decoder.field(&data.kind) { $0.string().flatMap(FailureKind.init(rawValue:)) }
            case "check": return seen.once(15) && decoder.field(&data.check) { $0.string() }
            case "verdict": return seen.once(16) && decoder.field(&data.verdict) { $0.string() }
            case "reason": return seen.once(17) && decoder.field(&data.reason) { $0.string() }
            // `plan` (record 0) and anything unknown: the Codable path.
            default: return false
            }
        }
        return complete ? data : nil
    }

    private mutating func outcome() -> ItemOutcome? {
        var outcome = ItemOutcome()
        var seen = KeySet()
        let complete = object { key, decoder in
            switch key {
            case "keyID": return seen.once(0) && decoder.field(&outcome.keyID) { $0.string() }
            case "fingerprint": return seen.once(1) && decoder.field(&outcome.fingerprint) { $0.fingerprint() }
            case "name": return seen.once(2) && decoder.field(&outcome.name) { $0.string() }
            case "filter": return seen.once(3) && decoder.field(&outcome.filter) { $0.filter() }
            case "detail": return seen.once(4) && decoder.field(&outcome.detail) { $0.string() }
            case "variables": return seen.once(5) && decoder.field(&outcome.variables) { $0.variables() }
            case "observed": return seen.once(6) && decoder.field(&outcome.observed) { $0.observed() }
            // `sealed` and anything unknown: the Codable path.
            default: return false
            }
        }
        return complete ? outcome : nil
    }

    private mutating func variables() -> [String: Fingerprint?]? {
        var variables: [String: Fingerprint?] = [:]
        let complete = object { key, decoder in
            guard let name = key.string, variables[name] == nil, let value = decoder.optional({ $0.fingerprint() })
            else { return false }
            variables.updateValue(value, forKey: name)
            return true
        }
        return complete ? variables : nil
    }

    private mutating func observed() -> [String: String]? {
        var observed: [String: String] = [:]
        let complete = object { key, decoder in
            guard let name = key.string, observed[name] == nil, let value = decoder.string() else { return false }
            observed[name] = value
            return true
        }
        return complete ? observed : nil
    }

    private mutating func filter() -> KeyFilter? {
        var mode: KeyFilter.Mode?
        var events: [String]?
        var ips: [String]?
        var seen = KeySet()
        let complete = object { key, decoder in
            switch key {
            case "mode":
                return seen.once(0) && decoder.read(&mode) { $0.string().flatMap(KeyFilter.Mode.init(rawValue:)) }
            case "events": return seen.once(1) && decoder.read(&events) { $0.strings() }
            case "ips": return seen.once(2) && decoder.read(&ips) { $0.strings() }
            default: return false
            }
        }
        guard complete, let mode, let events, let ips else { return nil }
        return KeyFilter(mode: mode, events: events, ips: ips)
    }

    private mutating func timestamp() -> Timestamp? {
        let start = index
        if let raw = rawString() { return Timestamp(parsingUTF8: raw) }
        index = start
        return string().flatMap(Timestamp.init(parsing:))
    }

    private mutating func stepID() -> StepID? {
        let start = index
        if let raw = rawString() {
            for known in steps.known where known.bytes.elementsEqual(raw) { return known.id }
            if let name = String(validating: raw, as: UTF8.self) {
                guard let id = StepID(rawValue: name) else { return nil }
                if steps.known.count < 64 { steps.known.append((Array(raw), id)) }
                return id
            }
            return nil
        }
        index = start
        return string().flatMap(StepID.init(rawValue:))
    }

    /// The bytes of a string without escapes or control characters (still to be validated as UTF-8);
    /// `nil` (consuming nothing useful) for any other string.
    private mutating func rawString() -> UnsafeBufferPointer<UInt8>? {
        skipWhitespace()
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    private mutating func fingerprint() -> Fingerprint? {
        string().flatMap(Fingerprint.init(hex:))
    }

    private mutating func strings() -> [String]? {
        skipWhitespace()
        guard take(UInt8(ascii: "[")) else { return nil }
        var result: [String] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return result }
        while true {
            guard let value = string() else { return nil }
            result.append(value)
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "]")) ? result : nil
        }
    }

    // MARK: - Structure

    /// Reads an object, calling `member` for each key with the decoder at its value; `member` returns
    /// whether it read the value. `false` (from `member` or the syntax) means: not a record this decoder
    /// is sure of.
    private mutating func object(_ member: (Key, inout JournalLineDecoder) -> Bool) -> Bool {
        skipWhitespace()
        guard take(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return true }
        while true {
            // Keys are matched as bytes; one with an escape goes to the Codable path.
            guard let raw = rawString() else { return false }
            let key = Key(bytes: raw)
            skipWhitespace()
            guard take(UInt8(ascii: ":")), member(key, &self) else { return false }
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}"))
        }
    }

    /// A value that may be `null`: `.some(nil)` for null, `.some(value)`, or `nil` when unreadable.
    private mutating func optional<T>(_ read: (inout JournalLineDecoder) -> T?) -> T?? {
        skipWhitespace()
        if literal("null") { return .some(nil) }
        guard let value = read(&self) else { return nil }
        return .some(value)
    }

    /// Reads a value into `slot`; `false` when it is unreadable.
    private mutating func read<T>(_ slot: inout T?, _ read: (inout JournalLineDecoder) -> T?) -> Bool {
        guard let value = read(&self) else { return false }
        slot = value
        return true
    }

    /// Reads an optional field into `slot` (`null` leaves it `nil`, as `decodeIfPresent` does).
    private mutating func field<T>(_ slot: inout T?, _ read: (inout JournalLineDecoder) -> T?) -> Bool {
        guard let value = optional(read) else { return false }
        slot = value
        return true
    }

    // MARK: - Scalars

    private mutating func boolean() -> Bool? {
        skipWhitespace()
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A plain integer (`-`? digits, no leading zero, no fraction or exponent, at most 18 digits).
    private mutating func integer() -> Int? {
        skipWhitespace()
        let negative = take(UInt8(ascii: "-"))
        let start = index
        var value = 0
        while index < bytes.count, (48...57).contains(bytes[index]) {
            value = value * 10 + Int(bytes[index] - 48)
            index += 1
        }
        let digits = index - start
        guard digits >= 1, digits <= 18, !(digits > 1 && bytes[start] == 48) else { return nil }
        if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
            return nil
        }
        return negative ? -value : value
    }

    /// A string: valid UTF-8, no raw control characters, the escapes JSON defines (a `\u` surrogate only
    /// as a valid pair).
    private mutating func string() -> String? {
        skipWhitespace()
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return ascii ? String(decoding: content, as: UTF8.self) : String(validating: content, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        return nil
    }

    private mutating func escapedString(from start: Int) -> String? {
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            default:
                if byte < 0x20 { return nil }
                out.append(byte)
            }
        }
        return nil
    }

    /// The scalar of `XXXX` (after `\u`), pairing a high surrogate with the `\uXXXX` low one after it.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        if (0xD800...0xDBFF).contains(high) {
            guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00...0xDFFF).contains(low)
            else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(high)
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 97...102: digit = UInt32(byte - 87)
            case 65...70: digit = UInt32(byte - 55)
            default: return nil
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    // MARK: - Bytes

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    fileprivate mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }
}

/// An object key as the bytes between its quotes (no escapes), matched against literals without making a
/// string.
private struct Key {
    let bytes: UnsafeBufferPointer<UInt8>

    /// The key as a string, `nil` when it is not valid UTF-8.
    var string: String? { String(validating: bytes, as: UTF8.self) }

    static func ~= (pattern: StaticString, key: Key) -> Bool {
        let count = pattern.utf8CodeUnitCount
        guard key.bytes.count == count, let base = key.bytes.baseAddress else { return count == 0 && key.bytes.isEmpty }
        return memcmp(base, pattern.utf8Start, count) == 0
    }
}

/// Which of an object's known keys were read, so that a repeated key sends the line to the Codable path.
private struct KeySet {
    private var bits: UInt32 = 0

    /// Marks key number `bit`; `false` when it was read already.
    mutating func once(_ bit: UInt32) -> Bool {
        let mask: UInt32 = 1 << bit
        guard bits & mask == 0 else { return false }
        bits |= mask
        return true
    }
}
