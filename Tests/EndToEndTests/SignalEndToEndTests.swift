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
        usleep(300_000)
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
}
