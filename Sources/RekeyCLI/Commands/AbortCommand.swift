import RekeyCore

/// `rekey abort JOURNAL`: roll back before the point of no return.
struct AbortCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        guard let journal = context.arguments.positional(0) else { preconditionFailure("the parser requires JOURNAL") }
        let printer = RunPrinter(terminal: context.terminal, json: false)
        let session = try context.session(observer: printer)
        let by = Identity.actor(explicit: nil, environment: context.environment)
        // --approve STEP: a person restored STEP's manual targets as the paused abort asked.
        let confirmed = try context.arguments.strings("approve").map(context.step)
        let outcome = try await session.abort(
            journalPath: FileIO.absolute(journal), by: by,
            approvals: ApprovalSource(preApproved: Set(confirmed), actor: by))
        let status = (try? JournalReader.read(path: outcome.journal)).flatMap { contents in
            (try? RotationSession.replay(contents)).map { RotationStatus(contents: contents, machine: $0) }
        }
        return printer.finish(outcome, status: status)
    }
}
