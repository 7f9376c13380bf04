import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What rekey reads is bounded: devices, FIFOs and directories are refused before a byte is read, files
/// over their size cap are refused unread, and durations over their maximum are playbook errors (never a
/// crash), each with one line naming the file and exit 65, changing nothing.
@Suite struct BoundedInputsEndToEndTests {
    /// A fresh directory outside any sandbox (a FIFO must not be in a directory the tests read).
    private func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/rekey-bounded-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    static let commands: [[String]] = [
        ["plan"], ["run"], ["resume"], ["abort"], ["status"], ["explain"], ["log", "--verify"],
        ["gate", "confirm-redeploy"],
    ]

    /// `rekey <command> /dev/zero`: it once read until memory ran out.
    @Test(arguments: commands)
    func aDeviceIsRefusedBeforeItIsRead(command: [String]) async throws {
        let arguments = [command[0], "/dev/zero"] + command.dropFirst()
        let result = try await RekeyProcess.run(arguments, timeout: 20)
        #expect(result.status == 65 && !result.signaled, "\(arguments): \(result)")
        #expect(result.stderr.contains("/dev/zero") && result.stderr.contains("character device"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// A FIFO nobody writes to: it once blocked rekey forever.
    @Test(arguments: commands)
    func aFIFOIsRefusedWithoutWaitingForAWriter(command: [String]) async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/input.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        let arguments = [command[0], fifo] + command.dropFirst()
        let result = try await RekeyProcess.run(arguments, timeout: 20)
        #expect(result.status == 65 && !result.signaled, "\(arguments): \(result)")
        #expect(result.stderr.contains(fifo) && result.stderr.contains("FIFO"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["input.json"])
    }

    @Test(arguments: commands)
    func aDirectoryIsRefusedWith65(command: [String]) async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/input.json"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: false)
        let arguments = [command[0], input] + command.dropFirst()
        let result = try await RekeyProcess.run(arguments, timeout: 20)
        #expect(result.status == 65 && !result.signaled, "\(arguments): \(result)")
        #expect(result.stderr.contains(input) && result.stderr.contains("is a directory"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["input.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: input).isEmpty)
    }

    @Test func aPlaybookOverItsSizeCapIsRefusedUnread() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        // Valid JSON: the playbook followed by 4 MiB of spaces.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sandbox.playbook))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: UInt8(ascii: " "), count: 4 << 20))
        try handle.close()
        let before = try sandbox.files()
        for arguments in [["plan", sandbox.playbook], ["run", sandbox.playbook, "--journal", sandbox.journal]] {
            let result = try await RekeyProcess.run(arguments, timeout: 30)
            #expect(result.status == 65, "\(arguments[0]): \(result)")
            #expect(result.stderr.contains("playbook.json") && result.stderr.contains("larger than 4 MiB"))
        }
        #expect(try sandbox.files() == before)
    }

    @Test func aSavedPlanOverItsSizeCapIsRefusedUnread() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let plan = sandbox.directory + "/plan.json"
        #expect(try await RekeyProcess.run(["plan", sandbox.playbook, "--out", plan], timeout: 30).status == 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: plan))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: UInt8(ascii: " "), count: 32 << 20))
        try handle.close()
        let before = try sandbox.files()
        let result = try await RekeyProcess.run(["run", plan, "--journal", sandbox.journal], timeout: 30)
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.contains("plan.json") && result.stderr.contains("larger than 32 MiB"), "\(result.stderr)")
        #expect(try sandbox.files() == before)
    }

    static let durations: [(edit: @Sendable (inout String) -> Void, field: String, maximum: String)] = [
        (
            { $0 = $0.replacingOccurrences(of: #""timeout": "2m""#, with: #""timeout": 1e16"#) },
            "options.confirmRedeploy.timeout", "168h"
        ),
        (
            { $0 = $0.replacingOccurrences(of: #""timeout": "2m""#, with: #""timeout": "99999999999999999999h""#) },
            "options.confirmRedeploy.timeout", "168h"
        ),
        (
            { $0 = $0.replacingOccurrences(of: #""timeout": "2m""#, with: #""timeout": 1e308"#) },
            "options.confirmRedeploy.timeout", "168h"
        ),
        (
            { $0 = $0.replacingOccurrences(of: #""interval": "1s""#, with: #""interval": 1e16"#) },
            "options.confirmRedeploy.interval", "10m"
        ),
        (
            {
                $0 = $0.replacingOccurrences(
                    of: #""concurrency": 8"#, with: #""concurrency": 8, "requestTimeout": 1e16"#)
            },
            "options.requestTimeout", "10m"
        ),
    ]

    @Test(arguments: 0..<durations.count)
    func aDurationOverItsMaximumIsAPlaybookErrorNotACrash(index: Int) async throws {
        let testCase = Self.durations[index]
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        var text = try String(contentsOfFile: sandbox.playbook, encoding: .utf8)
        testCase.edit(&text)
        try text.write(toFile: sandbox.playbook, atomically: false, encoding: .utf8)
        let before = try sandbox.files()
        for arguments in [["plan", sandbox.playbook], ["run", sandbox.playbook, "--journal", sandbox.journal]] {
            let result = try await RekeyProcess.run(arguments, timeout: 30)
            #expect(result.status == 65 && !result.signaled, "\(testCase.field) \(arguments[0]): \(result)")
            #expect(result.stderr.contains(testCase.field), "\(result.stderr)")
            #expect(result.stderr.contains("must be at most \(testCase.maximum)"), "\(result.stderr)")
        }
        #expect(try sandbox.files() == before, "\(testCase.field): a file was left behind")
    }
}
