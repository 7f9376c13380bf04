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
