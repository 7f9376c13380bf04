import Testing

@testable import RekeyCore

@Suite struct DurationParserTests {
    @Test(arguments: [
        ("90s", 90.0), ("10m", 600), ("1h30m", 5400), ("250ms", 0.25), ("2h", 7200), ("30", 30), ("2.5", 2.5),
        ("1.5h", 5400), ("1m30s", 90), ("1s500ms", 1.5), ("1h1m1s", 3661), ("1m0.5s", 60.5), ("0s", 0), ("0", 0),
    ])
    func parsesDurations(text: String, seconds: Double) throws {
        #expect(try DurationParser.parse(text) == seconds)
    }

    @Test(arguments: [
        "10x", "", "1h30", "m", "1m1h", "1s1s", "10 m", " 10m", "10m ", "-5s", "1..5s", ".5s", "5.s", "10M", "1e3",
        "inf", "nan", String(repeating: "9", count: 400),
    ])
    func rejectsOtherText(text: String) {
        #expect(throws: DurationError(text: text)) { try DurationParser.parse(text) }
    }

    @Test func errorNamesTheTextAndTheAcceptedForms() {
        #expect(
            DurationError(text: "10x").description
                == "'10x' is not a duration; use a number of seconds or a value like 30s, 10m, 1h")
    }

    @Test func parsesJSONNumbersAndStrings() throws {
        #expect(try DurationParser.parse(JSONValue.number(45)) == 45)
        #expect(try DurationParser.parse(JSONValue.number(0.5)) == 0.5)
        #expect(try DurationParser.parse(JSONValue.string("1m")) == 60)
        #expect(throws: DurationError(text: "true")) { try DurationParser.parse(JSONValue.bool(true)) }
        #expect(throws: DurationError(text: "[]")) { try DurationParser.parse(JSONValue.array([])) }
    }

    @Test(arguments: [
        (600.0, "10m"), (90, "1m30s"), (0.25, "250ms"), (5400, "1h30m"), (7200, "2h"), (0, "0s"), (1, "1s"),
        (3661, "1h1m1s"), (1.5, "1s500ms"), (-90, "-1m30s"), (0.0004, "0s"),
    ])
    func formatsSeconds(seconds: Double, expected: String) {
        #expect(DurationParser.format(seconds: seconds) == expected)
    }

    @Test(arguments: [0.001, 0.25, 1, 59, 61, 599.5, 3600, 86_400, 90061.25])
    func formattedDurationsParseBack(seconds: Double) throws {
        #expect(try DurationParser.parse(DurationParser.format(seconds: seconds)) == seconds)
    }

    @Test func convertsToMillisecondsSaturating() {
        #expect(DurationParser.milliseconds(1.5) == 1500)
        #expect(DurationParser.milliseconds(1e16) == Int64.max)
        #expect(DurationParser.milliseconds(1e308) == Int64.max)
        #expect(DurationParser.milliseconds(.infinity) == Int64.max)
        #expect(DurationParser.milliseconds(-1e308) == Int64.min)
        #expect(DurationParser.milliseconds(.nan) == 0)
        #expect(DurationParser.nanoseconds(1e308) == UInt64.max)
        #expect(DurationParser.nanoseconds(-5) == 0)
    }

    @Test func formatsDurationsTooLongForMillisecondsWithoutCrashing() {
        #expect(DurationParser.format(seconds: 1e16) == "1e+16s")
        #expect(DurationParser.format(seconds: 1e308) == "1e+308s")
        #expect(DurationParser.format(seconds: 3.6e23) == "3.6e+23s")
        #expect(DurationParser.format(seconds: 604_800) == "168h")
    }
}
