import RekeyCore
import Testing

@Suite struct DotenvDocumentTests {
    // MARK: - Parsing

    /// Files that must come back byte for byte.
    static let trickyFiles: [String] = [
        "",
        "\n",
        "A=1",
        "A=1\n",
        "A=1\r\nB=2\r\n",
        "A=1\r\nB=2",
        "A=1\rB=2\r",
        "# comment\n\n   \n# another = comment\nA=1\n\n",
        "export A=1\nexport\tB='two'\n",
        "A = 1\nB=  2\nC  =3  \n",
        "A='single quoted # not a comment'\nB=\"double quoted\"\n",
        "A=\"multi\nline\nvalue\"\nB=after\n",
        "A=\"crlf\r\nmulti\"\r\nB=after\r\n",
        "A=v # inline comment\nB=\"q\" # after quotes\nC='s'#tight\n",
        "A=a=b=c\nB===\n",
        "A=\nB=\"\"\nC=''\nD=   \n",
        "A=1\nB=2\nA=3\n",
        "this is not an assignment\n=orphan\nA=\"x\" junk after quotes\nB=\"never closed\n",
        "  indented=1\n\t\tTABBED=2\n",
        "'QUOTED_KEY'=v\nBARE\nBARE_WITH_COMMENT # c\n",
        "A=\"esc \\\" \\\\ \\n \\t\"\nB='it\\'s'\n",
        "\u{FEFF}A=1\nÜ=ünïcödé\nE=e\u{301}\n",
        "A=trailing spaces   \nB=tabs\t\t\n",
        "# only a comment, no newline",
        "export A=1 # c\r\n\r\n# c\r\nexport B=\"x y\"",
    ]

    @Test(arguments: trickyFiles)
    func parsingKeepsEveryByte(text: String) {
        #expect(Array(DotenvDocument(parsing: text).text.utf8) == Array(text.utf8))
    }

    /// (file, name, what python-dotenv 1.2 loads). Each row was checked against python-dotenv.
    static let loadedValues: [(String, String, String?)] = [
        ("A=1\n", "A", "1"),
        ("export A=1\n", "A", "1"),
        ("export\tA=tab\n", "A", "tab"),
        ("A = 1\n", "A", "1"),
        ("  A=indented\n", "A", "indented"),
        ("A=1", "A", "1"),
        ("A='x y'\n", "A", "x y"),
        ("A='a\\nb'\n", "A", "a\\nb"),
        ("A='it\\'s'\n", "A", "it's"),
        ("A='single\nline'\n", "A", "single\nline"),
        ("A=\"a\\nb\"\n", "A", "a\nb"),
        ("A=\"q\\\"uote\"\n", "A", "q\"uote"),
        ("A=\"t\\tab\\x\"\n", "A", "t\tab\\x"),
        ("A=\"e\\\\\"\n", "A", "e\\"),
        ("A=\"multi\nline\"\n", "A", "multi\nline"),
        ("A=\"crlf\r\nline\"\r\n", "A", "crlf\nline"),
        ("A=v # comment\n", "A", "v"),
        ("A=1 \t# c\r\nB=2\r\n", "A", "1"),
        ("A=v#notcomment\n", "A", "v#notcomment"),
        ("A= #c\n", "A", "#c"),
        ("A=\"v\" # comment\n", "A", "v"),
        ("A=a=b=c\n", "A", "a=b=c"),
        ("A=a\tb\n", "A", "a\tb"),
        ("A=trailing   \n", "A", "trailing"),
        ("A=\nB=\"\"\n", "A", ""),
        ("A=\nB=\"\"\n", "B", ""),
        ("A=1\nA=2\n", "A", "2"),
        ("A=1\nA\n", "A", nil),
        ("'A'=quoted key\n", "A", "quoted key"),
        ("export=1\n", "export", "1"),
        ("junk line\nA=1\n", "A", "1"),
        ("A=\"unclosed\nB=2\n", "A", nil),
        ("A=\"unclosed\nB=2\n", "B", "2"),
        ("A=\"x\" junk\n", "A", nil),
        ("# A=commented\n", "A", nil),
        ("\u{FEFF}A=1\n", "A", nil),
        ("B=1\n", "A", nil),
    ]

