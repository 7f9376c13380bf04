import Foundation
import RekeyCore
import RekeySandbox

/// `rekey demo`: a complete rotation on a fresh sandbox, interrupted and resumed, with no network
/// and no credentials.
struct DemoCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    /// `--dir`, or a fresh directory under the system's temporary directory.
    func demoDirectory() -> String {
        if let given = context.arguments.string("dir") { return FileIO.absolute(given) }
        return FileManager.default.temporaryDirectory.path + "/rekey-demo-" + UUID().uuidString.prefix(8).lowercased()
    }

    func run() async throws -> ExitCode {
        let platform = try SandboxCommands(context).sandboxPlatform()
        if platform != .inngest { return try await run(platform) }
        let out = context.terminal.out
        let directory = demoDirectory()
        let sandbox = try SandboxScaffold.create(directory: directory, apps: 3, eventKeys: 2, autoRedeploy: true)
        let journal = directory + "/rotation.jsonl"

        out.line(
            out.styled("rekey demo", .bold) + ": rotate every key of an Inngest-like environment, the way the "
                + "runbook says, against an embedded sandbox.")
        out.line("No network, no credentials. The sandbox: \(directory)")
        out.line("  - 1 signing key, 2 event keys (with event and IP filters), 3 apps reading dotenv files")
        out.line("  - the apps redeploy by themselves when their dotenv file changes")
        out.line()
        out.line(
            out.styled(
                "Part 1: run the steps before confirm-redeploy, then stop (as Ctrl-C or a CI job boundary would).",
                .bold))

        let printer = RunPrinter(terminal: context.terminal, json: false)
        let session = try context.session(observer: printer)
        let first = try await session.start(
            playbookPath: sandbox.playbookPath,
            journalPath: journal,
            approvals: ApprovalSource(actor: "demo"),
            until: .confirmRedeploy
        )
        guard case .reachedUntil = first.result else {
            return printer.finish(first, status: nil)
        }
        out.line()
        out.line(out.styled("Stopped. Everything so far is in the journal; 'rekey status' shows it:", .bold))
        let contents = try JournalReader.read(path: journal)
        let machine = try RotationSession.replay(contents)
        StatusPrinter(terminal: context.terminal).print(
            RotationStatus(contents: contents, machine: machine), contents: contents)

        out.line()
        out.line(
            out.styled("Part 2: resume. ", .bold)
                + "The demo approves the point of no return (rotate-signing-key) as the operator; "
                + "in a terminal you would type the environment's name, in CI pass --approve rotate-signing-key."
        )
        let second = try await session.resume(
            journalPath: journal,
            approvals: ApprovalSource(preApproved: [.rotateSigningKey], actor: "demo operator"),
            until: nil
        )
        let finalContents = try JournalReader.read(path: journal)
        let code = printer.finish(
            second,
            status: RotationStatus(contents: finalContents, machine: try RotationSession.replay(finalContents))
        )
        guard code == .success else { return code }

        out.line()
        out.line(out.styled("The environment now:", .bold))
        out.line(try await SandboxReport.load(from: SandboxStore(path: sandbox.statePath)).text)
        closing(directory: directory, journal: journal)
        return .success
    }

    /// Removes the sandbox (`--clean`) or says how to look closer at it.
    func closing(directory: String, journal: String) {
        let out = context.terminal.out
        if context.arguments.flag("clean") {
            try? FileManager.default.removeItem(atPath: directory)
            out.line("Removed \(directory) (--clean).")
        } else {
            out.line("Look closer:")
            out.line("  rekey status \(journal)")
            out.line("  rekey log \(journal) --verify")
            out.line("  rekey sandbox show \(directory)")
            out.line("  cat \(directory)/apps/api.env")
        }
    }
}
