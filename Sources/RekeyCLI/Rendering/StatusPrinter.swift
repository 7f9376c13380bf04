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
            var detail =
                "\(step.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                + "\(step.itemsDone)/\(step.itemsTotal)"
            if let by = step.approvedBy { detail += ", approved by \(by)" }
            if step.pointOfNoReturn { detail += out.styled("  ← point of no return", .yellow) }
            out.line(" \(mark) \(String(index + 1).leftPad(2)) \(name)  \(detail)")
            if let problem = step.problem, step.state != .done {
                out.line(out.styled("        \(problem)", step.state == .failed ? .red : .yellow))
            }
        }
        printOverrides(status)
        if let torn = contents.tornTail {
            out.line()
            out.line(
                out.styled("note:", .yellow)
                    + " the last line (\(torn.length) bytes) is incomplete: the process stopped "
                    + "while writing it; 'rekey resume' drops it and re-checks the platform"
            )
        }
        if !status.warnings.isEmpty {
            out.line()
            for warning in status.warnings { out.line(out.styled("warning:", .yellow) + " \(warning)") }
        }
        if let next = status.next {
            out.line()
            if let waitingOn = status.waitingOn { out.line("Waiting on: \(waitingOn)") }
            out.line("Next: " + out.styled(next, .bold))
        }
    }

    /// `rekey explain`: the story for the person paged at 3 a.m.: what ran, what failed and why, whether
    /// the rotation is past the point of no return, what is safe to do now, and the exact next command.
    func explain(_ status: RotationStatus, contents: JournalContents, machine: RotationStateMachine) {
        let out = terminal.out
        let journal = status.journal
        out.line(
            out.styled("Rotation \(status.rotationID)", .bold)
                + "  environment \(status.environment) on \(status.platform), plan \(status.planHash.prefix(12))"
        )
        out.line("Journal: \(journal) (\(contents.records.count) records, last \(status.updatedAt))")
        out.line("State: " + stateLine(status))
        let holder = RunningRotation.holder(of: journal)
        if let holder {
            out.line(
                out.styled("A rekey process is working on it right now", .yellow, .bold)
                    + " (pid \(holder.pid) on \(holder.host), '\(holder.command ?? "run")' since \(holder.since))."
            )
        }

        out.line()
        out.line(out.styled("What ran", .bold))
        let started = status.steps.filter { $0.startedAt != nil }
        if started.isEmpty {
            out.line("  Nothing yet: no step has started, so nothing on the platform or in the apps has changed.")
        }
        for (index, step) in status.steps.enumerated() where step.startedAt != nil {
            let number = String(index + 1).leftPad(2)
            let items = "\(step.itemsDone)/\(step.itemsTotal) item\(step.itemsTotal == 1 ? "" : "s")"
            switch step.state {
            case .done:
                let duration = step.durationMs.map { ", \(JobSummary.duration($0))" } ?? ""
                out.line("  " + out.styled("✓", .green) + " \(number) \(step.id): \(step.title) (\(items)\(duration))")
            case .failed:
                out.line(
                    "  " + out.styled("✗", .red)
                        + " \(number) \(step.id): \(step.title) (\(items) done, then it failed)")
            default:
                out.line("  " + out.styled("▶", .cyan) + " \(number) \(step.id): \(step.title) (\(items) done so far)")
            }
        }
        for step in status.steps {
            guard let record = machine.approval(of: step.id) else { continue }
            let bound = record.data.planHash.map { " for plan \($0.prefix(12))" } ?? ""
            out.line(
                "  " + out.styled("✓", .green) + " \(step.id) approved by \(record.data.by ?? "?") via "
                    + "\(record.data.via ?? "?") at \(record.at)\(bound)"
            )
        }

        if !status.overrides.isEmpty {
            out.line()
            out.line(out.styled("Checks a person overrode", .bold))
            printOverrides(status, heading: false)
        }

        let failures = failedItems(machine: machine, contents: contents)
        if !failures.isEmpty {
            out.line()
            out.line(out.styled("What failed", .bold))
            for failure in failures {
                out.line(
                    "  " + out.styled("✗", .red)
                        + " \(failure.ref) (attempt \(failure.attempt)\(failure.at.map { ", \($0)" } ?? "")):")
                out.line("      \(failure.error)")
                out.line("      " + Self.advice(failure.kind))
            }
        } else if let waiting = status.steps.first(where: { $0.state == .waiting }) {
            out.line()
            out.line(out.styled("What it waits for", .bold))
            out.line("  \(waiting.id): \(waiting.problem ?? status.blockedBy ?? "see 'rekey log \(journal)'")")
        }

        out.line()
        out.line(out.styled("Point of no return", .bold))
        if let ponr = status.pointOfNoReturn {
            if status.pointOfNoReturnPassed {
                let when = machine.started(ponr).map { " at \($0)" } ?? ""
                out.line(
                    "  " + out.styled("PASSED", .yellow, .bold)
                        + ": \(ponr) started\(when). The old signing key is deleted, "
                        + "or may be: from here on, forward only."
                )
            } else {
                out.line("  Not reached: \(ponr) has not started. Everything done so far can still be rolled back.")
            }
        } else {
            out.line("  This rotation has none: every step can be rolled back.")
        }

        out.line()
        out.line(out.styled("What is safe now", .bold))
        for line in safety(status, running: holder != nil, torn: contents.tornTail != nil) {
            out.line("  - \(line)")
        }

        out.line()
        out.line(out.styled("Next", .bold))
        if let holder {
            out.line("  Wait for pid \(holder.pid) to finish ('rekey status \(journal)' shows its progress).")
        } else if let next = status.next {
            out.line("  " + out.styled(next, .bold))
            if let waitingOn = status.waitingOn { out.line("  Waiting on: \(waitingOn)") }
        } else {
            out.line("  Nothing: the rotation is \(status.state == .finished ? "finished" : "over").")
        }
    }

    /// The overrides of failed checks: who passed which check, when, how and why.
    private func printOverrides(_ status: RotationStatus, heading: Bool = true) {
        guard !status.overrides.isEmpty else { return }
        let out = terminal.out
        if heading {
            out.line()
            out.line(out.styled("Overrides", .yellow, .bold) + " (failed checks a person passed explicitly):")
        }
        for override in status.overrides {
            out.line(
                "  " + out.styled("⚠", .yellow)
                    + " \(override.check) overridden by \(override.by) via \(override.via) at \(override.at)"
                    + (override.used ? "" : " (not used yet)") + ": \(override.reason)")
        }
    }

    /// One failed item, for `explain`.
    private struct Failure {
        var ref: ItemRef
        var error: String
        var attempt: Int
        var kind: FailureKind
        var at: Timestamp?
    }

    /// What a failure of `kind` means for the person reading `explain`.
    static func advice(_ kind: FailureKind) -> String {
        switch kind {
        case .transient, .rateLimited:
            "Looks transient (the platform or the network): resuming may be enough."
        case .unavailable:
            "The platform stayed unavailable after every retry: resume when it answers again."
        case .refused:
            "Refused (the platform, a deployment tool or a file): fix the cause named above, then resume."
        case .invalid:
            "The world does not match what the step needs: resuming repeats the failure until its cause is fixed."
        case .unsafe:
            "Unsafe to go on: fix what the message names, or override the check explicitly with a reason."
        case .needsPerson:
            "A person must act as the message says, then resume."
        }
    }

    private func failedItems(machine: RotationStateMachine, contents: JournalContents) -> [Failure] {
        var failures: [Failure] = []
        for step in machine.plan.steps {
            for item in step.items {
                let ref = ItemRef(step: step.id, item: item.id)
                let undo = machine.undoStatus(of: ref)
                let at = contents.records.last { $0.type == .failed && $0.step == ref.step && $0.item == ref.item }?.at
                if case .failed(let error, let attempt, let kind)? = machine.status(of: ref) {
                    failures.append(Failure(ref: ref, error: error, attempt: attempt, kind: kind, at: at))
                } else if case .failed(let error)? = undo {
                    failures.append(Failure(ref: ref, error: "undo: \(error)", attempt: 1, kind: .invalid, at: at))
                }
            }
        }
        return failures
    }

    private func safety(_ status: RotationStatus, running: Bool, torn: Bool) -> [String] {
        let journal = status.journal
        var lines: [String] = []
        if running {
            lines.append(
                "Another rekey is driving this rotation now: don't start a second one, and don't edit the journal.")
        }
        switch status.state {
        case .finished:
            lines.append(
                "Nothing is left to do: the new keys are active, the old ones are deleted, the fallback is gone.")
            lines.append(
                "Keep the journal: it records who approved what, and 'rekey log \(journal) --verify' proves it is intact."
            )
        case .aborted:
            lines.append(
                "Nothing was left behind: the keys this rotation created are deleted and every app's configuration is "
                    + "restored.")
            lines.append("Starting over is safe: 'rekey plan PLAYBOOK', then 'rekey run'.")
        case .aborting:
            lines.append(
                "A rollback is half done: some apps may still point at keys that are being deleted. Finish it: "
                    + "'rekey abort \(journal)'.")
            lines.append(
                "Not safe: editing the apps' configuration by hand, or starting another rotation, before it finishes.")
        case .inProgress:
            if status.pointOfNoReturnPassed {
                lines.append(
                    "The old signing key is gone (or going): every app must run with the new key. Going forward is "
                        + "the only safe direction: 'rekey resume \(journal)' finishes the remaining steps.")
                lines.append("Not safe: restoring old configuration or old keys; 'rekey abort' refuses from here on.")
            } else {
                lines.append(
                    "Nothing is broken: every app still accepts the old signing key (it is kept as the fallback).")
                lines.append(
                    "Safe: 'rekey resume \(journal)'. Done items are not repeated; an interrupted item re-checks the "
                        + "platform before acting.")
                let changed = status.steps.filter {
                    StepCatalog.reversibleSteps.contains($0.id) && $0.startedAt != nil
                }
                lines.append(
                    "Safe: 'rekey abort \(journal)' rolls back"
                        + (changed.isEmpty
                            ? " (nothing has changed yet)."
                            : ": "
                                + changed.map { "\($0.id) (\($0.itemsDone) item\($0.itemsDone == 1 ? "" : "s"))" }
                                .joined(separator: ", ") + ".")
                )
                lines.append(
                    "Not safe: deleting the old signing key, or editing INNGEST_SIGNING_KEY / "
                        + "INNGEST_SIGNING_KEY_FALLBACK by hand; starting a second rotation of this environment.")
            }
        }
        if torn {
            lines.append(
                "The journal's last line is incomplete (the process stopped while writing it): 'rekey resume' drops "
                    + "it and re-checks the platform; nothing is lost.")
        }
        return lines
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