    @Test(arguments: loadedValues)
    func valueMatchesPythonDotenv(text: String, name: String, expected: String?) {
        let value = DotenvDocument(parsing: text).value(of: name)
        #expect(value.map { Array($0.unicodeScalars) } == expected.map { Array($0.unicodeScalars) })
    }

    @Test func namesListsAssignedNamesOnceInFileOrder() {
        let document = DotenvDocument(parsing: "B=1\nexport A=2\n# C=3\nB=4\nBARE\njunk line\nE=\n")
        #expect(document.names == ["B", "A", "E"])
    }

    @Test func descriptionShowsNamesButNoValue() {
        let document = DotenvDocument(parsing: "INNGEST_SIGNING_KEY=signkey-prod-00ff\n")
        #expect(!"\(document)".contains("00ff"))
        #expect(!String(reflecting: document).contains("00ff"))
        #expect("\(document)".contains("INNGEST_SIGNING_KEY"))
    }

    @Test func documentsWithTheSameBytesAreEqual() {
        var edited = DotenvDocument(parsing: "A=1\n")
        edited.set("A", to: "2")
        #expect(edited == DotenvDocument(parsing: "A=2\n"))
        // Canonically equivalent but different bytes: not equal.
        #expect(DotenvDocument(parsing: "A=\u{E9}\n") != DotenvDocument(parsing: "A=e\u{301}\n"))
    }

    // MARK: - Setting a present name

    /// (file, name, new value, expected file).
    static let rewrites: [(String, String, String, String)] = [
        ("A=old\n", "A", "new", "A=new\n"),
        ("export A=old # keep\n", "A", "new", "export A=new # keep\n"),
        ("A = old\n", "A", "new", "A = new\n"),
        ("A=  old  \n", "A", "new", "A=  new  \n"),
        ("A='old'\n", "A", "new", "A='new'\n"),
        ("A=\"old\" # keep\n", "A", "new", "A=\"new\" # keep\n"),
        ("'A'=old\n", "A", "new", "'A'=new\n"),
        ("A=old\n", "A", "has space", "A=\"has space\"\n"),
        ("A=old\n", "A", "a#b", "A=\"a#b\"\n"),
        ("A=old\n", "A", "say \"hi\"", "A=\"say \\\"hi\\\"\"\n"),
        ("A=old\n", "A", "it's", "A=\"it's\"\n"),
        ("A=old\n", "A", "l1\nl2", "A=\"l1\\nl2\"\n"),
        ("A=old\n", "A", "back\\slash", "A=back\\slash\n"),
        ("A=\"old\"\n", "A", "back\\slash", "A=\"back\\\\slash\"\n"),
        ("A='old'\n", "A", "it's", "A=\"it's\"\n"),
        ("A='old'\n", "A", "two words", "A='two words'\n"),
        ("A=old # c\n", "A", "", "A=\"\" # c\n"),
        ("A=old\n", "A", "", "A=\n"),
        ("A=\"multi\nline\"\nB=1\n", "A", "one", "A=\"one\"\nB=1\n"),
        ("A=1\r\nB=2\r\n", "A", "x", "A=x\r\nB=2\r\n"),
        ("A=1", "A", "x", "A=x"),
        ("A=1\nB=2\nexport A=3 # c\n", "A", "x", "A=x\nB=2\nexport A=x # c\n"),
        ("A\n", "A", "x", "A=x\n"),
        ("A  # c\n", "A", "x", "A=x  # c\n"),
    ]

    @Test(arguments: rewrites)
    func setRewritesEveryAssignmentInItsStyle(text: String, name: String, value: String, expected: String) {
        var document = DotenvDocument(parsing: text)
        document.set(name, to: value, after: "B")
        #expect(document.text == expected)
        #expect(document.value(of: name) == value)
        #expect(DotenvDocument(parsing: document.text).value(of: name) == value)
    }

