import Testing

@testable import RekeyCore

/// RFC 8785 canonicalisation, as the SDKs apply it before signing a JSON body.
@Suite struct JCSTests {
    @Test func sortsMembersAndDropsWhitespace() throws {
        let canonical = try JCS.canonicalize(
            json: Array(#"{ "b": 2, "a": [1, "x"], "c": {"z": null, "y": true} }"#.utf8))
        #expect(String(decoding: canonical, as: UTF8.self) == #"{"a":[1,"x"],"b":2,"c":{"y":true,"z":null}}"#)
    }

    @Test func sortsNamesByUTF16CodeUnits() throws {
        // RFC 8785 §3.2.3: U+FB33 sorts after U+1F600 (surrogates D83D DE00) in UTF-16 order, though its
        // scalar value and UTF-8 bytes are smaller.
        let value = JSONValue.object(
            JSONObject([(key: "\u{FB33}", value: 1), (key: "\u{1F600}", value: 2), (key: "a", value: 3)])
        )
        #expect(String(decoding: JCS.canonicalize(value), as: UTF8.self) == "{\"a\":3,\"\u{1F600}\":2,\"\u{FB33}\":1}")
    }

    @Test func escapesOnlyWhatJSONStringifyEscapes() {
        let value = JSONValue.string("q\"b\\/\u{08}\u{0C}\n\r\t\u{01}\u{1F}é😀\u{7F}")
        #expect(
            String(decoding: JCS.canonicalize(value), as: UTF8.self)
                == "\"q\\\"b\\\\/\\b\\f\\n\\r\\t\\u0001\\u001fé😀\u{7F}\"")
    }

    /// RFC 8785 appendix B and ECMAScript `Number.prototype.toString`.
    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.0, "-1"), (100.0, "100"), (0.5, "0.5"), (123.456, "123.456"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (1e-6, "0.000001"), (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"), (9007199254740992.0, "9007199254740992"), (4.5, "4.5"), (2e-3, "0.002"),
        (333333333.3333332, "333333333.3333332"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (Double.leastNonzeroMagnitude, "5e-324"), (1.2345e22, "1.2345e+22"),
    ])
    func formatsNumbersLikeECMAScript(number: Double, text: String) {
        #expect(JCS.format(number: number) == text)
    }

    @Test func leavesAnEmptyBodyEmpty() throws {
        #expect(try JCS.canonicalize(json: []) == [])
    }

    @Test func refusesABodyThatIsNotJSON() {
        #expect(throws: JSONSyntaxError.self) { try JCS.canonicalize(json: Array("not json".utf8)) }
    }
}
