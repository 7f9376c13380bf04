import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM stop a run cleanly: exit 130, a consistent journal, and resume continues.
@Suite struct SignalEndToEndTests {
    /// Starts a run that waits at confirm-redeploy (the apps redeploy only by hand).
    private func waitingRun(_ sandbox: SandboxFixture) async throws -> RekeyProcess.Running {
        let running = try RekeyProcess.start([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
        ])
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let log = try? String(contentsOfFile: sandbox.journal, encoding: .utf8),
                log.contains(#""step":"confirm-redeploy","type":"step-started""#)
            {
                usleep(100_000)
                return running
            }
            usleep(20_000)
        }
        running.kill()
        throw FixtureError(message: "the run never reached confirm-redeploy")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func signalStopsTheRunWithExit130AndResumeFinishes(signal: Int32) async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let running = try await waitingRun(sandbox)
        let sent = Date()
        running.kill(signal)
        let result = try await running.finish()
        #expect(result.status == 130 && !result.signaled, "\(result)")
        #expect(
            Date().timeIntervalSince(sent) < 30,
            "a wait must end promptly on a stop request, not run to its 2-minute timeout")
        #expect(result.stderr.contains("stopping"))
        #expect(result.stdout.contains("Interrupted"))
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"]).status == 0)

        // The operator redeploys the apps, then resumes up to drop-fallback, redeploys again, and finishes.
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let resumed = try await RekeyProcess.run(
            ["resume", sandbox.journal, "--approve", "rotate-signing-key", "--until", "drop-fallback"]
        )
        #expect(resumed.status == 0, "\(resumed)")
        let dropped = try await RekeyProcess.run(["resume", sandbox.journal, "--until", "drop-fallback"])
        #expect(dropped.status == 0)
        // drop-fallback edits the files; the apps must be redeployed before it can confirm.
        let finishing = try RekeyProcess.start(["resume", sandbox.journal])
        // Redeploy once the fallback lines are gone from the files (not after a guessed delay: a redeploy
        // before the edit would leave the apps on the fallback, and the run waiting for the next one).
        let apps = try sandbox.state().apps.map(\.name)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let texts = apps.compactMap { try? String(contentsOfFile: sandbox.envFile($0), encoding: .utf8) }
            if texts.count == apps.count, !texts.contains(where: { $0.contains("INNGEST_SIGNING_KEY_FALLBACK") }) {
                break
            }
            usleep(20_000)
        }
        #expect(try await RekeyProcess.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let final = try await finishing.finish()
        #expect(final.status == 0, "\(final)")
        let status = try JSONDecoder().decode(
            RotationStatus.self,
            from: Data(try await RekeyProcess.run(["status", sandbox.journal, "--json"]).stdout.utf8)
        )
        #expect(status.state == .finished)
    }

    @Test func secondSIGINTExitsAtOnce() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1, extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let running = try await waitingRun(sandbox)
        running.kill(SIGINT)
        running.kill(SIGINT)
        let result = try await running.finish()
        #expect(result.status == 130 && !result.signaled, "\(result)")
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"]).status == 0)
    }

    /// `rekey run … | head -1`: the reader goes away. rekey stops as on a first Ctrl-C (in-flight actions
    /// finish and are journaled), says why on standard error, and exits 130; resume finishes.
    @Test func aClosedStandardOutputStopsTheRunGracefully() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        // As a shell starts it: SIGPIPE at its default action (the test runner ignores it, and children inherit that).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "--default-signal=PIPE", RekeyProcess.executable,
            "run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key",
        ]
        process.environment = RekeyProcess.environment()
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let stderr = RekeyProcess.Collector(err.fileHandleForReading)
        try process.run()
        // Nobody reads standard output: the first line rekey writes meets a closed pipe.
        try out.fileHandleForReading.close()
        try? out.fileHandleForWriting.close()
        let status = try await offThePool { () -> (Int32, Bool) in
            process.waitUntilExit()
            return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
        }
        let message = stderr.text()
        #expect(status == (130, false), "exit \(status): \(message)")
        #expect(message.contains("standard output was closed"), "\(message)")
        let log = try await RekeyProcess.run(["log", sandbox.journal, "--verify"])
        #expect(log.status == 0, "\(log)")
        let records = try JournalReader.read(path: sandbox.journal).records
        #expect(records.last?.data.message?.contains("interrupted") == true, "\(String(describing: records.last))")
        let resumed = try await RekeyProcess.run(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        #expect(resumed.status == 0, "\(resumed)")
    }
}
