import RekeyCore

/// Renders a run: the header, every event (as text or JSON), and the final word with the next command.
final class RunPrinter: RunObserver {
    private let terminal: Terminal
    private let json: JSONEventPrinter?
    private let progress: ProgressPrinter?

    init(terminal: Terminal, json: Bool) {
        self.terminal = terminal
        self.json = json ? JSONEventPrinter(terminal: terminal) : nil
        self.progress = json ? nil : ProgressPrinter(terminal: terminal)
    }

    func handle(_ event: RunEvent) {
        if let json {
            json.handle(event)
            return
        }
        guard let progress else { return }
        if case .began(let plan, let journal, let resumed) = event {
            progress.use(plan)
            let out = terminal.out
            let environment = plan.playbook.environment ?? "?"
            let platform = plan.playbook.platformKind ?? "?"
            out.line(
                out.styled(resumed ? "Resuming rotation \(plan.rotationID)" : "Rotation \(plan.rotationID)", .bold)
                    + "  environment \(environment) on \(platform), \(plan.steps.count) steps, plan \(plan.hash.prefix(12))"
            )
            out.line("Journal: \(journal)")
            if let ponr = plan.pointOfNoReturn {
                out.line(out.styled("Point of no return: \(ponr) (everything before it can be undone with 'rekey abort')", .dim))
            }
            return
        }
        progress.handle(event)
    }

    /// Prints how the run ended and returns the exit code.
    func finish(_ outcome: RotationSession.Outcome, status: RotationStatus?) -> ExitCode {
        let code: ExitCode
        var message: String
        var next = status?.next
        switch outcome.result {
        case .finished:
            code = .success
            message = "Rotation finished: every step is done."
            next = nil
        case .reachedUntil(let step):
            code = .success
            message = "Stopped before \(step), as asked (--until): every step before it is done."
        case .paused(let step, let reason):
            code = .paused
            message = "Paused at \(step): \(reason)"
        case .failed(let ref, let error, let unavailable):
            code = unavailable ? .unavailable : .stepFailed
            message = "\(ref) failed: \(error)\nThe journal is consistent; fix the cause, then resume."
        case .aborted:
            code = .success
            message = "Rotation aborted: the keys it created are deleted and the apps' configuration is restored."
            next = nil
        case .interrupted:
            code = .interrupted
            message = "Interrupted. Every action that started was journaled; nothing is half done."
        }
        if let json {
            var fields: [String: JSONValue] = [
                "result": .string(Self.name(outcome.result)),
                "exitCode": .number(Double(code.rawValue)),
                "journal": .string(outcome.journal),
                "message": .string(message),
            ]
            if let next { fields["next"] = .string(next) }
            json.emit("finished", fields)
        } else {
            let out = terminal.out
            out.line()
            let mark: String
            switch code {
            case .success: mark = out.styled("✓", .green, .bold)
            case .paused: mark = out.styled("⏸", .yellow, .bold)
            default: mark = out.styled("✗", .red, .bold)
            }
            out.line("\(mark) \(message)")
            out.line("Journal: \(outcome.journal)")
            if let next { out.line("Next: " + out.styled(next, .bold)) }
        }
        return code
    }

    static func name(_ result: RunResult) -> String {
        switch result {
        case .finished: "finished"
        case .reachedUntil: "reached-until"
        case .paused: "paused"
        case .failed: "failed"
        case .aborted: "aborted"
        case .interrupted: "interrupted"
        }
    }
}
