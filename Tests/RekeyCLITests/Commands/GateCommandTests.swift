import Foundation
import RekeyCore
import RekeySandbox
import RekeyTesting
import Testing

@testable import RekeyCLI

@Suite struct GateCommandTests {
    /// A rotation stopped before confirm-redeploy, as a first CI job leaves it.
    private func staged(_ sandbox: CLISandbox) async throws {
        let result = await sandbox.rekey([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
        ])
        #expect(result.code == .success, "\(result)")
    }

    @Test func exitsZeroOnceTheStepIsDoneAndThreeWhileItIsNot() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            let done = await sandbox.rekey(["gate", sandbox.journal, "stage-event-keys"])
            #expect(done.code == .success, "\(done)")
            #expect(done.stdout.hasPrefix("stage-event-keys is done"))

            let notYet = await sandbox.rekey(["gate", sandbox.journal, "confirm-redeploy"])
            #expect(notYet.code == .paused, "\(notYet)")
            #expect(notYet.stdout.contains("confirm-redeploy is not done yet: the rotation is at confirm-redeploy"))
            #expect(notYet.stdout.contains("no rekey process is running it"))
            #expect(notYet.stdout.contains("Next: rekey resume \(sandbox.journal)"))
        }
    }

    @Test func exitsOneWhenTheRotationFailed() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            try await sandbox.unregister("worker")
            let failed = await sandbox.rekey(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
            #expect(failed.code == .stepFailed, "\(failed)")

            let gate = await sandbox.rekey(["gate", sandbox.journal, "rotate-signing-key"])
            #expect(gate.code == .stepFailed, "\(gate)")
            #expect(gate.stdout.contains("confirm-redeploy failed"))
            #expect(gate.stdout.contains("the sandbox has no app 'worker'"))
            // --wait does not wait for a failed rotation: nobody is going to fix it by waiting.
            let waited = await sandbox.rekey([
                "gate", sandbox.journal, "rotate-signing-key", "--wait", "--timeout", "1m",
            ])
            #expect(waited.code == .stepFailed)
        }
    }

    @Test func exitsOneWhenTheRotationWasAborted() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            let abort = await sandbox.rekey(["abort", sandbox.journal, "--non-interactive"])
            #expect(abort.code == .success, "\(abort)")
            let gate = await sandbox.rekey(["gate", sandbox.journal, "confirm-redeploy"])
            #expect(gate.code == .stepFailed, "\(gate)")
            #expect(gate.stdout.contains("will not complete: the rotation was aborted"))
        }
    }

    @Test func exitsSixtyFiveForABadJournal() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            // An edited record breaks the hash chain.
            var lines = try String(contentsOfFile: sandbox.journal, encoding: .utf8).split(separator: "\n").map(
                String.init)
            lines[2] = lines[2].replacingOccurrences(of: "create-signing-key", with: "create-signing-kez")
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: sandbox.journal, atomically: false, encoding: .utf8)
            let corrupt = await sandbox.rekey(["gate", sandbox.journal, "stage-event-keys"])
            #expect(corrupt.code == .invalidInput, "\(corrupt)")

            let missing = await sandbox.rekey(["gate", sandbox.directory + "/nope.jsonl", "stage-event-keys"])
            #expect(missing.code == .invalidInput, "\(missing)")
            #expect(missing.stderr.contains("file does not exist"))
        }
    }

    @Test func aStepThatIsNotAStepIsAUsageError() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            let result = await sandbox.rekey(["gate", sandbox.journal, "confirm-redeplyo"])
            #expect(result.code == .usage, "\(result)")
            #expect(result.stderr.contains("did you mean 'confirm-redeploy'?"))
        }
    }

    @Test func waitGivesUpAtTheTimeoutSayingWhy() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            let time = VirtualClock()
            let result = await sandbox.rekey(
                ["gate", sandbox.journal, "confirm-redeploy", "--wait", "--timeout", "10m"], clock: time.clock)
            #expect(result.code == .paused, "\(result)")
            // 1 s growing by half up to 30 s, the last pause cut to the time left: exactly 10 minutes in all.
            let sleeps = time.sleeps
            #expect(sleeps.prefix(3) == [1, 1.5, 2.25])
            #expect(sleeps.dropLast().allSatisfy { $0 <= GateCommand.maximumDelay })
            #expect(abs(sleeps.reduce(0, +) - 600) < 0.05, "\(sleeps)")
            #expect(result.stdout.contains("(gave up after 10m"), "\(result)")
        }
    }

    @Test func waitSaysWhyAtEveryCheck() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            let result = await sandbox.rekey(
                ["gate", sandbox.journal, "confirm-redeploy", "--wait", "--timeout", "1500ms"],
                clock: VirtualClock().clock)
            #expect(result.code == .paused, "\(result)")
            // Checks at 0, 1 s and 1.5 s (the last pause is cut to the time left), each saying why.
            let waits = result.stderr.split(separator: "\n").filter { $0.hasPrefix("waiting for confirm-redeploy") }
            #expect(waits.count == 2, "\(result)")
            #expect(waits.allSatisfy { $0.contains("the rotation is at confirm-redeploy") })
            #expect(result.stdout.contains("(gave up after "))
        }
    }

    @Test func waitReturnsOnceAnotherProcessCompletesTheStep() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            let gate = Task {
                await sandbox.rekey(["gate", sandbox.journal, "confirm-redeploy", "--wait", "--timeout", "1m"])
            }
            try await Task.sleep(for: .milliseconds(300))
            let resumed = await sandbox.rekey(["resume", sandbox.journal, "--until", "rotate-signing-key"])
            #expect(resumed.code == .success, "\(resumed)")
            let result = await gate.value
            #expect(result.code == .success, "\(result)")
            #expect(result.stdout.hasPrefix("confirm-redeploy is done"))
            #expect(result.stderr.contains("waiting for confirm-redeploy"))
        }
    }

    @Test func jsonPrintsWaitingEventsAndAFinalGateEvent() async throws {
        try await CLISandbox.with { sandbox in
            try await staged(sandbox)
            let result = await sandbox.rekey([
                "gate", sandbox.journal, "confirm-redeploy", "--wait", "--timeout", "1s", "--json",
            ])
            #expect(result.code == .paused, "\(result)")
            let events = try result.jsonLines.map { try #require($0) }
            for event in events {
                #expect(JSONEventSchema.problems(event).isEmpty, "\(JSONEventSchema.problems(event))")
            }
            #expect(events.dropLast().allSatisfy { $0["event"]?.stringValue == "waiting" })
            #expect(events.count >= 2)
            let last = try #require(events.last)
            #expect(last["event"]?.stringValue == "gate")
            #expect(last["result"]?.stringValue == "not-done")
            #expect(last["exitCode"]?.integerValue == 3)
            #expect(last["next"]?.stringValue == "rekey resume \(sandbox.journal)")
            #expect(result.stderr.isEmpty)

            let passed = await sandbox.rekey(["gate", sandbox.journal, "create-event-keys", "--json"])
            #expect(passed.code == .success)
            let only = try #require(passed.jsonLines.first ?? nil)
            #expect(passed.jsonLines.count == 1)
            #expect(only["result"]?.stringValue == "passed")
            #expect(only["exitCode"]?.integerValue == 0)
        }
    }
}
