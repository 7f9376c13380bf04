import RekeyCore

/// `rekey plan PLAYBOOK [--out PLAN] [--json]`: a dry-run preview from live state. Changes nothing.
struct PlanCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        guard let path = context.arguments.positional(0) else { preconditionFailure("the parser requires PLAYBOOK") }
        let session = try context.session(observer: SilentObserver())
        let (_, plan) = try await session.plan(playbookPath: path)
        if let out = context.arguments.string("out") {
            try FileIO.writeAtomically(JSONCoding.prettyBytes(plan), to: FileIO.absolute(out), newFileMode: 0o600)
        }
        if context.json {
            context.terminal.out.line(String(decoding: JSONCoding.canonicalBytes(plan), as: UTF8.self))
        } else {
            PlanPrinter(terminal: context.terminal).print(plan)
            if let out = context.arguments.string("out") {
                context.terminal.out.line("Plan written to \(out) (hash \(plan.hash.prefix(12))).")
            }
        }
        return .success
    }
}
