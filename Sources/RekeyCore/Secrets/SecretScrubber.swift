import Foundation
import RekeyCrypto

/// Removes secret values from text that came from outside rekey (a deployment tool's output) before
/// that text appears in an error, a log line or the journal.
///
/// Each secret is searched in the encodings a tool is likely to print: as is, without an
/// `signkey-<env>-` prefix, base64 (standard and URL-safe, with and without padding) and hex (lower and
/// upper case). Every match becomes `<redacted>`. Values shorter than ``minimumLength`` are not searched
/// (they would redact ordinary words), which no key rekey writes is.
public struct SecretScrubber: Sendable, CustomStringConvertible, CustomReflectable {
    /// What replaces a match.
    public static let replacement = "<redacted>"
    /// The shortest byte sequence searched for.
    public static let minimumLength = 8

    /// The byte sequences to remove, longest first (so a longer encoding wins over a value it contains).
    private let needles: [[UInt8]]

    /// A scrubber for `secrets`.
    public init(_ secrets: [Secret]) {
        var needles = Set<[UInt8]>()
        for secret in secrets {
            secret.withExposedBytes { bytes in
                for needle in Self.encodings(of: bytes) where needle.count >= Self.minimumLength {
                    needles.insert(needle)
                }
            }
        }
        self.needles = needles.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
    }

    /// How many byte sequences are searched (a value and its encodings).
    public var needleCount: Int { needles.count }

    /// `text` with every secret (in any searched encoding) replaced by ``replacement``.
    public func scrub(_ text: String) -> String {
        String(decoding: scrub(Array(text.utf8)), as: UTF8.self)
    }

    /// `bytes` with every secret (in any searched encoding) replaced by ``replacement``.
    public func scrub(_ bytes: [UInt8]) -> [UInt8] {
        guard !needles.isEmpty, !bytes.isEmpty else { return bytes }
        let replacement = Array(Self.replacement.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        outer: while index < bytes.count {
            for needle in needles where Self.matches(needle, in: bytes, at: index) {
                result.append(contentsOf: replacement)
                index += needle.count
                continue outer
            }
            result.append(bytes[index])
            index += 1
        }
        return result
    }

    /// Whether any searched encoding of a secret occurs in `bytes`.
    public func appears(in bytes: [UInt8]) -> Bool {
        for index in bytes.indices where needles.contains(where: { Self.matches($0, in: bytes, at: index) }) {
            return true
        }
        return false
    }

    /// The encodings of `bytes` that are searched: the bytes, the bytes after a `signkey-<env>-` prefix,
    /// base64 (standard and URL-safe, padded and not) and hex (lower and upper case) of both.
    public static func encodings(of bytes: [UInt8]) -> [[UInt8]] {
        var forms: [[UInt8]] = [bytes]
        let text = String(decoding: bytes, as: UTF8.self)
        let stripped = InngestSigningKey.stripPrefix(text)
        if stripped != text { forms.append(Array(stripped.utf8)) }
        var result: [[UInt8]] = []
        for form in forms {
            result.append(form)
            let base64 = Data(form).base64EncodedString()
            let unpadded = String(base64.prefix { $0 != "=" })
            let urlSafe = unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            result += [base64, unpadded, urlSafe].map { Array($0.utf8) }
            let hex = Hex.encode(form)
            result += [hex, hex.uppercased()].map { Array($0.utf8) }
        }
        return result
    }

    private static func matches(_ needle: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= bytes.count, bytes[index] == needle[0] else { return false }
        for offset in 1..<needle.count where bytes[index + offset] != needle[offset] { return false }
        return true
    }

    public var description: String { "SecretScrubber(\(needles.count) patterns, <redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
