import RekeyCore
import Testing

@Suite struct KeyFormatTests {
    private static let hex64 = String(repeating: "0a", count: 32)

    /// (variable, value, problem or nil)
    @Test(
        arguments: [
            ("INNGEST_SIGNING_KEY", "signkey-prod-\(hex64)", nil),
            ("INNGEST_SIGNING_KEY_FALLBACK", "signkey-branch-\(hex64)", nil),
            ("INNGEST_SIGNING_KEY", "", "is empty"),
            ("INNGEST_SIGNING_KEY_FALLBACK", "", "is empty"),
            (
                "INNGEST_SIGNING_KEY", "signkey-prod-\(hex64.uppercased())",
                "is not of the form signkey-<env>-<64 lowercase hex>"
            ),
            ("INNGEST_SIGNING_KEY", "signkey-prod-\(hex64)\n", "is not of the form signkey-<env>-<64 lowercase hex>"),
            ("INNGEST_SIGNING_KEY", hex64, "is not of the form signkey-<env>-<64 lowercase hex>"),
            ("INNGEST_SIGNING_KEY", "signkey-prod-zz", "is not of the form signkey-<env>-<64 lowercase hex>"),
            ("INNGEST_SIGNING_KEY", "signkey-Prod-\(hex64)", "is not of the form signkey-<env>-<64 lowercase hex>"),
            ("INNGEST_EVENT_KEY", "q3QJrk0Xv2ZV9e1lOmCiuL7yW0pR4sT6", nil),
            ("INNGEST_EVENT_KEY", "", "is empty"),
            ("INNGEST_EVENT_KEY", "abc def", "contains whitespace or control characters"),
            ("INNGEST_EVENT_KEY", "abcdef\n", "contains whitespace or control characters"),
            ("INNGEST_EVENT_KEY", "abc\u{7F}def", "contains whitespace or control characters"),
            ("EVENTNERDS_API_KEY", "evn_prod_\t1", "contains whitespace or control characters"),
        ] as [(String, String, String?)])
    func checksEveryValueBeforeItIsWritten(variable: String, value: String, problem: String?) {
        #expect(KeyFormat.problem(writing: Secret(value), to: variable) == problem)
    }

    @Test(arguments: [
        ("1", true), ("true", true), ("no", true), ("off", true), ("FALSE", true), ("http://localhost:8288", true),
        ("", false), ("0", false), ("false", false),
    ])
    func devModeFollowsTheSDKsTruthiness(value: String, enables: Bool) {
        #expect(KeyFormat.enablesDevMode(Secret(value)) == enables)
    }
}
