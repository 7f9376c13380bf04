import RekeyCore
import Synchronization

/// Renders a run: the header, every event (as text or JSON), and the final word with the next command.
/// On GitHub Actions it also groups each step's lines, annotates failures and hazards, and appends the
/// job summary.
final class RunPrinter: RunObserver {
    private let terminal: Terminal
    private let json: JSONEventPrinter?
    private let progress: ProgressPrinter?
    private let github: GitHubActions?
    private let state = Mutex(State())

    private struct State {
        var steps: [StepID] = []
        /// The step whose `::group::` is open, if any.
        var openGroup: StepID?
        /// When the command started (the `finished` event's duration covers all of it).
        var began = Timestamp.now()
    }

    init(terminal: Terminal, json: Bool) {
        self.terminal = terminal
        self.json = json ? JSONEventPrinter(terminal: terminal) : nil
        self.progress = json ? nil : ProgressPrinter(terminal: terminal)
        self.github = GitHubActions.detect(terminal: terminal, json: json)
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .began(let plan, _, _):
            state.withLock { $0.steps = plan.steps.map(\.id) }
        case .stepStarted(let step):
            openGroup(step.id, title: step.title)
        case .itemStarted(let ref, _, _), .itemDone(let ref, _, _, _), .guided(let ref, _), .undone(let ref, _):
            // A resumed run continues a step that started before: its lines get a group too.
            openGroup(ref.step, title: nil)
        case .itemFailed(let ref, let error, _):
            openGroup(ref.step, title: nil)
            github?.error(error, title: "rekey: \(ref) failed")
        case .warning(let message):
            github?.warning(message, title: "rekey")
        default:
            break
        }
        if let json {
            json.handle(event)
        } else {
            printText(event)
        }
        if case .stepDone = event { closeGroup() }
    }

    /// Opens the `::group::` of `step` unless it is open already (closing another step's first).
    private func openGroup(_ step: StepID, title: String?) {
        guard let github else { return }
        let (previous, number, total) = state.withLock { state -> (StepID??, Int, Int) in
            guard state.openGroup != step else { return (nil, 0, 0) }
            defer { state.openGroup = step }
            return (.some(state.openGroup), (state.steps.firstIndex(of: step) ?? 0) + 1, state.steps.count)
        }
        guard let previous else { return }
        if previous != nil { github.endGroup() }
        github.group("[\(number)/\(total)] \(step)" + (title.map { ": \($0)" } ?? " (continued)"))
    }

    private func printText(_ event: RunEvent) {
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
                out.line(
                    out.styled(
                        "Point of no return: \(ponr) (everything before it can be undone with 'rekey abort')", .dim))
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
        var headline: String
        var step: StepID?
        switch outcome.result {
        case .finished:
            code = .success
            message = "Rotation finished: every step is done."
            headline = "finished"
            next = nil
        case .reachedUntil(let until):
            code = .success
            message = "Stopped before \(until), as asked (--until): every step before it is done."
            headline = "stopped before \(until) (--until)"
            step = until
        case .paused(let paused, let reason):
            code = .paused
            message = "Paused at \(paused): \(reason)"
            headline = "paused at \(paused)"
            step = paused
        case .failed(let ref, let error, let kind):
            code = ExitCode(failure: kind)
            message = "\(ref) failed: \(error)\nThe journal is consistent; fix the cause, then resume."
            headline = "\(ref.step) failed"
            step = ref.step
        case .aborted:
            code = .success
            message = "Rotation aborted: the keys it created are deleted and the apps' configuration is restored."
            headline = "aborted (rolled back)"
            next = nil
        case .interrupted:
            code = .interrupted
            message = "Interrupted. Every action that started was journaled; nothing is half done."
            headline = "interrupted"
        }
        let waitingOn = code == .paused ? status?.waitingOn : nil
        closeGroup()
        if let json {
            if case .paused(let paused, let reason) = outcome.result {
                var fields: [String: JSONValue] = ["step": .string(paused.rawValue), "message": .string(reason)]
                if let waitingOn { fields["waitingOn"] = .string(waitingOn) }
                if let next { fields["next"] = .string(next) }
                json.emit("waiting", fields)
            }
            var fields: [String: JSONValue] = [
                "result": .string(Self.name(outcome.result)),
                "exitCode": .number(Double(code.rawValue)),
                "journal": .string(outcome.journal),
                "message": .string(message),
                "durationMs": .number(Double(elapsedMilliseconds())),
            ]
            if let step { fields["step"] = .string(step.rawValue) }
            if let next { fields["next"] = .string(next) }
            if let waitingOn { fields["waitingOn"] = .string(waitingOn) }
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
            if let waitingOn { out.line("Waiting on: \(waitingOn)") }
            out.line("Journal: \(outcome.journal)")
            if let next { out.line("Next: " + out.styled(next, .bold)) }
        }
        if let github {
            switch code {
            case .success, .interrupted: break
            case .paused: github.warning(message + (next.map { "\nNext: \($0)" } ?? ""), title: "rekey: \(headline)")
            default: github.error(message, title: "rekey: \(headline)")
            }
            if let status {
                github.appendSummary(
                    JobSummary.markdown(status: status, headline: headline, next: next), reportingTo: terminal)
            }
        }
        return code
    }

    /// Ends the open `::group::`, if any (a step done, or a run that stops inside a step).
    private func closeGroup() {
        guard let github else { return }
        let open = state.withLock { state in
            defer { state.openGroup = nil }
            return state.openGroup
        }
        if open != nil { github.endGroup() }
    }

    private func elapsedMilliseconds() -> Int {
        Int(state.withLock { $0.began }.milliseconds(to: .now()))
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
