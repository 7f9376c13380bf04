import Foundation
import RekeyCore
import Testing

@Suite struct SecretScrubberTests {
    private static let signingKey = "signkey-prod-" + String(repeating: "ab12", count: 16)
    private static let eventKey = "q3QJrk0Xv2ZV9e1lOmCiuL7yW0pR4sT6"

    static func forms(_ value: String) -> [String] {
        let bytes = Data(value.utf8)
        let base64 = bytes.base64EncodedString()
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        return [
            value, base64, String(base64.prefix { $0 != "=" }),
            base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: ""),
            hex, hex.uppercased(),
        ]
    }

    @Test(arguments: forms(eventKey) + forms(signingKey) + [String(signingKey.dropFirst("signkey-prod-".count))])
    func replacesEveryEncodingOfEverySecret(form: String) {
        let scrubber = SecretScrubber([Secret(Self.signingKey), Secret(Self.eventKey)])
        let text = "Error: could not store \(form) (retry later)\n"
        let scrubbed = scrubber.scrub(text)
        #expect(scrubbed == "Error: could not store <redacted> (retry later)\n")
        #expect(scrubber.appears(in: Array(text.utf8)))
        #expect(!scrubber.appears(in: Array(scrubbed.utf8)))
    }

    /// What a tool may print besides an exact encoding: the key upper-cased, cut short, or a piece of it.
    static let partialForms: [String] = {
        let bare = String(signingKey.dropFirst("signkey-prod-".count))
        let raw = Data(
            stride(from: 0, to: bare.count, by: 2).map { offset in
                let start = bare.index(bare.startIndex, offsetBy: offset)
                return UInt8(bare[start..<bare.index(start, offsetBy: 2)], radix: 16)!
            })
        let eventHex = Data(eventKey.utf8).map { String(format: "%02X", $0) }.joined()
        let eventBase64 = Data(eventKey.utf8).base64EncodedString()
        return [
            signingKey.uppercased(), bare.uppercased(), "SignKey-Prod-" + bare.prefix(20).uppercased(),
            String(eventKey.prefix(16)), String(eventKey.dropFirst(10).prefix(12)), eventKey.uppercased(),
            String(eventHex.prefix(24)), String(eventBase64.dropFirst(8).prefix(14)),
            raw.base64EncodedString(), String(raw.base64EncodedString().prefix(16)),
            // Base64 of the key after one or two other bytes (`KEY=value` encoded as a whole).
            String(Data(("=" + eventKey).utf8).base64EncodedString().dropFirst(2).prefix(20)),
            String(Data(("I=" + eventKey).utf8).base64EncodedString().dropFirst(4).prefix(20)),
        ]
    }()

    @Test(arguments: partialForms)
    func replacesCaseChangesPrefixesAndEveryRunOfTwelveCharacters(form: String) {
        let scrubber = SecretScrubber([Secret(Self.signingKey), Secret(Self.eventKey)])
        let text = "Error: could not store \(form) (retry later)\n"
        let scrubbed = scrubber.scrub(text)
        #expect(scrubbed.hasPrefix("Error: could not store "), "\(scrubbed)")
        #expect(scrubbed.hasSuffix("<redacted> (retry later)\n"), "\(scrubbed)")
        #expect(scrubbed.count <= text.count - form.count + 13 + "<redacted>".count, "\(scrubbed)")
        #expect(scrubber.appears(in: Array(text.utf8)))
        #expect(!scrubber.appears(in: Array(scrubbed.utf8)), "\(scrubbed)")
    }

    @Test func keepsTheSigningKeysPublicPrefixAndRunsShorterThanTwelve() {
        let scrubber = SecretScrubber([Secret(Self.signingKey), Secret(Self.eventKey)])
        #expect(scrubber.scrub("signkey-prod-ab12ab12ab12 failed") == "signkey-prod-<redacted> failed")
        let short = String(Self.eventKey.prefix(11))
        #expect(scrubber.scrub("id \(short) and signkey-prod-") == "id \(short) and signkey-prod-")
    }

    @Test func leavesOtherTextAloneAndIgnoresShortValues() {
        let scrubber = SecretScrubber([Secret("abc"), Secret(Self.eventKey)])
        let text = "abc: permission denied for INNGEST_EVENT_KEY"
        #expect(scrubber.scrub(text) == text)
        #expect(SecretScrubber([]).scrub(text) == text)
    }

    @Test func describesItselfWithoutTheValues() {
        let scrubber = SecretScrubber([Secret(Self.eventKey)])
        for text in ["\(scrubber)", String(reflecting: scrubber)] {
            #expect(!text.contains(Self.eventKey))
            #expect(!text.contains("113, 51"))
        }
    }
}
