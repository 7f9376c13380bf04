import RekeyCore

/// `rekey run PLAYBOOK` and `rekey resume JOURNAL`.
struct RunCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        let arguments = context.arguments
        guard let playbook = arguments.positional(0) else { preconditionFailure("the parser requires PLAYBOOK") }
        if let plan = try savedPlan(at: playbook) { return try await run(saved: plan, path: playbook) }
        try refusePlanHashWithoutSavedPlan(playbook)
        let (observer, printer) = makeObserver()
        let session = try context.session(observer: observer)
        let outcome = try await session.start(
            playbookPath: playbook,
            journalPath: arguments.string("journal").map(FileIO.absolute),
            approvals: try approvals(),
            until: try arguments.string("until").map(context.step)
        )
        return report(outcome, printer: printer)
    }

    func resume() async throws -> ExitCode {
        let arguments = context.arguments
        guard let journal = arguments.positional(0) else { preconditionFailure("the parser requires JOURNAL") }
        try requirePlanHash(ofJournal: FileIO.absolute(journal))
        let (observer, printer) = makeObserver()
        let session = try context.session(observer: observer)
        let outcome = try await session.resume(
            journalPath: FileIO.absolute(journal),
            approvals: try approvals(),
            until: try arguments.string("until").map(context.step)
        )
        return report(outcome, printer: printer)
    }

    // MARK: - Output

    func makeObserver() -> (any RunObserver, RunPrinter) {
        let printer = RunPrinter(terminal: context.terminal, json: context.json)
        return (printer, printer)
    }

    func approvals() throws -> ApprovalSource {
        let steps = try context.arguments.strings("approve").map(context.step)
        let actor = Identity.actor(explicit: context.arguments.string("by"), environment: context.environment)
        let overrides = try self.overrides()
        guard context.interactive else {
            return ApprovalSource(preApproved: Set(steps), actor: actor, overrides: overrides)
        }
        let prompter = Prompter(terminal: context.terminal)
        let signals = context.signals
        return ApprovalSource(preApproved: Set(steps), actor: actor, overrides: overrides) { step, plan in
            let environment = plan.playbook.environment ?? "production"
            let warning =
                step.pointOfNoReturn
                ? "\(step.id) is the POINT OF NO RETURN: \(step.items.first?.summary ?? step.title). It can't be undone."
                : "\(step.id) needs your approval: \(step.title)."
            do {
                if try signals.whilePrompting({ try prompter.confirm(typed: environment, prompt: "\n" + warning) }) {
                    return .approved(by: actor, via: "prompt")
                }
                return .unavailable(reason: "\(step.id) was not approved at the prompt")
            } catch {
                return .unavailable(reason: "no approval for \(step.id): \(error)")
            }
        }
    }

    /// `--override CHECK` (repeatable) with its `--reason`, for the commands that have them.
    func overrides() throws -> [String: String] {
        guard context.arguments.spec.options.contains(where: { $0.name == "override" }) else { return [:] }
        let checks = context.arguments.strings("override")
        let reason = context.arguments.string("reason")
        if checks.isEmpty {
            if reason != nil {
                throw UsageError.invalid(
                    "--reason explains an override: give the check with --override CHECK",
                    command: context.arguments.commandPath)
            }
            return [:]
        }
        guard let reason, !reason.allSatisfy(\.isWhitespace) else {
            throw SessionError.overrideNeedsReason(check: checks[0])
        }
        return Dictionary(checks.map { ($0, reason) }, uniquingKeysWith: { first, _ in first })
    }

    func report(_ outcome: RotationSession.Outcome, printer: RunPrinter) -> ExitCode {
        let status = (try? JournalReader.read(path: outcome.journal)).flatMap { contents in
            (try? RotationSession.replay(contents)).map { RotationStatus(contents: contents, machine: $0) }
        }
        return printer.finish(outcome, status: status)
    }
}
