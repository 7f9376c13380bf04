import Foundation
import Testing

/// Bad input: a precise one-line error, the documented exit code, and nothing written.
@Suite struct InputErrorsEndToEndTests {
    static let cases: [(name: String, edit: @Sendable (inout String) -> Void, expected: String)] = [
        ("invalid JSON", { $0 = String($0.dropLast(3)) }, "line"),
        (
            "wrong type", { $0 = $0.replacingOccurrences(of: "\"concurrency\": 8", with: "\"concurrency\": \"8\"") },
            "options.concurrency"
        ),
        (
            "unknown field", { $0 = $0.replacingOccurrences(of: "\"environment\"", with: "\"enviroment\"") },
            "did you mean 'environment'"
        ),
        (
            "missing target file", { $0 = $0.replacingOccurrences(of: "apps/api.env", with: "apps/nope.env") },
            "apps[0].target.path"
        ),
        (
            "unknown step",
            {
                $0 = $0.replacingOccurrences(
                    of: "\"procedure\": \"inngest\"", with: "\"steps\": [\"create-signing-key\", \"rotate-key\"]")
            }, "steps[1]"
        ),
    ]

    @Test(arguments: 0..<cases.count)
    func malformedPlaybookExits65WithThePathAndWritesNothing(index: Int) async throws {
        let testCase = Self.cases[index]
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        var text = try String(contentsOfFile: sandbox.playbook, encoding: .utf8)
        testCase.edit(&text)
        try text.write(toFile: sandbox.playbook, atomically: false, encoding: .utf8)
        let before = try sandbox.files()
        for command in [["plan", sandbox.playbook], ["run", sandbox.playbook, "--journal", sandbox.journal]] {
            let result = try await RekeyProcess.run(command)
            #expect(result.status == 65, "\(testCase.name): \(result)")
            #expect(result.stderr.contains(testCase.expected), "\(testCase.name): \(result.stderr)")
            #expect(result.stderr.contains("playbook.json"), "\(testCase.name): names the file")
            #expect(result.stdout.isEmpty)
        }
        #expect(try sandbox.files() == before, "\(testCase.name): files changed")
        #expect(!FileManager.default.fileExists(atPath: sandbox.journal))
    }

    @Test(arguments: [
        ["run", "x.json", "--frobnicate"],
        ["status"],
        ["resume", "a", "b"],
        ["run", "x.json", "--until"],
        ["nonsense"],
    ])
    func usageErrorsExit64WithUsageAndWriteNothing(arguments: [String]) async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let before = try sandbox.files()
        let result = try await RekeyProcess.run(arguments, directory: sandbox.directory)
        #expect(result.status == 64, "\(arguments): \(result)")
        #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: ") || result.stderr.contains("USAGE"), "\(result.stderr)")
        #expect(try sandbox.files() == before)
    }

    @Test func unknownStepInUntilIsAUsageError() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let result = try await RekeyProcess.run(["run", sandbox.playbook, "--until", "rotate-key"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("did you mean 'rotate-signing-key'"))
    }

    @Test func missingJournalExits65() async throws {
        let result = try await RekeyProcess.run(["status", "/nonexistent/rotation.jsonl"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("/nonexistent/rotation.jsonl"))
    }
}
