import Foundation
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The playbook reader bounds what it accepts: durations have maxima, paths have no NUL, the file has a
/// size cap, and a mistake repeated thousands of times is reported in a few lines.
@Suite struct PlaybookBoundsTests {
    static let selfHostedDocument: JSONValue = [
        "version": 1,
        "platform": [
            "kind": "inngest-self-hosted",
            "settings": [
                "target": ["kind": "dotenv", "path": "apps/worker.env"],
                "restart": ["systemctl", "restart", "inngest"],
            ],
        ],
        "environment": "production",
        "apps": [["name": "api", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
    ]
    static let pluginDocument: JSONValue = [
        "version": 1,
        "platform": ["kind": "exec", "settings": ["command": ["python3", "plugin.py"]]],
        "environment": "production",
        "apps": [["name": "api", "apiKey": "k", "target": ["kind": "dotenv", "path": "apps/api.env"]]],
    ]

    struct DurationCase: Sendable, CustomTestStringConvertible {
        var base: JSONValue = PlaybookFixture.validDocument
        var path: String
        var value: JSONValue
        var maximum: String
        var testDescription: String { "\(path) = \(value.serialized())" }
    }

    static let durationCases: [DurationCase] = [
        DurationCase(path: "options.confirmRedeploy.timeout", value: 1e16, maximum: "168h"),
        DurationCase(path: "options.confirmRedeploy.timeout", value: "99999999999999999999h", maximum: "168h"),
        DurationCase(path: "options.confirmRedeploy.timeout", value: 1e308, maximum: "168h"),
        DurationCase(path: "options.confirmRedeploy.timeout", value: "168h1ms", maximum: "168h"),
        DurationCase(path: "options.confirmRedeploy.interval", value: 1e16, maximum: "10m"),
        DurationCase(path: "options.requestTimeout", value: 1e16, maximum: "10m"),
        DurationCase(path: "options.requestTimeout", value: "11m", maximum: "10m"),
        DurationCase(
            base: PlaybookFixture.validDocument.setting("apps[1].target", to: TargetKindsLoaderTests.exec),
            path: "apps[1].target.timeout", value: 1e16, maximum: "1h"),
        DurationCase(
            base: selfHostedDocument, path: "platform.settings.restartTimeout", value: 1e16, maximum: "1h"),
        DurationCase(base: pluginDocument, path: "platform.settings.timeout", value: 1e16, maximum: "1h"),
    ]

    @Test(arguments: durationCases)
    func aDurationOverItsMaximumIsAProblemNamingTheFieldAndTheMaximum(testCase: DurationCase) throws {
        let fixture = try TargetKindsLoaderTests.fixture()
        defer { fixture.remove() }
        let problems = try fixture.problems(testCase.base.setting(testCase.path, to: testCase.value))
        let problem = try #require(problems.first, "\(testCase.path)")
        #expect(problems.count == 1, "\(problems)")
        #expect(problem.jsonPath == testCase.path)
        #expect(problem.message.hasPrefix("must be at most \(testCase.maximum), found "), "\(problem)")
        #expect(problem.fix != nil)
    }

    @Test(arguments: [
        ("options.confirmRedeploy.timeout", JSONValue.string("168h")), ("options.confirmRedeploy.interval", "10m"),
        ("options.requestTimeout", 600),
    ])
    func aDurationAtItsMaximumLoads(path: String, value: JSONValue) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        _ = try fixture.load(PlaybookFixture.validDocument.setting(path, to: value))
    }

    @Test(arguments: [
        ("apps[0].target.path", JSONValue.string("apps/api.env\u{0}.bak")),
        ("platform.settings.state", "sandbox.json\u{0}x"),
    ])
    func aNULInAPathIsRefused(path: String, value: JSONValue) throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let problems = try fixture.problems(PlaybookFixture.validDocument.setting(path, to: value))
        #expect(problems.map(\.jsonPath) == [path])
        #expect(problems.first?.message.contains("NUL") == true, "\(problems)")
    }

    @Test func aNULInACommandIsRefused() throws {
        let fixture = try TargetKindsLoaderTests.fixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.validDocument.setting("apps[1].target", to: TargetKindsLoaderTests.exec)
            .setting("apps[1].target.set", to: ["./tool.sh", "env", "add\u{0}rm", "{name}"])
        let problems = try fixture.problems(document)
        #expect(problems.map(\.jsonPath) == ["apps[1].target.set[2]"])
        #expect(problems.first?.message.contains("NUL") == true, "\(problems)")
    }

    @Test func tensOfThousandsOfMistakesArePrintedAsTheFirstTwentyAndACount() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let document = PlaybookFixture.validDocument.setting(
            "apps", to: .array(Array(repeating: JSONValue.number(1), count: 60_000)))
        let path = try fixture.writePlaybook(document)
        #expect {
            try PlaybookLoader.load(path: path)
        } throws: { error in
            guard let error = error as? PlaybookError else { return false }
            let lines = error.description.split(separator: "\n")
            return error.problems.count == 60_000 && lines.count == 21
                && lines.last == "playbook '\(path)': … and 59980 more problems"
        }
    }

    @Test func aPlaybookOverItsSizeCapIsRefusedUnread() throws {
        let fixture = try PlaybookFixture()
        defer { fixture.remove() }
        let path = try fixture.writePlaybook(PlaybookFixture.validDocument)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x20, count: PlaybookLoader.maximumSize))
        try handle.close()
        #expect {
            try PlaybookLoader.load(path: path)
        } throws: { error in
            "\(error)".contains("larger than 4 MiB")
        }
    }
}
