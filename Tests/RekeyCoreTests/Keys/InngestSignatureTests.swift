import Testing

@testable import RekeyCore

/// The header vectors of `inngest-sdk.md` §3.
@Suite struct InngestSignatureTests {
    static let key = Secret("signkey-prod-568c4116828e6e8384a554153722df93022e5cd29a6c2d1b0444a19a807ff315")
    static let timestamp = 1_700_000_000
    static let jsonHeader = "t=1700000000&s=dd3427125c831bb36ad8acd7af907328e148f0d9a2236a3769257ca9c79dd4ab"
    static let emptyHeader = "t=1700000000&s=48b4928c551316434dcdfc930115803821a8b3c83966ae539fe4365a06dc3928"

    @Test func signsTheCanonicalBodyThenTheTimestamp() throws {
        let body = try JSONValue.parse(#"{"b": 2, "a": [1, "x"]}"#)
        let signed = InngestSignature.signJSON(body, timestamp: Self.timestamp, key: Self.key)
        #expect(String(decoding: signed.body, as: UTF8.self) == #"{"a":[1,"x"],"b":2}"#)
        #expect(signed.header == Self.jsonHeader)
    }

    @Test func signsAnEmptyBodyOverTheTimestampOnly() {
        #expect(InngestSignature.header(body: [], timestamp: Self.timestamp, key: Self.key) == Self.emptyHeader)
    }

    @Test func usesTheKeyTextNotItsDecodedBytes() {
        let bare = Secret(InngestSigningKey.stripPrefix(Self.key.exposeValue()))
        #expect(InngestSignature.header(body: [], timestamp: Self.timestamp, key: bare) == Self.emptyHeader)
    }

    @Test func verifiesTheVectorsAndRejectsOtherKeysAndBodies() {
        let canonical = Array(#"{"a":[1,"x"],"b":2}"#.utf8)
        #expect(InngestSignature.verify(header: Self.jsonHeader, body: canonical, key: Self.key))
        #expect(InngestSignature.verify(header: Self.emptyHeader, body: [], key: Self.key))
        #expect(!InngestSignature.verify(header: Self.emptyHeader, body: canonical, key: Self.key))
        let other = Secret("signkey-prod-" + String(repeating: "0", count: 64))
        #expect(!InngestSignature.verify(header: Self.emptyHeader, body: [], key: other))
        let uppercase =
            "t=1700000000&s=" + "48b4928c551316434dcdfc930115803821a8b3c83966ae539fe4365a06dc3928".uppercased()
        #expect(!InngestSignature.verify(header: uppercase, body: [], key: Self.key))
    }

    @Test func rejectsTimestampsOutsideTheAllowedAge() {
        #expect(
            InngestSignature.verify(
                header: Self.emptyHeader, body: [], key: Self.key, now: Self.timestamp + 299, maximumAge: 300))
        #expect(
            !InngestSignature.verify(
                header: Self.emptyHeader, body: [], key: Self.key, now: Self.timestamp + 301, maximumAge: 300))
        #expect(
            !InngestSignature.verify(
                header: Self.emptyHeader, body: [], key: Self.key, now: Self.timestamp - 301, maximumAge: 300))
    }

    @Test(arguments: ["", "t=1", "s=ab", "t=x&s=ab", "t1700000000&s=ab"])
    func refusesMalformedHeaders(header: String) {
        #expect(InngestSignature.parse(header) == nil)
        #expect(!InngestSignature.verify(header: header, body: [], key: Self.key))
    }

    @Test func verifiesResponsesOverTheRawBodyWithOrWithoutATrailingNewline() {
        let body = Array(#"{"b": 2, "a": 1}"#.utf8)
        let header = InngestSignature.header(body: body, timestamp: Self.timestamp, key: Self.key)
        #expect(InngestSignature.verifyResponse(header: header, body: body, key: Self.key))
        #expect(InngestSignature.verifyResponse(header: header, body: body + [0x0A], key: Self.key))
        #expect(!InngestSignature.verifyResponse(header: header, body: body + [0x20], key: Self.key))
        #expect(!InngestSignature.verifyResponse(header: nil, body: body, key: Self.key))
        let canonical = JCS.canonicalize(.object(JSONObject([(key: "b", value: 2), (key: "a", value: 1)])))
        #expect(!InngestSignature.verifyResponse(header: header, body: canonical, key: Self.key))
    }
}
