import Foundation
import RekeyCrypto

/// Removes secret values from text that came from outside rekey (a deployment tool's output) before
/// that text appears in an error, a log line or the journal.
///
/// Each secret is searched in the encodings a tool is likely to print: as is, without a `signkey-<env>-`
/// prefix, hex-decoded (a hex key's raw bytes), base64 (standard and URL-safe, padded or not, and as part
/// of a longer encoded text: at each of the three byte alignments) and hex. Matching ignores ASCII case
/// (a tool may print a hex key upper-cased), and besides whole encodings, any run of ``runLength``
/// characters of one removes: a key cut short or split over lines still goes. Every match becomes
/// `<redacted>`; the public `signkey-<env>-` prefix of a signing key is not secret and stays. Values
/// shorter than ``minimumLength`` are not searched (they would redact ordinary words), which no key rekey
/// writes is.
public struct SecretScrubber: Sendable, CustomStringConvertible, CustomReflectable {
    /// What replaces a match.
    public static let replacement = "<redacted>"
    /// The shortest whole value or encoding searched for.
    public static let minimumLength = 8
    /// The shortest piece of an encoding removed wherever it appears: twelve characters of a key carry
    /// 48 to 72 bits of it, and ordinary text does not contain such a run by chance.
    public static let runLength = 12

    /// Whole encodings (lowercased), longest first.
    private let needles: [[UInt8]]
    /// Every ``runLength``-byte piece (lowercased) of the secret part of every encoding.
    private let runs: Set<Run>

    /// ``runLength`` bytes packed for hashing.
    private struct Run: Hashable {
        var head: UInt64
        var tail: UInt32

        init(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) {
            var head: UInt64 = 0
            for offset in 0..<8 { head = head << 8 | UInt64(bytes[index + offset]) }
            var tail: UInt32 = 0
            for offset in 8..<12 { tail = tail << 8 | UInt32(bytes[index + offset]) }
            self.head = head
            self.tail = tail
        }
    }

    /// A scrubber for `secrets`.
    public init(_ secrets: [Secret]) {
        var needles = Set<[UInt8]>()
        var runs = Set<Run>()
        for secret in secrets {
            secret.withExposedBytes { bytes in
                for encoding in Self.encodings(of: bytes) {
                    let lowered = encoding.text.map(Self.lowercased)
                    if encoding.whole, lowered.count >= Self.minimumLength { needles.insert(lowered) }
                    let secretPart = Array(lowered[encoding.secret])
                    guard secretPart.count >= Self.runLength else { continue }
                    secretPart.withUnsafeBufferPointer { buffer in
                        for index in 0...(buffer.count - Self.runLength) { runs.insert(Run(buffer, at: index)) }
                    }
                }
            }
        }
        self.needles = needles.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        self.runs = runs
    }

    /// How many byte sequences are searched (whole encodings and runs of them).
    public var needleCount: Int { needles.count + runs.count }

    /// `text` with every secret (in any searched encoding) replaced by ``replacement``.
    public func scrub(_ text: String) -> String {
        String(decoding: scrub(Array(text.utf8)), as: UTF8.self)
    }

    /// `bytes` with every secret (in any searched encoding) replaced by ``replacement``.
    public func scrub(_ bytes: [UInt8]) -> [UInt8] {
        guard let marked = marks(in: bytes, stopAtFirst: false) else { return bytes }
        let replacement = Array(Self.replacement.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            guard marked[index] else {
                result.append(bytes[index])
                index += 1
                continue
            }
            result.append(contentsOf: replacement)
            while index < bytes.count, marked[index] { index += 1 }
        }
        return result
    }

    /// Whether any searched encoding of a secret occurs in `bytes`.
    public func appears(in bytes: [UInt8]) -> Bool {
        marks(in: bytes, stopAtFirst: true) != nil
    }

    /// Which bytes of `bytes` belong to a match, or `nil` when none does.
    private func marks(in bytes: [UInt8], stopAtFirst: Bool) -> [Bool]? {
        guard !needles.isEmpty || !runs.isEmpty, !bytes.isEmpty else { return nil }
        let lowered = bytes.map(Self.lowercased)
        var marked = [Bool](repeating: false, count: bytes.count)
        var found = false
        for index in lowered.indices {
            for needle in needles where Self.matches(needle, in: lowered, at: index) {
                for offset in index..<index + needle.count { marked[offset] = true }
                found = true
                break
            }
            if found && stopAtFirst { return marked }
        }
        if !runs.isEmpty, lowered.count >= Self.runLength {
            lowered.withUnsafeBufferPointer { buffer in
                for index in 0...(buffer.count - Self.runLength) where runs.contains(Run(buffer, at: index)) {
                    for offset in index..<index + Self.runLength { marked[offset] = true }
                    found = true
                    if stopAtFirst { return }
                }
            }
        }
        return found ? marked : nil
    }

    /// One encoding of a secret: its text, whether the text as a whole is searched (not when it encodes
    /// unknown bytes around the secret), and the range that depends on secret bytes only.
    struct Encoding {
        var text: [UInt8]
        var whole: Bool
        var secret: Range<Int>
    }

    /// The encodings of `bytes` that are searched: the value, the value after a `signkey-<env>-` prefix,
    /// a hex value's raw bytes; and of each, hex and base64 (standard and URL-safe, padded and not; as a
    /// whole and at the byte alignments it may have inside a longer encoded text).
    static func encodings(of bytes: [UInt8]) -> [Encoding] {
        // (form, length of its public prefix)
        var forms: [([UInt8], Int)] = [(bytes, 0)]
        let text = String(decoding: bytes, as: UTF8.self)
        let stripped = Array(InngestSigningKey.stripPrefix(text).utf8)
        if stripped.count != bytes.count {
            forms[0].1 = bytes.count - stripped.count
            forms.append((stripped, 0))
        }
        if let raw = Hex.decode(String(decoding: stripped, as: UTF8.self)), raw.count >= minimumLength / 2 {
            forms.append((raw, 0))
        }
        var result: [Encoding] = []
        for (form, prefix) in forms {
            result.append(Encoding(text: form, whole: true, secret: prefix..<form.count))
            result.append(
                Encoding(text: Array(Hex.encode(form).utf8), whole: true, secret: (2 * prefix)..<(2 * form.count)))
            for alignment in 0..<3 {
                let encoded = Array((Data(repeating: 0, count: alignment) + Data(form)).base64EncodedString().utf8)
                // Characters made only of secret bits: 6-bit groups inside the secret's bytes.
                let first = (8 * (alignment + prefix) + 5) / 6
                let end = (8 * (alignment + form.count)) / 6
                let secret = first..<max(first, end)
                let unpadded = Array(encoded.prefix { $0 != UInt8(ascii: "=") })
                let urlSafe = unpadded.map {
                    $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0
                }
                for variant in [encoded, unpadded, urlSafe] {
                    result.append(Encoding(text: variant, whole: alignment == 0, secret: secret))
                }
            }
        }
        return result
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func matches(_ needle: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= bytes.count, bytes[index] == needle[0] else { return false }
        for offset in 1..<needle.count where bytes[index + offset] != needle[offset] { return false }
        return true
    }

    public var description: String { "SecretScrubber(\(needles.count) patterns, <redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
