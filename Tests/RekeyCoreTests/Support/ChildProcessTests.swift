import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

@Suite struct ChildProcessTests {
    private static let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"

    @Test func writesInputAndCapturesBothStreamsAndTheStatus() async throws {
        let output = try await ChildProcess.run(
            ["/bin/sh", "-c", "cat; echo oops >&2; exit 3"], environment: ["PATH": Self.path], directory: nil,
            input: Array("hello".utf8), timeout: 10)
        #expect(output.termination == .exited(3))
        #expect(output.stdout == Array("hello".utf8))
        #expect(output.stderr == Array("oops\n".utf8))
        #expect(!output.truncated)
    }

    @Test func runsInTheGivenDirectoryWithExactlyTheGivenEnvironment() async throws {
        let directory = try TemporaryDirectory("rekey-child")
        defer { directory.remove() }
        let output = try await ChildProcess.run(
            ["sh", "-c", "pwd; env"], environment: ["PATH": Self.path, "ONLY": "this"], directory: directory.path,
            input: [], timeout: 10)
        let lines = String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(output.termination == .exited(0))
        #expect(
            URL(fileURLWithPath: lines[0]).resolvingSymlinksInPath().path
                == URL(fileURLWithPath: directory.path).resolvingSymlinksInPath().path)
        #expect(lines.contains("ONLY=this"))
        #expect(!lines.contains { $0.hasPrefix("HOME=") })
    }

    @Test func stopsTheWholeProcessGroupAtTheDeadline() async throws {
        let directory = try TemporaryDirectory("rekey-child")
        defer { directory.remove() }
        let output = try await ChildProcess.run(
            ["/bin/sh", "-c", "sleep 30 & echo $! > background.pid; sleep 30"], environment: ["PATH": Self.path],
            directory: directory.path, input: [], timeout: 0.5)
        #expect(output.termination == .timedOut)
        // The background child of the command was stopped too, not left running.
        let text = try String(contentsOfFile: directory.file("background.pid"), encoding: .utf8)
        let background = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<200 where !gone {
            // A killed orphan may stay a zombie where nothing reaps it (PID 1 in a container): dead all the same.
            let stat = (try? String(contentsOfFile: "/proc/\(background)/stat", encoding: .utf8)) ?? ""
            gone = (kill(background, 0) != 0 && errno == ESRCH) || stat.contains(") Z ")
            if !gone { usleep(10_000) }
        }
        #expect(gone, "the background process \(background) survived")
    }

    @Test func reportsAProgramThatCannotStart() async throws {
        await #expect(throws: ChildProcessError.launchFailed(program: "/nonexistent/tool", code: ENOENT)) {
            try await ChildProcess.run(
                ["/nonexistent/tool"], environment: [:], directory: nil, input: [], timeout: 5)
        }
        #expect(
            ChildProcessError.launchFailed(program: "/nonexistent/tool", code: ENOENT).description
                == "cannot start '/nonexistent/tool': No such file or directory")
    }

    @Test func survivesAChildThatIgnoresItsInput() async throws {
        let output = try await ChildProcess.run(
            ["/bin/sh", "-c", "exit 0"], environment: [:], directory: nil,
            input: [UInt8](repeating: 0x41, count: 4 << 20), timeout: 10)
        #expect(output.termination == .exited(0))
    }

    @Test func keepsOnlyTheLimitOfEachStream() async throws {
        let output = try await ChildProcess.run(
            ["/bin/sh", "-c", "head -c 300000 /dev/zero"], environment: ["PATH": Self.path], directory: nil,
            input: [], timeout: 10, outputLimit: 1000)
        #expect(output.termination == .exited(0))
        #expect(output.stdout.count == 1000)
        #expect(output.truncated)
    }

    @Test func reportsASignal() async throws {
        let output = try await ChildProcess.run(
            ["/bin/sh", "-c", "kill -9 $$"], environment: [:], directory: nil, input: [], timeout: 10)
        #expect(output.termination == .signaled(9))
    }
}
