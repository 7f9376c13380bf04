import Foundation
import RekeyCore

/// Searches captured output and files for secret values in the encodings a leak would take: as is,
/// without a `signkey-<env>-` prefix, base64 (standard and URL-safe, padded or not) and hex (both cases).
///
/// Written independently of rekey's own ``SecretScrubber`` so that the scan does not trust the code it
/// checks.
struct SecretScan {
    /// One place a secret was found.
    struct Hit: CustomStringConvertible {
        var source: String
        var secret: Int
        var encoding: String
        var description: String { "secret #\(secret) (\(encoding)) in \(source)" }
    }

    private var needles: [(secret: Int, encoding: String, bytes: Data)] = []
    private(set) var secretCount = 0
    private(set) var sources: [String] = []
    private(set) var bytesSearched = 0
    private(set) var hits: [Hit] = []

    /// Adds `values` (distinct ones only) to the search.
    mutating func add(_ values: [String]) {
        for value in values
        where !value.isEmpty && !needles.contains(where: { $0.encoding == "raw" && $0.bytes == Data(value.utf8) }) {
            secretCount += 1
            for (encoding, text) in Self.encodings(of: value) where text.utf8.count >= 8 {
                needles.append((secretCount, encoding, Data(text.utf8)))
            }
        }
    }

    /// How many byte strings are searched.
    var needleCount: Int { needles.count }

    /// Searches `bytes`, recorded as `source`.
    mutating func search(_ source: String, _ bytes: Data) {
        sources.append(source)
        bytesSearched += bytes.count
        for needle in needles where bytes.range(of: needle.bytes) != nil {
            hits.append(Hit(source: source, secret: needle.secret, encoding: needle.encoding))
        }
    }

    /// Searches `text`.
    mutating func search(_ source: String, _ text: String) {
        search(source, Data(text.utf8))
    }

    /// Searches a file.
    mutating func search(file path: String) throws {
        search(path, try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// One line for the test log.
    var summary: String {
        "secret scan: \(secretCount) secrets, \(needleCount) encodings, \(sources.count) sources, "
            + "\(bytesSearched) bytes searched, \(hits.count) hits"
    }

    static func encodings(of value: String) -> [(String, String)] {
        var forms = [("raw", value)]
        let stripped = InngestSigningKey.stripPrefix(value)
        if stripped != value { forms.append(("without prefix", stripped)) }
        var result: [(String, String)] = []
        for (name, form) in forms {
            let data = Data(form.utf8)
            let base64 = data.base64EncodedString()
            let unpadded = String(base64.prefix { $0 != "=" })
            let urlSafe = unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let hex = data.map { String(format: "%02x", $0) }.joined()
            result += [
                ("\(name)", form), ("base64 of \(name)", base64), ("unpadded base64 of \(name)", unpadded),
                ("url-safe base64 of \(name)", urlSafe), ("hex of \(name)", hex),
                ("upper-case hex of \(name)", hex.uppercased()),
            ]
        }
        return result
    }
}
