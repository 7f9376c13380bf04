import Foundation
import RekeyCore
import Testing

/// Every step of every procedure is planned with items, executed to its `done` records, and, where abort
/// can undo it, undone: on each platform's sandbox, with the built binary.
@Suite struct EveryStepEndToEndTests {
    /// A procedure on the sandbox of a platform that runs it.
    struct Case: Sendable, CustomTestStringConvertible {
        var platform: String
        var procedure: String
        var testDescription: String { "\(platform) \(procedure)" }
    }

    /// Every named procedure, on a platform that can run it (the example plugin promotes its keys, so it
    /// runs api-keys-promote, whose steps include all of api-keys').
    static let cases: [Case] =
        ProcedureCatalog.inngest.names.map { Case(platform: "inngest", procedure: $0) }
        + ProcedureCatalog.inngestSelfHosted.names.map { Case(platform: "inngest-self-hosted", procedure: $0) }
        + [
            Case(platform: "eventnerds", procedure: "eventnerds"),
            Case(platform: "plugin", procedure: "api-keys-promote"),
        ]

    @Test func theCasesCoverEveryStep() {
        let covered = Set(
            Self.cases.flatMap { item in
                ProcedureCatalog.families.first { $0.names.contains(item.procedure) }?.steps(for: item.procedure) ?? []
            })
        #expect(covered == Set(StepID.allCases), "not covered: \(Set(StepID.allCases).subtracting(covered))")
    }

    @Test(arguments: cases)
    func everyStepIsPlannedExecutedAndUndone(_ item: Case) async throws {
        let steps = try #require(
            ProcedureCatalog.families.first { $0.names.contains(item.procedure) }?.steps(for: item.procedure))
        let ponr = try #require(ProcedureCatalog.pointOfNoReturn(in: steps))
        var approvals = ["--approve", ponr.rawValue]
        if item.platform == "plugin" { approvals += ["--approve", "confirm-redeploy"] }

        // Planned: every step, each with items.
        let full = try Self.sandbox(item)
        defer { try? FileManager.default.removeItem(atPath: full) }
        let plan = try await RekeyProcess.run(
            ["plan", full + "/playbook.json", "--json"], environment: PlatformFixture.environment)
        #expect(plan.status == 0, "\(plan)")
        let planned = try JSONValue.parse(Array(plan.stdout.utf8))["plan"]?["steps"]?.arrayValue ?? []
        #expect(planned.compactMap { $0["id"]?.stringValue } == steps.map(\.rawValue))
        for step in planned {
            #expect(
                (step["items"]?.arrayValue ?? []).count > 0, "\(item): \(step["id"]?.stringValue ?? "?") has no item")
        }

        // Executed: every step done, every item with a done record.
        let journal = full + "/rotation.jsonl"
        let run = try await RekeyProcess.run(
            ["run", full + "/playbook.json", "--journal", journal] + approvals, environment: PlatformFixture.environment
        )
        #expect(run.status == 0, "\(item): \(run)")
        let contents = try JournalReader.read(path: journal)
        let done = Set(
            contents.records.filter { $0.type == .done }.map { "\($0.step?.rawValue ?? "")/\($0.item ?? "")" })
        for step in contents.plan.steps {
            #expect(contents.records.contains { $0.type == .stepDone && $0.step == step.id }, "\(item): \(step.id)")
            for planned in step.items {
                #expect(done.contains("\(step.id)/\(planned.id)"), "\(item): \(step.id)/\(planned.id) not done")
            }
        }

        // Undone: stopped before the point of no return, abort undoes every reversible item that ran.
        let partial = try Self.sandbox(item)
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let stopped = partial + "/rotation.jsonl"
        let until = try await RekeyProcess.run(
            ["run", partial + "/playbook.json", "--journal", stopped, "--until", ponr.rawValue] + approvals,
            environment: PlatformFixture.environment)
        #expect(until.status == 0, "\(item): \(until)")
        let abort = try await RekeyProcess.run(["abort", stopped, "--yes"], environment: PlatformFixture.environment)
        #expect(abort.status == 0, "\(item): \(abort)")
        let aborted = try JournalReader.read(path: stopped)
        #expect(aborted.records.last?.type == .aborted)
        let undone = Set(
            aborted.records.filter { $0.type == .undone }.map { "\($0.step?.rawValue ?? "")/\($0.item ?? "")" })
        for step in aborted.plan.steps where step.undoKind.isReversible {
            for planned in step.items {
                #expect(undone.contains("\(step.id)/\(planned.id)"), "\(item): \(step.id)/\(planned.id) not undone")
            }
        }
    }

    /// A sandbox of the case's platform whose playbook selects its procedure.
    static func sandbox(_ item: Case) throws -> String {
        let directory =
            FileManager.default.temporaryDirectory.path + "/rekey-every-step-"
            + UUID().uuidString.prefix(8).lowercased()
        var arguments = ["sandbox", "init", directory, "--apps", "2", "--event-keys", "2"]
        if item.platform != "inngest" { arguments += ["--platform", item.platform] }
        let result = try RekeyProcess.runBlocking(arguments)
        guard result.status == 0 else { throw FixtureError(message: "sandbox init failed: \(result)") }
        let playbook = directory + "/playbook.json"
        let steps =
            ProcedureCatalog.families.first { $0.names.contains(item.procedure) }?.steps(for: item.procedure) ?? []
        let ponr = ProcedureCatalog.pointOfNoReturn(in: steps)?.rawValue ?? ""
        let text = try String(contentsOfFile: playbook, encoding: .utf8)
            .replacingOccurrences(
                of: #""procedure": "[^"]*""#, with: #""procedure": "\#(item.procedure)""#, options: .regularExpression
            )
            .replacingOccurrences(
                of: #""requireApproval": \[[^\]]*\]"#, with: #""requireApproval": ["\#(ponr)"]"#,
                options: .regularExpression)
        try text.write(toFile: playbook, atomically: true, encoding: .utf8)
        return directory
    }
}
