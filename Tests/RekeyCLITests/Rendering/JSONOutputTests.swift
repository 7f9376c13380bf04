import Foundation
import RekeyCore
import RekeySandbox
import Testing

@testable import RekeyCLI

@Suite struct JSONOutputTests {
    /// Every stdout line parses and follows the schema; returns the events.
    private func events(_ result: CLISandbox.Result) throws -> [JSONObject] {
        let lines = result.jsonLines
        #expect(!lines.isEmpty, "\(result)")
        var events: [JSONObject] = []
        for (index, line) in lines.enumerated() {
            let event = try #require(line, "line \(index + 1) is not a JSON object: \(result)")
            #expect(JSONEventSchema.problems(event).isEmpty, "line \(index + 1): \(JSONEventSchema.problems(event))")
            events.append(event)
        }
        return events
    }

    private func names(_ events: [JSONObject]) -> [String] {
        events.compactMap { $0["event"]?.stringValue }
    }

    @Test func runAndResumePrintOnlySchemaEventsFromStartToFinish() async throws {
        try await CLISandbox.with { sandbox in
            let first = await sandbox.rekey([
                "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy", "--json",
            ])
            #expect(first.code == .success, "\(first)")
            #expect(first.stderr.isEmpty, "\(first)")
            let run = try events(first)
            #expect(names(run).first == "started")
            #expect(names(run).last == "finished")
            #expect(run.last?["result"]?.stringValue == "reached-until")
            #expect(run.last?["exitCode"]?.integerValue == 0)
            #expect(run.last?["step"]?.stringValue == "confirm-redeploy")
            #expect(names(run).filter { $0 == "step-started" }.count == 4)
            #expect(names(run).filter { $0 == "step-done" }.count == 4)
            // 1 signing key + 3 apps + 2 event keys + 3 apps.
            #expect(names(run).filter { $0 == "item-done" }.count == 9)
            #expect(
                run.filter { $0["event"]?.stringValue == "step-started" }.map { $0["index"]?.integerValue } == [
                    1, 2, 3, 4,
                ])

            // Resuming without an approval pauses: a waiting event says on whom, then finished says how to go on.
            let paused = await sandbox.rekey(["resume", sandbox.journal, "--json"])
            #expect(paused.code == .paused, "\(paused)")
            let pause = try events(paused)
            #expect(names(pause).first == "resumed")
            let waiting = try #require(pause.last { $0["event"]?.stringValue == "waiting" })
            #expect(waiting["step"]?.stringValue == "rotate-signing-key")
            #expect(waiting["waitingOn"]?.stringValue?.hasPrefix("an approver") == true)
            let hash = try sandbox.records().first?.data.plan?.hash ?? ""
            let next = "rekey resume \(sandbox.journal) --approve rotate-signing-key --plan-hash \(hash.prefix(12))"
            #expect(waiting["next"]?.stringValue == next)
            #expect(pause.last?["result"]?.stringValue == "paused")
            #expect(pause.last?["exitCode"]?.integerValue == 3)
            #expect(pause.last?["next"]?.stringValue == next)

            let finished = await sandbox.rekey([
                "resume", sandbox.journal, "--json", "--approve", "rotate-signing-key", "--by", "ci",
            ])
            #expect(finished.code == .success, "\(finished)")
            let end = try events(finished)
            let approved = try #require(end.first { $0["event"]?.stringValue == "approved" })
            #expect(approved["by"]?.stringValue == "ci")
            #expect(approved["planHash"]?.stringValue == hash)
            #expect(end.last?["result"]?.stringValue == "finished")
            #expect((end.last?["durationMs"]?.integerValue ?? -1) >= 0)
            for event in end where event["event"]?.stringValue == "step-done" {
                #expect((event["durationMs"]?.integerValue ?? -1) >= 0)
            }
        }
    }

    @Test func failuresAreEventsAndTheLastLineSaysHowItEnded() async throws {
        try await CLISandbox.with { sandbox in
            let staged = await sandbox.rekey([
                "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
            ])
            #expect(staged.code == .success)
            try await sandbox.unregister("worker")
            let result = await sandbox.rekey(["resume", sandbox.journal, "--json", "--approve", "rotate-signing-key"])
            #expect(result.code == .stepFailed, "\(result)")
            let all = try events(result)
            let failed = try #require(all.first { $0["event"]?.stringValue == "failed" })
            #expect(failed["step"]?.stringValue == "confirm-redeploy")
            #expect(failed["item"]?.stringValue == "worker")
            #expect(failed["retryable"]?.boolValue == false)
            #expect(all.last?["result"]?.stringValue == "failed")
            #expect(all.last?["exitCode"]?.integerValue == 1)
        }
    }

    @Test func statusIsOneVersionedLine() async throws {
        try await CLISandbox.with { sandbox in
            _ = await sandbox.rekey([
                "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
            ])
            let result = await sandbox.rekey(["status", sandbox.journal, "--json"])
            #expect(result.code == .success, "\(result)")
            #expect(result.jsonLines.count == 1)
            let status = try JSONDecoder().decode(RotationStatus.self, from: Data(result.stdout.utf8))
            #expect(status.schema == "rekey.status/v1")
            #expect(status.currentStep == .confirmRedeploy)
            #expect(status.steps.prefix(4).allSatisfy { $0.state == .done && $0.durationMs != nil })
            #expect(status.next == "rekey resume \(sandbox.journal)")
        }
    }

    @Test(arguments: [["status"], ["gate", "stage-event-keys"], ["resume"]])
    func errorsInJSONModeAreAnEventOnStandardOutputAndAMessageOnStandardError(command: [String]) async throws {
        try await CLISandbox.with { sandbox in
            _ = await sandbox.rekey([
                "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
            ])
            let text = try String(contentsOfFile: sandbox.journal, encoding: .utf8)
            try text.replacingOccurrences(of: "\"seq\":3", with: "\"seq\":4")
                .write(toFile: sandbox.journal, atomically: false, encoding: .utf8)
            var arguments = [command[0], sandbox.journal] + command.dropFirst()
            arguments.append("--json")
            let result = await sandbox.rekey(arguments)
            #expect(result.code == .invalidInput, "\(result)")
            let all = try events(result)
            #expect(all.count == 1)
            #expect(all.first?["event"]?.stringValue == "error")
            #expect(all.first?["exitCode"]?.integerValue == 65)
            #expect(all.first?["exitName"]?.stringValue == "invalid-input")
            #expect(result.stderr.hasPrefix("Error: journal '\(sandbox.journal)': line 4"))
        }
    }

    @Test func everyEventAndFieldIsDocumentedInTheReadme() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md"),
            encoding: .utf8
        )
        let start = try #require(readme.range(of: "## JSON output"))
        let section = readme[start.upperBound...]
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        let text = String(section[..<end])
        #expect(text.contains(JSONEventSchema.identifier))
        for event in JSONEventSchema.events {
            #expect(text.contains("`\(event.name)`"), "event '\(event.name)' is not documented")
            for field in event.fields {
                #expect(text.contains("`\(field.name)`"), "field '\(field.name)' of '\(event.name)' is not documented")
            }
        }
        for result in JSONEventSchema.runResults + JSONEventSchema.gateResults {
            #expect(text.contains("`\(result)`"), "result '\(result)' is not documented")
        }
        #expect(text.contains("rekey.status/v1"))
        #expect(text.contains("rekey.plan/v1"))
    }

    @Test func theSchemaRejectsWhatItDoesNotDeclare() throws {
        let good = try #require(
            try JSONValue.parse(JSONEventPrinter.line("step-done", ["step": "x", "durationMs": 3])).objectValue)
        #expect(JSONEventSchema.problems(good).isEmpty)
        var extra = good
        extra["surprise"] = true
        #expect(JSONEventSchema.problems(extra) == ["step-done: undeclared field 'surprise'"])
        var missing = good
        missing["durationMs"] = nil
        #expect(JSONEventSchema.problems(missing) == ["step-done: missing field 'durationMs'"])
        var wrong = good
        wrong["durationMs"] = "3"
        #expect(JSONEventSchema.problems(wrong) == ["step-done: field 'durationMs' is not integer"])
        var unknown = good
        unknown["event"] = "exploded"
        #expect(JSONEventSchema.problems(unknown) == ["unknown event \"exploded\""])
    }
}
