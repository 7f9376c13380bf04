import Foundation
import RekeyCore
import RekeySandbox
import Testing

@testable import RekeyCLI

@Suite struct GitHubActionsTests {
    @Test(arguments: [
        ("plain", "plain", "plain"),
        ("50% done", "50%25 done", "50%25 done"),
        ("two\nlines", "two%0Alines", "two%0Alines"),
        ("crlf\r\nend", "crlf%0D%0Aend", "crlf%0D%0Aend"),
        ("a: b, c", "a: b, c", "a%3A b%2C c"),
        ("::error::injected", "::error::injected", "%3A%3Aerror%3A%3Ainjected"),
    ])
    func messagesAndPropertiesAreEscaped(text: String, data: String, property: String) {
        #expect(GitHubActions.escapeData(text) == data)
        #expect(GitHubActions.escapeProperty(text) == property)
    }

    @Test func nothingHappensOutsideGitHubActions() async throws {
        try await CLISandbox.with { sandbox in
            let summary = sandbox.directory + "/summary.md"
            let result = await sandbox.rekey(
                ["run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy"],
                environment: ["GITHUB_STEP_SUMMARY": summary]
            )
            #expect(result.code == .success)
            // (IPv6 filters contain "::" too: look for workflow commands, which start a line.)
            #expect(!result.stdout.split(separator: "\n").contains { $0.hasPrefix("::") })
            #expect(!FileManager.default.fileExists(atPath: summary))
        }
    }

    @Test func stepsAreGroupedAndTheSummarySaysWhatWaitsOnWhom() async throws {
        try await CLISandbox.with { sandbox in
            let summary = sandbox.directory + "/summary.md"
            let environment = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]
            let first = await sandbox.rekey(
                ["run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy"],
                environment: environment
            )
            #expect(first.code == .success, "\(first)")
            let lines = first.stdout.split(separator: "\n")
            #expect(lines.filter { $0.hasPrefix("::group::") }.count == 4)
            #expect(lines.filter { $0 == "::endgroup::" }.count == 4)
            #expect(
                lines.contains(
                    "::group::[1/9] create-signing-key: Create a new signing key (inactive until the rotation)"))
            // Each step's lines sit inside its group.
            let open = try #require(lines.firstIndex { $0.hasPrefix("::group::[2/9]") })
            let close = try #require(lines[open...].firstIndex { $0 == "::endgroup::" })
            #expect(lines[open..<close].contains { $0.contains("api: INNGEST_SIGNING_KEY=") })

            let paused = await sandbox.rekey(["resume", sandbox.journal], environment: environment)
            #expect(paused.code == .paused, "\(paused)")
            let hash = try #require(try sandbox.records().first?.data.plan?.hash.prefix(12))
            let next = "rekey resume \(sandbox.journal) --approve rotate-signing-key --plan-hash \(hash)"
            #expect(
                paused.stdout.contains(
                    "::warning title=rekey%3A paused at rotate-signing-key::Paused at rotate-signing-key"))
            #expect(paused.stdout.contains("%0ANext: \(next)"))
            #expect(paused.stdout.contains("Next: \(next)"))

            let markdown = try String(contentsOfFile: summary, encoding: .utf8)
            // One summary per command, appended.
            #expect(markdown.components(separatedBy: "### rekey: ").count == 3)
            #expect(markdown.contains("| # | step | status | items | duration | approved by |"))
            #expect(markdown.contains("| 1 | `create-signing-key` | ✅ done | 1/1 |"))
            #expect(markdown.contains("| 5 | `confirm-redeploy` | ✅ done | 3/3 |"))
            #expect(markdown.contains("| 6 | `rotate-signing-key` (point of no return) | · pending | 0/1 |"))
            #expect(markdown.contains("— paused at rotate-signing-key"))
            #expect(markdown.contains("**Waiting on:** an approver: rotate-signing-key is the point of no return"))
            #expect(markdown.contains("```sh\n\(next)\n```"))
        }
    }

    @Test func failuresAndHazardsAreAnnotated() async throws {
        try await CLISandbox.with { sandbox in
            let env = sandbox.scaffold.directory + "/apps/api.env"
            try (try String(contentsOfFile: env, encoding: .utf8) + "INNGEST_SIGNING_KEY_FALLBACK=\n")
                .write(toFile: env, atomically: false, encoding: .utf8)
            let summary = sandbox.directory + "/summary.md"
            let environment = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]
            let staged = await sandbox.rekey(
                ["run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy"],
                environment: environment
            )
            #expect(staged.code == .success, "\(staged)")
            #expect(
                staged.stdout.contains(
                    "::warning title=rekey::app 'api': INNGEST_SIGNING_KEY_FALLBACK is set but EMPTY"))

            try await sandbox.unregister("worker")
            let failed = await sandbox.rekey(
                ["resume", sandbox.journal, "--approve", "rotate-signing-key"], environment: environment)
            #expect(failed.code == .stepFailed, "\(failed)")
            #expect(failed.stdout.contains("::error title=rekey%3A confirm-redeploy/worker failed::"))
            #expect(
                failed.stdout.contains("::error title=rekey%3A confirm-redeploy failed::confirm-redeploy/worker failed")
            )
            // The group of the failed step is closed before the final word.
            let lines = failed.stdout.split(separator: "\n")
            #expect(lines.filter { $0.hasPrefix("::group::") }.count == lines.filter { $0 == "::endgroup::" }.count)
            let markdown = try String(contentsOfFile: summary, encoding: .utf8)
            #expect(markdown.contains("| 5 | `confirm-redeploy` | ❌ failed | 2/3 |"))
            #expect(markdown.contains("**Failed:** `confirm-redeploy`: not found on the platform"))
        }
    }

    @Test func withJSONTheCommandsGoToStandardErrorAndStandardOutputStaysJSON() async throws {
        try await CLISandbox.with { sandbox in
            let summary = sandbox.directory + "/summary.md"
            let result = await sandbox.rekey(
                ["run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy", "--json"],
                environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]
            )
            #expect(result.code == .success, "\(result)")
            #expect(result.jsonLines.allSatisfy { $0 != nil }, "\(result)")
            #expect(result.stderr.contains("::group::[1/9] create-signing-key"))
            #expect(result.stderr.split(separator: "\n").filter { $0 == "::endgroup::" }.count == 4)
            #expect(FileManager.default.fileExists(atPath: summary))
        }
    }

    @Test func gateAndPlanWriteSummariesToo() async throws {
        try await CLISandbox.with { sandbox in
            let summary = sandbox.directory + "/summary.md"
            let environment = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]
            let plan = await sandbox.rekey(["plan", sandbox.playbook], environment: environment)
            #expect(plan.code == .success, "\(plan)")
            _ = await sandbox.rekey([
                "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "confirm-redeploy",
            ])
            let gate = await sandbox.rekey(["gate", sandbox.journal, "confirm-redeploy"], environment: environment)
            #expect(gate.code == .paused)
            #expect(gate.stdout.contains("::warning title=rekey gate confirm-redeploy%3A not done::"))
            let markdown = try String(contentsOfFile: summary, encoding: .utf8)
            #expect(markdown.contains("### rekey plan `"))
            #expect(markdown.contains("| 6 | `rotate-signing-key` (point of no return) | automatic, needs approval |"))
            #expect(markdown.contains("— gate confirm-redeploy: not-done"))
        }
    }
}
