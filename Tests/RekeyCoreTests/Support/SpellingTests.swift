import Testing

@testable import RekeyCore

@Suite struct SpellingTests {
    @Test(arguments: [
        ("", "abc", 3), ("name", "nmae", 2), ("kitten", "sitting", 3), ("apiURL", "apiUrl", 0), ("a", "a", 0),
    ])
    func measuresEditDistance(lhs: String, rhs: String, expected: Int) {
        #expect(Spelling.distance(lhs, rhs) == expected)
        #expect(Spelling.distance(rhs, lhs) == expected)
    }

    @Test(
        arguments: [
            ("nmae", ["version", "name", "apps"], "name"),
            ("rotate-key", ProcedureCatalog.allSteps.map(\.rawValue), "rotate-signing-key"),
            ("apiKey", ["apiURL", "apiKeyEnv"], "apiKeyEnv"),
            ("colour", ["version", "name", "apps"], nil),
        ] as [(String, [String], String?)])
    func suggestsTheClosestName(word: String, candidates: [String], expected: String?) {
        #expect(Spelling.suggestion(for: word, among: candidates) == expected)
    }
}
