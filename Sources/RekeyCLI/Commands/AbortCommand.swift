import RekeyCore

/// `rekey abort JOURNAL`: roll back before the point of no return, after a typed confirmation.
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
            approvals: ApprovalSource(preApproved: Set(confirmed), actor: by), confirm: confirmation())
        let status = (try? JournalReader.read(path: outcome.journal)).flatMap { contents in
            (try? RotationSession.replay(contents)).map { RotationStatus(contents: contents, machine: $0) }
        }
        return printer.finish(outcome, status: status)
    }

    /// Shows what the abort will undo and asks for the environment's name on a terminal (three tries);
    /// elsewhere `--yes` is required.
    private func confirmation() -> @Sendable (AbortPreview) async throws -> Bool {
        let arguments = context.arguments
        let yes = arguments.flag("yes") || arguments.flag("non-interactive")
        let prompter = Prompter(terminal: context.terminal)
        let signals = context.signals
        let command = arguments.commandPath
        return { preview in
            if yes { return true }
            guard prompter.canPrompt else {
                throw UsageError.invalid(
                    "rekey abort deletes the keys this rotation created and puts the apps' old values back; with no "
                        + "terminal to confirm on, pass --yes",
                    command: command)
            }
            let text = preview.lines.joined(separator: "\n")
            for attempt in 1...3 {
                let prompt =
                    attempt == 1 ? "\n" + text : "That is not '\(preview.environment)' (attempt \(attempt) of 3)."
                if try signals.whilePrompting({ try prompter.confirm(typed: preview.environment, prompt: prompt) }) {
                    return true
                }
            }
            return false
        }
    }
}