    @Test func settingTheParsedValueBackRestoresItsSpelling() throws {
        // Spellings a canonical encoder would not produce: a redundant escape, a literal newline, CRLF.
        let text = "A=\"it\\'s\"\r\nB=\"two\r\nlines\"\r\nC='a\\\\b'\r\n"
        var document = DotenvDocument(parsing: text)
        for name in ["A", "B", "C"] {
            let old = try #require(document.value(of: name))
            document.set(name, to: "new value")
            document.set(name, to: old)
        }
        #expect(Array(document.text.utf8) == Array(text.utf8))
    }

    // MARK: - Inserting an absent name

    /// (file, anchor, expected file after setting N=v).
    static let insertions: [(String, String?, String)] = [
        ("A=1\nB=2\n", "A", "A=1\nN=v\nB=2\n"),
        ("A=1\nB=2\nA=3\nC=4\n", "A", "A=1\nB=2\nA=3\nN=v\nC=4\n"),
        ("A=\"multi\nline\"\nB=2\n", "A", "A=\"multi\nline\"\nN=v\nB=2\n"),
        ("A=1\nB=2\n", "MISSING", "A=1\nB=2\nN=v\n"),
        ("A=1\nB=2\n", nil, "A=1\nB=2\nN=v\n"),
        ("A=1", nil, "A=1\nN=v"),
        ("A=1", "A", "A=1\nN=v"),
        ("A=1\nB=2", "A", "A=1\nN=v\nB=2"),
        ("A=1\n# trailing comment", nil, "A=1\n# trailing comment\nN=v"),
        ("A=1\r\nB=2\r\n", "A", "A=1\r\nN=v\r\nB=2\r\n"),
        ("A=1\r\nB=2", nil, "A=1\r\nB=2\r\nN=v"),
        ("", nil, "N=v\n"),
        ("export A=1\nB=2\n", "A", "export A=1\nexport N=v\nB=2\n"),
        ("A=1\nexport B=2\n", nil, "A=1\nexport B=2\nexport N=v\n"),
        ("A=1\n\n\n", nil, "A=1\n\n\nN=v\n"),
        ("A # bare, not an assignment\nB=2\n", "A", "A # bare, not an assignment\nB=2\nN=v\n"),
    ]

    @Test(arguments: insertions)
    func setInsertsAfterTheLastAnchorOrAtTheEnd(text: String, anchor: String?, expected: String) {
        var document = DotenvDocument(parsing: text)
        document.set("N", to: "v", after: anchor)
        #expect(document.text == expected)
        document.remove("N")
        #expect(Array(document.text.utf8) == Array(text.utf8))
    }

