import Testing

@testable import RekeyCore

/// The vectors of `inngest-sdk.md` §3 (checked against the Python SDK's own functions and the openssl CLI).
@Suite struct InngestSigningKeyTests {
    static let key = Secret("signkey-prod-568c4116828e6e8384a554153722df93022e5cd29a6c2d1b0444a19a807ff315")
    static let hashed = "2e64ca0edc850db32ff684f967822c828f99cf57862e43205fdcf2eff8d95180"

    @Test func hashesTheHexDecodedKeyWithoutItsPrefix() {
        #expect(InngestSigningKey.hashed(Self.key) == Self.hashed)
    }

    @Test func keepsThePrefixInTheJSAndGoForm() {
        #expect(InngestSigningKey.hashedWithPrefix(Self.key) == "signkey-prod-" + Self.hashed)
    }

    @Test func hashesABareKeyLikeAPrefixedOne() {
        let bare = Secret(InngestSigningKey.stripPrefix(Self.key.exposeValue()))
        #expect(InngestSigningKey.hashed(bare) == Self.hashed)
        #expect(InngestSigningKey.hashedWithPrefix(bare) == Self.hashed)
    }

    @Test func hashesTheEmptyKeyToTheDigestOfNothing() {
        // What an app with `INNGEST_SIGNING_KEY=` sends as its Bearer.
        #expect(
            InngestSigningKey.hashed(Secret("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func refusesToHashANonHexKey() {
        #expect(InngestSigningKey.hashed(Secret("signkey-prod-nothex")) == nil)
    }

    @Test func fingerprintIsTheFirstTwelveHexOfTheHash() {
        #expect(InngestSigningKey.fingerprint(Self.key)?.hex == String(Self.hashed.prefix(12)))
        #expect(Self.key.utf8Fingerprint.hex != String(Self.hashed.prefix(12)))
    }

    @Test(arguments: [
        ("signkey-prod-abc", "abc"),
        ("signkey-test-abc", "abc"),
        ("signkey-branch-abc", "abc"),
        ("signkey-my_env2-abc", "abc"),
        ("abc", "abc"),
        ("signkey--abc", "signkey--abc"),
        ("signkey-prod", "signkey-prod"),
        ("xsignkey-prod-abc", "xsignkey-prod-abc"),
    ])
    func stripsOnlyALeadingSignkeyWordPrefix(key: String, stripped: String) {
        #expect(InngestSigningKey.stripPrefix(key) == stripped)
    }

    @Test(arguments: [
        ("signkey-prod-" + String(repeating: "a", count: 64), true),
        ("signkey-branch-" + String(repeating: "0", count: 64), true),
        ("signkey-prod-" + String(repeating: "A", count: 64), false),
        ("signkey-prod-" + String(repeating: "a", count: 63), false),
        ("signkey-prod-" + String(repeating: "a", count: 65), false),
        ("signkey-prod-nothex" + String(repeating: "a", count: 58), false),
        ("signkey-Prod-" + String(repeating: "a", count: 64), false),
        ("signkey-pr0d-" + String(repeating: "a", count: 64), false),
        (String(repeating: "a", count: 64), false),
        ("signkey-prod- " + String(repeating: "a", count: 63), false),
        ("", false),
    ])
    func validatesTheStrictKeyFormat(key: String, valid: Bool) {
        #expect(InngestSigningKey.isValid(key) == valid)
    }

    @Test func generatesValidDistinctKeys() {
        let first = InngestSigningKey.generate(environmentWord: "prod")
        let second = InngestSigningKey.generate(environmentWord: "prod")
        #expect(InngestSigningKey.isValid(first.exposeValue()))
        #expect(InngestSigningKey.environmentWord(first.exposeValue()) == "prod")
        #expect(first != second)
    }

    @Test func eventKeyHashIsTheDigestOfItsText() {
        // `event_key_hash`: SHA-256 of the event key's UTF-8, not hex-decoded.
        let eventKey = Secret("568c4116")
        #expect(eventKey.utf8Fingerprint.hex == "83356c7a29bc")
    }
}
