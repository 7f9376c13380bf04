import RekeyCore

/// `rekey plan PLAYBOOK [--out PLAN] [--json]`: a dry-run preview from live state. Changes nothing: it
/// lists keys, reads the apps' configuration and the earlier journals, and writes only `--out`.
struct PlanCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        guard let path = context.arguments.positional(0) else { preconditionFailure("the parser requires PLAYBOOK") }
        let out = context.arguments.string("out")
        // Refused before the platform is asked anything: `--out` would replace what it names.
        if let out { try SavedPlan.checkOutput(FileIO.absolute(out)) }
        let session = try context.session(observer: SilentObserver())
        let (_, plan) = try await session.plan(playbookPath: path)
        if let out {
            try FileIO.writeAtomically(JSONCoding.prettyBytes(plan), to: FileIO.absolute(out), newFileMode: 0o600)
        }
        if context.json {
            context.terminal.out.line(
                String(decoding: JSONCoding.canonicalBytes(SavedPlan.Document(plan: plan)), as: UTF8.self))
        } else {
            PlanPrinter(terminal: context.terminal).print(plan, savedTo: out)
        }
        if let github = GitHubActions.detect(terminal: context.terminal, json: context.json) {
            for warning in plan.warnings { github.warning(warning, title: "rekey plan") }
            github.appendSummary(PlanPrinter.markdown(plan, savedTo: out), reportingTo: context.terminal)
        }
        return .success
    }
}
