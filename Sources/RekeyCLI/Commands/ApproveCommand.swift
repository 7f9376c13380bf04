import RekeyCore

/// `rekey approve JOURNAL STEP [--by NAME] [--plan-hash HASH]`: record an approval for a later resume.
struct ApproveCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        let arguments = context.arguments
        guard let journal = arguments.positional(0), let stepName = arguments.positional(1) else {
            preconditionFailure("the parser requires JOURNAL and STEP")
        }
        let step = try context.step(stepName)
        let by = Identity.actor(explicit: arguments.string("by"), environment: context.environment)
        let session = try context.session(observer: SilentObserver())
        let record = try await session.approve(
            journalPath: FileIO.absolute(journal),
            step: step,
            by: by,
            planHash: arguments.string("plan-hash")
        )
        context.terminal.out.line(
            "approved \(step) by \(by) at \(record.at) (plan \(record.data.planHash?.prefix(12) ?? "?"))"
        )
        context.terminal.out.line("Next: rekey resume \(journal)")
        return .success
    }
}
