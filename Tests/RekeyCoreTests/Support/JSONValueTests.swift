import Testing

@testable import RekeyCore

@Suite struct JSONValueTests {
    // MARK: - Valid input

    @Test func parsesEveryKindOfValueAndKeepsMemberOrder() throws {
        let value = try JSONValue.parse(#" { "z": [1, true, false, null, "s", {}], "a": {"b": []} } "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a"])
        #expect(value["z"] == [1, true, false, nil, "s", .object(JSONObject())])
        #expect(value["a"]?["b"] == .array([]))
    }

    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("12", 12), ("-0.5e10", -5e9), ("1E2", 100), ("1e+2", 100), ("2.5E-3", 0.0025),
        ("123456789012", 123_456_789_012), ("0.1", 0.1), ("1.7976931348623157e308", 1.797_693_134_862_315_7e308),
    ])
    func parsesNumbers(text: String, expected: Double) throws {
        #expect(try JSONValue.parse(text) == .number(expected))
    }

    @Test(arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u00e9\u00E9 é""#, "éé é"),
        (#""\u0000""#, "\u{0}"),
        (#""\ud83d\ude00 and \uD83D\uDE00""#, "😀 and 😀"),
        (#""\uffff""#, "\u{FFFF}"),
        (#""日本語 ✓""#, "日本語 ✓"),
    ])
    func decodesEscapesAndSurrogatePairs(text: String, expected: String) throws {
        #expect(try JSONValue.parse(text) == .string(expected))
    }

    @Test func skipsALeadingByteOrderMark() throws {
        #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONValue.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONValue.parse(text)
        var levels = 1
        while case .array(let elements) = value, let inner = elements.first {
            value = inner
            levels += 1
        }
        #expect(levels == depth)
    }

    // MARK: - Invalid input

    /// (input, line, column, message)
    @Test(arguments: [
        ("", 1, 1, "empty document; expected a JSON value"),
        ("   \n ", 2, 2, "empty document; expected a JSON value"),
        ("01", 1, 1, "invalid number '01'; leading zeros are not allowed"),
        ("-012", 1, 1, "invalid number '-012'; leading zeros are not allowed"),
        ("-", 1, 2, "invalid number; expected a digit after '-'"),
        ("1.", 1, 3, "invalid number; expected a digit after '.'"),
        ("1e", 1, 3, "invalid number; expected a digit in the exponent"),
        ("+1", 1, 1, "invalid number; a number starts with '-' or a digit"),
        (".5", 1, 1, "invalid number; a number starts with '-' or a digit"),
        ("1e400", 1, 1, "number 1e400 is out of range"),
        ("NaN", 1, 1, "unexpected 'NaN'; expected a value (object, array, string, number, true, false or null)"),
        (
            "[Infinity]", 1, 2,
            "unexpected 'Infinity'; expected a value (object, array, string, number, true, false or null)"
        ),
        ("-Infinity", 1, 1, "unexpected '-Infinity'; JSON has no infinite numbers"),
        ("True", 1, 1, "unexpected 'True'; expected a value (object, array, string, number, true, false or null)"),
        ("[1,]", 1, 4, "trailing comma before ']'"),
        ("{\"a\": 1,}", 1, 9, "trailing comma before '}'"),
        ("// note\n{}", 1, 1, "comments are not allowed in JSON"),
        ("{\"a\": 1 /* c */}", 1, 9, "comments are not allowed in JSON"),
        ("{} // c", 1, 4, "comments are not allowed in JSON"),
        ("{'a': 1}", 1, 2, "object keys must be in double quotes, not single quotes"),
        ("['a']", 1, 2, "strings must be in double quotes, not single quotes"),
        ("{a: 1}", 1, 2, "expected an object key in double quotes after '{'"),
        ("\"abc", 1, 1, "unterminated string"),
        ("[\"abc\n\"]", 1, 2, "unterminated string"),
        ("\"a\tb\"", 1, 3, "unescaped control character U+0009 in string; write it as an escape"),
        (#""\q""#, 1, 2, "invalid escape '\\q'; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
        (#""\u12""#, 1, 2, "invalid unicode escape; expected 4 hex digits after '\\u'"),
        (#""\ud800""#, 1, 2, "unpaired surrogate '\\ud800' in string; \\u escapes of surrogates must come in pairs"),
        (
            #""\ud800\u0041""#, 1, 2,
            "unpaired surrogate '\\ud800' in string; \\u escapes of surrogates must come in pairs"
        ),
        (#""x\udc00""#, 1, 3, "unpaired surrogate '\\udc00' in string; \\u escapes of surrogates must come in pairs"),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "expected ',' or '}' after object member"),
        ("[1 2]", 1, 4, "expected ',' or ']' after array element"),
        ("{\"a\" 1}", 1, 6, "expected ':' after object key"),
        ("{\"a\": 1", 1, 8, "unexpected end of input; expected ',' or '}' after object member"),
        ("[", 1, 2, "unexpected end of input; expected a value"),
        ("{\"apps\": 1, \"apps\": 2}", 1, 13, "duplicate key 'apps'"),
        ("{\"a\": {\"k\": 1,\n \"k\": 2}}", 2, 2, "duplicate key 'k'"),
        ("1 2", 1, 3, "trailing characters after the JSON value"),
        ("{}}", 1, 3, "trailing characters after the JSON value"),
        ("[\"é\", x]", 1, 7, "unexpected 'x'; expected a value (object, array, string, number, true, false or null)"),
    ])
    func rejectsInvalidInputWithLocation(input: String, line: Int, column: Int, message: String) {
        #expect(throws: JSONSyntaxError(line: line, column: column, message: message)) {
            try JSONValue.parse(input)
        }
    }

    @Test(
        arguments: [
            [0x22, 0xC3, 0x28, 0x22],  // truncated 2-byte sequence
            [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-16 surrogate encoded in UTF-8
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // past U+10FFFF
            [0x22, 0xFF, 0x22],
            [0x22, 0xE2, 0x82],  // cut off at the end
        ] as [[UInt8]])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONSyntaxError(line: 1, column: 2, message: "invalid UTF-8")) {
            try JSONValue.parse(bytes)
        }
    }

    @Test(arguments: ["[", "{\"a\":"])
    func deepNestingIsAnErrorNotACrash(opener: String) {
        let text = String(repeating: opener, count: 100_000)
        let error = #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
        #expect(error?.message == "nesting deeper than 512 levels")
        #expect(error?.line == 1)
    }

    @Test func rejectsOneLevelBeyondTheLimit() {
        let depth = JSONValue.maximumDepth + 1
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: JSONSyntaxError(line: 1, column: depth, message: "nesting deeper than 512 levels")) {
            try JSONValue.parse(text)
        }
    }

    @Test func describesErrorsWithLineAndColumn() {
        let error = JSONSyntaxError(line: 3, column: 7, message: "expected ',' or '}' after object member")
        #expect(error.description == "line 3, column 7: expected ',' or '}' after object member")
    }

    // MARK: - Serialization

    @Test func serializesCompactlyInDocumentOrder() {
        let value: JSONValue = ["b": [1, 2.5, -3, 600.0], "a": ["x": nil, "y": true], "c": "q\"\\\n\u{1}é/"]
        #expect(value.serialized() == #"{"b":[1,2.5,-3,600],"a":{"x":null,"y":true},"c":"q\"\\\n\u0001é/"}"#)
    }

    @Test func serializesWithSortedKeysByUTF8Bytes() {
        let value: JSONValue = ["b": 1, "a": ["z": 1, "Z": 2], "é": 3]
        #expect(value.serialized(sortedKeys: true) == #"{"a":{"Z":2,"z":1},"b":1,"é":3}"#)
    }

    @Test func serializesPrettyWithTwoSpaceIndentation() {
        let value: JSONValue = ["a": [1, []], "b": ["c": .object(JSONObject())]]
        let expected = """
            {
              "a": [
                1,
                []
              ],
              "b": {
                "c": {}
              }
            }
            """
        #expect(value.serialized(pretty: true) == expected)
    }

    @Test(arguments: [
        (JSONValue.number(600), "600"), (.number(-0.0), "0"), (.number(0.25), "0.25"), (.number(1e-7), "1e-07"),
        (.number(1e20), "1e+20"), (.number(9_007_199_254_740_991), "9007199254740991"), (.number(.nan), "null"),
    ])
    func serializesNumbers(value: JSONValue, expected: String) {
        #expect(value.serialized() == expected)
    }

    @Test(arguments: [
        JSONValue.null, true, 0, -1.5, 1e300, .number(.leastNonzeroMagnitude), "",
        "tab\t nul\u{0} bell\u{7} emoji 😀 rtl \u{200F}",
        [[], [[]], ["a": []]],
        ["version": 1, "apps": [["name": "api", "n": 1.25, "deep": [["x": [nil, false]]]]], "": "empty key"],
    ])
    func roundTripsThroughSerialization(value: JSONValue) throws {
        #expect(try JSONValue.parse(value.serialized()) == value)
        #expect(try JSONValue.parse(value.serialized(sortedKeys: true, pretty: true)) == value)
    }

    @Test func roundTripKeepsMemberOrder() throws {
        let text = #"{"z":1,"a":2,"m":{"y":[],"b":{}}}"#
        #expect(try JSONValue.parse(text).serialized() == text)
    }

    // MARK: - Objects

    @Test func objectsCompareIgnoringMemberOrder() {
        let lhs: JSONValue = ["a": 1, "b": [2]]
        let rhs: JSONValue = ["b": [2], "a": 1]
        #expect(lhs == rhs)
        #expect(lhs != ["a": 1, "b": [3]])
        #expect(lhs != ["a": 1])
        #expect(lhs != ["a": 1, "c": [2]])
    }

    @Test func objectSubscriptReplacesAppendsAndRemoves() {
        var object = JSONObject([(key: "a", value: 1), (key: "b", value: 2)])
        object["a"] = 10
        object["c"] = 3
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["a"] == 10)
        #expect(object["b"] == nil)
    }

    @Test func accessorsReturnValuesOfTheirKindOnly() {
        #expect(JSONValue.number(3).integerValue == 3)
        #expect(JSONValue.number(3.5).integerValue == nil)
        #expect(JSONValue.number(1e30).integerValue == nil)
        #expect(JSONValue.string("3").integerValue == nil)
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.null.kindDescription == "null")
        #expect(JSONValue.array([]).kindDescription == "an array")
    }
}
