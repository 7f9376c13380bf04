import RekeyCore

/// `rekey override JOURNAL CHECK --reason TEXT [--by NAME] [--yes]`: record a person's explicit override of a
/// safety check that failed.
struct OverrideCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        let arguments = context.arguments
        guard let journal = arguments.positional(0), let check = arguments.positional(1) else {
            preconditionFailure("the parser requires JOURNAL and CHECK")
        }
        let path = FileIO.absolute(journal)
        guard let reason = arguments.string("reason"), !reason.allSatisfy(\.isWhitespace) else {
            throw SessionError.overrideNeedsReason(check: check)
        }
        let by = Identity.actor(explicit: arguments.string("by"), environment: context.environment)
        let contents = try JournalReader.read(path: path)
        let machine = try RotationSession.replay(contents)
        guard machine.failedChecks.contains(check) else {
            throw SessionError.nothingToOverride(check: check, failed: machine.failedChecks.sorted())
        }
        let prompter = Prompter(terminal: context.terminal)
        if !arguments.flag("yes"), prompter.canPrompt {
            let environment = machine.plan.playbook.environment ?? "production"
            let failure = contents.records.last { $0.type == .check && $0.data.check == check }?.data.message ?? ""
            let prompt =
                "\nOverride the failed check \(check) of rotation \(machine.plan.rotationID) (environment "
                + "'\(environment)'):\n  it found: \(failure)\n  your reason: \(reason)\n"
                + "rekey will go ahead for this check as if it had passed."
            guard try context.signals.whilePrompting({ try prompter.confirm(typed: environment, prompt: prompt) })
            else {
                context.terminal.err.line("Not overridden: nothing changed.")
                return .paused
            }
        }
        let session = try context.session(observer: SilentObserver())
        let record = try await session.override(journalPath: path, check: check, reason: reason, by: by)
        context.terminal.out.line("overrode \(check) by \(by) at \(record.at): \(reason)")
        context.terminal.out.line("Next: rekey resume \(journal)")
        return .success
    }
}