    @Test func fallbackGoesRightAfterTheSigningKey() {
        var document = DotenvDocument(
            parsing: "# Inngest\nINNGEST_SIGNING_KEY=signkey-prod-aa\nINNGEST_EVENT_KEY=ek\n\nPORT=3000\n"
        )
        document.set("INNGEST_SIGNING_KEY_FALLBACK", to: "signkey-prod-bb", after: "INNGEST_SIGNING_KEY")
        #expect(
            document.text
                == "# Inngest\nINNGEST_SIGNING_KEY=signkey-prod-aa\nINNGEST_SIGNING_KEY_FALLBACK=signkey-prod-bb\n"
                + "INNGEST_EVENT_KEY=ek\n\nPORT=3000\n"
        )
    }

    @Test func newValuesThatNeedQuotingAreDoubleQuoted() {
        var document = DotenvDocument(parsing: "A=1\n")
        document.set("N", to: "two words # and \"quotes\"")
        #expect(document.text == "A=1\nN=\"two words # and \\\"quotes\\\"\"\n")
        #expect(DotenvDocument(parsing: document.text).value(of: "N") == "two words # and \"quotes\"")
    }

    // MARK: - Removing

    /// (file, expected file after removing A).
    static let removals: [(String, String)] = [
        ("A=1\nB=2\nA=3\n", "B=2\n"),
        ("A=\"multi\nline\nvalue\"\nB=2\n", "B=2\n"),
        ("# c\nexport A=1 # inline\n\nB=2\n", "# c\n\nB=2\n"),
        ("B=2\nA=1", "B=2"),
        ("B=2\r\nA=1", "B=2"),
        ("A=1", ""),
        ("A\nB=2\n", "B=2\n"),
        ("  A = 1  \nB=2\n", "B=2\n"),
        ("B=2\n", "B=2\n"),
        ("A=\"x\" junk after quotes\nB=2\n", "A=\"x\" junk after quotes\nB=2\n"),
        ("# A=commented\nB=2\n", "# A=commented\nB=2\n"),
    ]

    @Test(arguments: removals)
    func removeDeletesEveryLineOfEveryAssignment(text: String, expected: String) {
        var document = DotenvDocument(parsing: text)
        document.remove("A")
        #expect(document.text == expected)
        #expect(document.value(of: "A") == nil)
    }

    // MARK: - Inverse properties

    @Test(arguments: trickyFiles)
    func setThenRemoveOfAnAbsentNameRestoresTheText(text: String) {
        for anchor in [nil, "A", "B", "MISSING"] {
            var document = DotenvDocument(parsing: text)
            document.set("INNGEST_SIGNING_KEY_FALLBACK", to: "signkey-test-0f", after: anchor)
            #expect(document.value(of: "INNGEST_SIGNING_KEY_FALLBACK") == "signkey-test-0f")
            document.remove("INNGEST_SIGNING_KEY_FALLBACK")
            #expect(Array(document.text.utf8) == Array(text.utf8), "anchor \(anchor ?? "nil")")
        }
    }

    /// Tricky files whose assignments of one name all hold the same value (set writes all of them).
    static let agreeingFiles = trickyFiles.filter { $0 != "A=1\nB=2\nA=3\n" }

    @Test(arguments: agreeingFiles)
    func setToNewThenBackToOldRestoresTheText(text: String) throws {
        let parsed = DotenvDocument(parsing: text)
        for name in parsed.names {
            let old = try #require(parsed.value(of: name))
            for new in ["new", "new value with spaces", "new\nlines", ""] {
                var document = parsed
                document.set(name, to: new)
                #expect(document.value(of: name) == new)
                document.set(name, to: old)
                #expect(Array(document.text.utf8) == Array(text.utf8), "\(name) -> \(new)")
            }
        }
    }

    /// Randomized: generated documents (fixed seed) mixing every construct the parser knows.
    @Test func randomDocumentsSurviveEditsAndTheirInverses() throws {
        var random = SplitMix64(seed: 0x5EED_D07E)
        for _ in 0..<400 {
            let generated = GeneratedDocument(&random)
            let document = DotenvDocument(parsing: generated.text)
            #expect(Array(document.text.utf8) == Array(generated.text.utf8))
            #expect(document.names == generated.order)
            for name in generated.order {
                #expect(document.value(of: name) == generated.values[name]?.last, "\(generated.text.debugDescription)")
            }

            // An absent name: set then remove is the identity; the new line loads as written.
            let absent = random.pick(GeneratedDocument.names.filter { generated.values[$0] == nil } + ["NEW_NAME"])
            let anchor = random.pick([nil, "NOWHERE"] + generated.order.map(Optional.some))
            let value = random.pick(GeneratedDocument.valuePool)
            var inserted = document
            inserted.set(absent, to: value, after: anchor)
            #expect(inserted.value(of: absent) == value)
            #expect(inserted.namesLoadedDifferently().isEmpty, "\(inserted.text.debugDescription)")
            for name in generated.order { #expect(inserted.value(of: name) == document.value(of: name)) }
            inserted.remove(absent)
            #expect(Array(inserted.text.utf8) == Array(generated.text.utf8), "\(generated.text.debugDescription)")

            // A present name whose assignments agree: new then old is the identity.
            let agreeing = generated.order.filter { Set(generated.values[$0]!).count == 1 }
            if let name = agreeing.isEmpty ? nil : random.pick(agreeing) {
                let old = generated.values[name]!.last!
                var edited = document
                edited.set(name, to: value)
                #expect(edited.value(of: name) == value)
                #expect(edited.namesLoadedDifferently().isEmpty, "\(edited.text.debugDescription)")
                edited.set(name, to: old)
                #expect(Array(edited.text.utf8) == Array(generated.text.utf8), "\(generated.text.debugDescription)")
            }

            // Removing a present name leaves the others loading as before.
            if let name = generated.order.isEmpty ? nil : random.pick(generated.order) {
                var removed = document
                removed.remove(name)
                #expect(removed.value(of: name) == nil)
                #expect(removed.namesLoadedDifferently().isEmpty, "\(removed.text.debugDescription)")
                for other in generated.order where other != name {
                    #expect(removed.value(of: other) == document.value(of: other))
                }
            }
        }
    }

    @Test func anEditThatCompletesAnUnclosedQuoteIsDetected() {
        var document = DotenvDocument(parsing: "BROKEN=\"never closed\nA=1\n")
        #expect(document.namesLoadedDifferently().isEmpty)
        document.set("A", to: "two words")
        #expect(document.namesLoadedDifferently() == ["A"])
    }
}

