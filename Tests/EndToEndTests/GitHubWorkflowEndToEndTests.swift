import Foundation
import RekeyCore
import Testing

/// The README's GitHub Actions workflow, job by job, with the built binary: each job is a separate process in its
/// own directory, and the journal travels between them as an artifact would (the file alone, without its lock).
@Suite struct GitHubWorkflowEndToEndTests {
    /// A job's working directory, its environment (as the runner sets it), and its job summary.
    struct Job {
        let directory: String
        let environment: [String: String]
        var summary: String { directory + "/summary.md" }
        var journal: String { directory + "/rotation/rotation.jsonl" }

        init(_ root: String, _ name: String, actor: String = "octocat") throws {
            directory = root + "/" + name
            try FileManager.default.createDirectory(atPath: directory + "/rotation", withIntermediateDirectories: true)
            environment = [
                "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": directory + "/summary.md", "GITHUB_ACTOR": actor,
                "CI": "true",
            ]
        }

        @discardableResult
        func run(_ arguments: [String]) async throws -> RekeyProcess.Result {
            try await RekeyProcess.run(arguments, environment: environment, directory: directory)
        }

        /// Downloads an artifact: copies one file from another job.
        func download(_ file: String, from job: Job) throws {
            try FileManager.default.copyItem(atPath: job.directory + "/" + file, toPath: directory + "/" + file)
        }
    }

    @Test func planStageDeployAndApprovalJobsCompleteTheRotation() async throws {
        // Apps restart only when deployed, and the redeploy waits give up after a second (the scaffold's are minutes).
        let sandbox = try SandboxFixture(extra: ["--manual-redeploy"])
        defer { sandbox.remove() }
        let playbookText = try String(contentsOfFile: sandbox.playbook, encoding: .utf8)
        try playbookText.replacingOccurrences(of: "\"timeout\": \"2m\"", with: "\"timeout\": \"1s\"")
            .write(toFile: sandbox.playbook, atomically: false, encoding: .utf8)
        let invariants = try RotationInvariants(fixture: sandbox)
        let root = sandbox.directory + "-jobs"
        defer { try? FileManager.default.removeItem(atPath: root) }

        // plan: the reviewer's preview, frozen; its hash is the job's output.
        let planJob = try Job(root, "plan")
        let planned = try await planJob.run(["plan", sandbox.playbook, "--out", "plan.json"])
        #expect(planned.status == 0, "\(planned)")
        let plan = try JSONDecoder().decode(
            RotationPlan.self, from: Data(contentsOf: URL(fileURLWithPath: planJob.directory + "/plan.json")))
        let hash = plan.hash
        #expect(
            try String(contentsOfFile: planJob.summary, encoding: .utf8).contains("### rekey plan `\(hash.prefix(12))`")
        )

        // stage (job 1): the steps before confirm-redeploy.
        let stage = try Job(root, "stage")
        try stage.download("plan.json", from: planJob)
        let staged = try await stage.run([
            "run", "plan.json", "--journal", "rotation/rotation.jsonl", "--until", "confirm-redeploy",
            "--non-interactive",
        ])
        #expect(staged.status == 0, "\(staged)")
        let groups = staged.stdout.split(separator: "\n").filter { $0.hasPrefix("::group::") }
        #expect(groups.count == 4, "\(staged)")
        #expect(staged.stdout.split(separator: "\n").filter { $0 == "::endgroup::" }.count == 4)
        let stageSummary = try String(contentsOfFile: stage.summary, encoding: .utf8)
        #expect(stageSummary.contains("| 4 | `stage-event-keys` | ✅ done | 3/3 |"))
        #expect(stageSummary.contains("| 5 | `confirm-redeploy` | · pending | 0/3 |"))

        // deploy: the journal arrives without its lock file; the gate reads it and creates nothing.
        let deploy = try Job(root, "deploy")
        try deploy.download("rotation/rotation.jsonl", from: stage)
        let artifact = try Data(contentsOf: URL(fileURLWithPath: deploy.journal))
        let gate = try await deploy.run(["gate", "rotation/rotation.jsonl", "stage-event-keys"])
        #expect(gate.status == 0, "\(gate)")
        let early = try await deploy.run(["gate", "rotation/rotation.jsonl", "confirm-redeploy"])
        #expect(early.status == 3, "\(early)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: deploy.directory + "/rotation") == ["rotation.jsonl"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: deploy.journal)) == artifact)
        // The deploy itself: every app restarts with the values now in its configuration.
        let redeployed = try await deploy.run(["sandbox", "redeploy", sandbox.directory])
        #expect(redeployed.status == 0, "\(redeployed)")

        // rotate: the approval job, behind a protected environment; it gets the stage job's artifact.
        let rotate = try Job(root, "rotate", actor: "release-manager")
        try rotate.download("rotation/rotation.jsonl", from: stage)
        let unanchored = try await rotate.run(["log", "rotation/rotation.jsonl", "--verify"])
        #expect(unanchored.status == 0, "\(unanchored)")
        #expect(unanchored.stdout.contains("tail: not anchored"))
        let resume = ["resume", "rotation/rotation.jsonl", "--non-interactive"]
        let approve = ["--approve", "rotate-signing-key", "--approve", "delete-old-event-keys"]
        // An approval for another plan is refused, and changes nothing.
        let other = try await rotate.run(resume + approve + ["--plan-hash", String(repeating: "f", count: 12)])
        #expect(other.status == 65, "\(other)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: rotate.journal)) == artifact)
        // The reviewed plan's approval passes the point of no return; drop-fallback then waits for a redeploy.
        let dropped = try await rotate.run(resume + approve + ["--plan-hash", hash])
        #expect(dropped.status == 3, "\(dropped)")
        #expect(dropped.stdout.contains("Paused at drop-fallback"))
        #expect(dropped.stdout.contains("Waiting on: the apps' redeploy"))
        #expect(dropped.stdout.contains("::warning title=rekey%3A paused at drop-fallback::"))
        #expect(try await rotate.run(["sandbox", "redeploy", sandbox.directory]).status == 0)
        let finished = try await rotate.run(resume + approve + ["--plan-hash", hash, "--json"])
        #expect(finished.status == 0, "\(finished)")
        let events = finished.stdout.split(separator: "\n").map { line in
            (try? JSONValue.parse(String(line)))?.objectValue
        }
        #expect(events.allSatisfy { $0?["schema"]?.stringValue == "rekey.events/v1" }, "\(finished)")
        #expect(events.last??["result"]?.stringValue == "finished")
        #expect(finished.stderr.contains("::group::[9/9] drop-fallback"), "\(finished)")

        let records = try JournalReader.read(path: rotate.journal).records
        let approval = try #require(records.first { $0.type == .approval && $0.step == .rotateSigningKey })
        #expect(approval.data.by == "github:release-manager")
        #expect(approval.data.planHash == hash)
        #expect(records.last?.type == .finished)
        let verified = try await rotate.run(["log", "rotation/rotation.jsonl", "--verify"])
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.stdout.contains("tail: matches the anchor"))
        let summary = try String(contentsOfFile: rotate.summary, encoding: .utf8)
        #expect(summary.contains("| 6 | `rotate-signing-key` (point of no return) | ✅ done | 1/1 |"))
        #expect(summary.contains("github:release-manager (flag)"))
        #expect(try invariants.violations(fixture: sandbox) == [])
    }
}
