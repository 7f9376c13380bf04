/// Writes a ``JournalRecord`` as one journal line, byte for byte as `JSONEncoder` with sorted keys and
/// unescaped slashes would (``JSONCoding/canonicalBytes(_:)``), without its per-record set-up and
/// boxing: every durable append of a fan-out goes through here.
///
/// The plan record (once per journal) and records holding a sealed secret are rare and take the
/// `JSONEncoder` path; `JournalLineEncoderTests` checks that both paths write the same bytes.
enum JournalLineEncoder {
    /// The line's bytes, without the newline.
    static func bytes(_ record: JournalRecord) -> [UInt8] {
        if record.data.plan != nil || record.data.outcome?.sealed != nil {
            return JSONCoding.canonicalBytes(record)
        }
        var out = Output()
        out.bytes.reserveCapacity(256)
        // Keys in sorted order: at, data, item, prev, seq, step, type, v.
        out.raw("{\"at\":")
        out.string(record.at.description)
        out.raw(",\"data\":")
        out.data(record.data)
        if let item = record.item {
            out.raw(",\"item\":")
            out.string(item)
        }
        out.raw(",\"prev\":")
        if let prev = record.prev { out.string(prev) } else { out.raw("null") }
        out.raw(",\"seq\":")
        out.int(record.seq)
        if let step = record.step {
            out.raw(",\"step\":")
            out.string(step.rawValue)
        }
        out.raw(",\"type\":")
        out.string(record.type.rawValue)
        out.raw(",\"v\":")
        out.int(record.version)
        out.raw("}")
        return out.bytes
    }

    /// A growing line with JSON's primitives.
    private struct Output {
        var bytes: [UInt8] = []
        /// Whether the object being written has a member yet.
        private var first = true

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func int(_ value: Int) {
            bytes.append(contentsOf: String(value).utf8)
        }

        mutating func bool(_ value: Bool) {
            if value { raw("true") } else { raw("false") }
        }

        /// A string as `JSONEncoder` escapes it: `"` and `\`, the short forms of backspace, tab, newline,
        /// form feed and carriage return, `\u00xx` for other control characters; everything else as is.
        mutating func string(_ value: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x08: raw("\\b")
                case 0x09: raw("\\t")
                case 0x0A: raw("\\n")
                case 0x0C: raw("\\f")
                case 0x0D: raw("\\r")
                case 0x00..<0x20:
                    raw("\\u00")
                    bytes.append(Self.hex[Int(byte >> 4)])
                    bytes.append(Self.hex[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }

        private static let hex = Array("0123456789abcdef".utf8)

        /// Starts a member of the current object: a comma unless it is the first, then `"key":`.
        mutating func key(_ key: StaticString) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(UInt8(ascii: "\""))
            raw(key)
            raw("\":")
        }

        mutating func key(_ key: String) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            string(key)
            bytes.append(UInt8(ascii: ":"))
        }

        mutating func open() {
            bytes.append(UInt8(ascii: "{"))
            first = true
        }

        mutating func close() {
            bytes.append(UInt8(ascii: "}"))
            first = false
        }

        mutating func member(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            string(value)
        }

        mutating func member(_ name: StaticString, _ value: Int?) {
            guard let value else { return }
            key(name)
            int(value)
        }

        mutating func member(_ name: StaticString, _ value: Bool?) {
            guard let value else { return }
            key(name)
            bool(value)
        }

        mutating func member(_ name: StaticString, _ value: Fingerprint?) {
            member(name, value?.hex)
        }

        mutating func stringArray(_ values: [String]) {
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                string(value)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        // Keys in sorted order, absent when nil, as RecordData.encode(to:) writes them (no plan here).
        mutating func data(_ data: RecordData) {
            open()
            member("action", data.action)
            member("adopted", data.adopted)
            member("attempt", data.attempt)
            member("by", data.by)
            member("check", data.check)
            member("durationMs", data.durationMs)
            member("error", data.error)
            member("fingerprint", data.fingerprint)
            member("idempotencyKey", data.idempotencyKey)
            member("kind", data.kind?.rawValue)
            member("message", data.message)
            if let value = data.outcome {
                key("outcome")
                outcome(value)
            }
            member("planHash", data.planHash)
            member("reason", data.reason)
            member("retryable", data.retryable)
            member("variable", data.variable)
            member("verdict", data.verdict)
            member("via", data.via)
            close()
        }

        // ItemOutcome's synthesized encoding, keys sorted (no sealed secret here).
        mutating func outcome(_ outcome: ItemOutcome) {
            open()
            member("detail", outcome.detail)
            if let value = outcome.filter {
                key("filter")
                open()
                key("events")
                stringArray(value.events)
                key("ips")
                stringArray(value.ips)
                member("mode", value.mode.rawValue)
                close()
            }
            member("fingerprint", outcome.fingerprint)
            member("keyID", outcome.keyID)
            member("name", outcome.name)
            if let observed = outcome.observed {
                key("observed")
                open()
                for name in observed.keys.sorted() {
                    key(name)
                    string(observed[name]!)
                }
                close()
            }
            if let variables = outcome.variables {
                key("variables")
                open()
                for name in variables.keys.sorted() {
                    key(name)
                    if let fingerprint = variables[name]! { string(fingerprint.hex) } else { raw("null") }
                }
                close()
            }
            close()
        }
    }
}