// MARK: - Generator

/// SplitMix64: a tiny deterministic PRNG, so that a failing seed reproduces.
private struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    mutating func pick<T>(_ elements: [T]) -> T {
        elements[below(elements.count)]
    }
}

/// A random dotenv text built from known pieces, with the values each assignment loads.
private struct GeneratedDocument {
    static let names = ["A", "B", "C", "INNGEST_SIGNING_KEY", "INNGEST_SIGNING_KEY_FALLBACK", "INNGEST_EVENT_KEY"]
    /// Values a loader reads back exactly in every style they can be written in (none ends in a backslash:
    /// python-dotenv's quoted-value pattern can't close after an escaped backslash when a quote follows).
    static let valuePool = [
        "signkey-prod-0123456789abcdef", "plain", "", "with space", "hash#inside", "q\"uote", "it's", "multi\nline",
        "tab\there", "back\\slash", "=equals=", "\u{E9}t\u{E9}", "#leading", " padded ",
    ]
    private static let fillers = [
        "", "   ", "# comment", "# it's a \"comment\" with = signs", "this line is not an assignment", "=orphan",
    ]

    var text = ""
    var order: [String] = []
    var values: [String: [String]] = [:]

    init(_ random: inout SplitMix64) {
        let newline = random.pick(["\n", "\r\n"])
        var lines: [String] = []
        for _ in 0..<random.below(9) {
            if random.below(3) == 0 {
                lines.append(random.pick(Self.fillers))
                continue
            }
            let name = random.pick(Self.names)
            // Reuse the earlier value half the time, so that some duplicates agree.
            let value =
                values[name].flatMap { random.below(2) == 0 ? $0.last : nil } ?? random.pick(Self.valuePool)
            lines.append(Self.assignment(name, value, newline: newline, &random))
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(value)
        }
        text = lines.joined(separator: newline)
        if !lines.isEmpty, random.below(4) != 0 { text += newline }
    }

    private static func assignment(_ name: String, _ value: String, newline: String, _ random: inout SplitMix64)
        -> String
    {
        let prefix = random.pick(["", "", "export ", "  "])
        let equals = random.pick(["=", "=", " = ", "= "])
        let comment = random.pick(["", "", " # note", "  # it's"])
        let scalars = value.unicodeScalars
        let unquotable =
            !value.isEmpty
            && scalars.allSatisfy { !" \t\n#'\"".unicodeScalars.contains($0) }
        let singleQuotable = scalars.allSatisfy { !"'\\\n".unicodeScalars.contains($0) }
        var styles = ["double", "doubleLiteralNewlines"]
        if unquotable { styles.append("unquoted") }
        if singleQuotable { styles.append("single") }
        let raw: String
        switch random.pick(styles) {
        case "unquoted":
            raw = value
        case "single":
            raw = "'" + value + "'"
        case "double":
            raw = "\"" + escaped(value, newline: "\\n") + "\""
        default:
            raw = "\"" + escaped(value, newline: newline) + "\""
        }
        return prefix + name + equals + raw + comment
    }

    private static func escaped(_ value: String, newline: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += newline
            default: result.append(character)
            }
        }
        return result
    }
}
