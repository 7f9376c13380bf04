import Foundation
import RekeyCore
import RekeySandbox

// `rekey demo --platform eventnerds|inngest-self-hosted|plugin`: the same two-part demo against a sandbox of
// another platform.

extension DemoCommand {
    /// What the demo says about each platform, and what it approves in part 2.
    private struct Script {
        var title: String
        var setting: [String]
        var approvals: [StepID]
        var approvalNote: String
    }

    private static func script(_ platform: SandboxScaffold.Platform) -> Script {
        switch platform {
        case .eventNerds:
            Script(
                title: "rotate the EventNerds API keys the apps use",
                setting: [
                    "  - an EventNerds account with 2 API keys (one scoped to an event, one organisation-wide)",
                    "  - 3 apps reading EVENTNERDS_API_KEY from dotenv files; they redeploy by themselves, and every "
                        + "listing of the keys is a moment of their traffic (last_used_at)",
                    "  - a new key is shown once: rekey seals it in the journal (the demo uses a throwaway seal key)",
                ],
                approvals: [.deleteOldAPIKeys],
                approvalNote: "The demo approves the point of no return (delete-old-api-keys) as the operator.")
        case .inngestSelfHosted:
            Script(
                title: "rotate the keys of a self-hosted Inngest server and of its apps",
                setting: [
                    "  - a self-hosted server: its configuration is server/inngest.env, its restart command "
                        + "'rekey sandbox redeploy DIR inngest-server'",
                    "  - 3 apps reading dotenv files; they redeploy by themselves",
                    "  - rekey generates the new keys and seals them in the journal (the demo uses a throwaway seal key)",
                ],
                approvals: [.installSigningKey],
                approvalNote: "The demo approves the point of no return (install-signing-key) as the operator.")
        case .plugin, .inngest:
            Script(
                title: "rotate the keys of a platform rekey doesn't know, through the example exec plugin",
                setting: [
                    "  - plugin.py speaks rekey's plugin protocol (JSON on stdin and stdout); its platform's keys are "
                        + "in plugin-state.json",
                    "  - 3 apps reading ACME_API_KEY from dotenv files",
                    "  - a new key is shown once: rekey seals it in the journal (the demo uses a throwaway seal key)",
                ],
                approvals: [.confirmRedeploy, .promoteAPIKeys],
                approvalNote:
                    "The plugin's platform can't tell which key an app uses, so the demo approves confirm-redeploy, "
                    + "then the point of no return (promote-api-keys), as the operator.")
        }
    }

    func run(_ platform: SandboxScaffold.Platform) async throws -> ExitCode {
        let out = context.terminal.out
        let directory = demoDirectory()
        let sandbox = try SandboxScaffold.create(directory: directory, apps: 3, eventKeys: 2, platform: platform)
        let journal = directory + "/rotation.jsonl"
        let script = Self.script(platform)

        out.line(
            out.styled("rekey demo --platform \(platform.rawValue)", .bold) + ": \(script.title), against a sandbox.")
        out.line("No network, no credentials. The sandbox: \(directory)")
        for line in script.setting { out.line(line) }
        out.line()
        out.line(out.styled("Part 1: run the steps before confirm-redeploy, then stop.", .bold))

        let printer = RunPrinter(terminal: context.terminal, json: false)
        var session = try context.session(observer: printer)
        if session.sealKey == nil { session.sealKey = SealKey.random() }
        let first = try await session.start(
            playbookPath: sandbox.playbookPath, journalPath: journal, approvals: ApprovalSource(actor: "demo"),
            until: .confirmRedeploy)
        guard case .reachedUntil = first.result else { return printer.finish(first, status: nil) }
        out.line()
        out.line(out.styled("Stopped. Everything so far is in the journal; 'rekey status' shows it:", .bold))
        let contents = try JournalReader.read(path: journal)
        StatusPrinter(terminal: context.terminal).print(
            RotationStatus(contents: contents, machine: try RotationSession.replay(contents)), contents: contents)

        out.line()
        out.line(out.styled("Part 2: resume. ", .bold) + script.approvalNote)
        let second = try await session.resume(
            journalPath: journal, approvals: ApprovalSource(preApproved: Set(script.approvals), actor: "demo operator"),
            until: nil)
        let finalContents = try JournalReader.read(path: journal)
        let code = printer.finish(
            second,
            status: RotationStatus(contents: finalContents, machine: try RotationSession.replay(finalContents)))
        guard code == .success else { return code }

        out.line()
        if platform == .plugin {
            out.line(out.styled("The platform now (plugin-state.json, without the secrets):", .bold))
            for line in try PluginSandboxReport.load(from: sandbox.statePath).lines { out.line("  " + line) }
        } else {
            out.line(out.styled("The sandbox now:", .bold))
            out.line(try await SandboxReport.load(from: SandboxStore(path: sandbox.statePath)).text)
        }
        closing(directory: directory, journal: journal)
        return .success
    }
}
