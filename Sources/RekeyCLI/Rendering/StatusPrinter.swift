import RekeyCore

/// Renders a ``RotationStatus`` for people: a step table, where it stands, and the next command.
struct StatusPrinter {
    let terminal: Terminal

    func print(_ status: RotationStatus, contents: JournalContents) {
        let out = terminal.out
        out.line(
            out.styled("Rotation \(status.rotationID)", .bold)
                + "  environment \(status.environment) on \(status.platform), plan \(status.planHash.prefix(12))"
        )
        out.line("Journal: \(status.journal) (\(contents.records.count) records, last \(status.updatedAt))")
        out.line("State: " + stateLine(status))
        if let ponr = status.pointOfNoReturn {
            out.line(
                "Point of no return: \(ponr) — "
                    + (status.pointOfNoReturnPassed
                        ? out.styled("passed (forward only; abort is no longer possible)", .yellow)
                        : "not passed (abort can still roll everything back)")
            )
        }
        out.line()
        let width = status.steps.map(\.id.rawValue.count).max() ?? 10
        for (index, step) in status.steps.enumerated() {
            let mark: String
            switch step.state {
            case .done: mark = out.styled("✓", .green)
            case .running: mark = out.styled("▶", .cyan)
            case .waiting: mark = out.styled("⏸", .yellow)
            case .failed: mark = out.styled("✗", .red)
            case .pending: mark = out.styled("·", .dim)
            }
            let name = step.id.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            var detail = "\(step.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                + "\(step.itemsDone)/\(step.itemsTotal)"
            if let by = step.approvedBy { detail += ", approved by \(by)" }
            if step.pointOfNoReturn { detail += out.styled("  ← point of no return", .yellow) }
            out.line(" \(mark) \(String(index + 1).leftPad(2)) \(name)  \(detail)")
            if let problem = step.problem, step.state != .done {
                out.line(out.styled("        \(problem)", step.state == .failed ? .red : .yellow))
            }
        }
        if let torn = contents.tornTail {
            out.line()
            out.line(
                out.styled("note:", .yellow) + " the last line (\(torn.length) bytes) is incomplete: the process stopped "
                    + "while writing it; 'rekey resume' drops it and re-checks the platform"
            )
        }
        if !status.warnings.isEmpty {
            out.line()
            for warning in status.warnings { out.line(out.styled("warning:", .yellow) + " \(warning)") }
        }
        if let next = status.next {
            out.line()
            out.line("Next: " + out.styled(next, .bold))
        }
    }

    func explain(_ status: RotationStatus, contents: JournalContents, machine: RotationStateMachine) {
        let out = terminal.out
        out.line(out.styled("What happened", .bold))
        let done = status.steps.filter { $0.state == .done }
        if done.isEmpty {
            out.line("  Nothing has changed yet: no step finished.")
        } else {
            for step in done {
                out.line("  ✓ \(step.id): \(step.title) (\(step.itemsDone) item\(step.itemsDone == 1 ? "" : "s"))")
            }
        }
        out.line()
        out.line(out.styled("Where it stands", .bold))
        out.line("  " + stateLine(status))
        if let failed = status.steps.first(where: { $0.state == .failed }) {
            out.line("  \(failed.id) failed: \(failed.problem ?? "see 'rekey log \(status.journal)'")")
        }
        out.line()
        out.line(out.styled("Is it safe?", .bold))
        switch status.state {
        case .finished:
            out.line("  The rotation is complete. The old signing key is deleted; nothing is left to do.")
        case .aborted:
            out.line("  The rotation was rolled back: new keys deleted, apps' configuration restored.")
        case .aborting:
            out.line("  A rollback is half done. Finish it: the apps may point at keys being deleted.")
        case .inProgress:
            if status.pointOfNoReturnPassed {
                out.line(
                    "  PAST the point of no return: the old signing key may already be deleted. Apps must run with the new "
                        + "key; only going forward is safe. Do not restore old configuration."
                )
            } else {
                out.line(
                    "  Before the point of no return: every app still accepts the old signing key (it is kept as fallback), "
                        + "so nothing is broken. You can finish the rotation or roll it back with 'rekey abort \(status.journal)'."
                )
            }
        }
        if let next = status.next {
            out.line()
            out.line(out.styled("Next", .bold))
            out.line("  " + next)
        }
    }

    private func stateLine(_ status: RotationStatus) -> String {
        let out = terminal.out
        switch status.state {
        case .finished: return out.styled("finished", .green)
        case .aborted: return out.styled("aborted (rolled back)", .yellow)
        case .aborting: return out.styled("aborting (rollback in progress)", .yellow)
        case .inProgress:
            let at = status.currentStep.map { " at \($0)" } ?? ""
            return "in progress\(at)" + (status.blockedBy.map { ": \($0)" } ?? "")
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
