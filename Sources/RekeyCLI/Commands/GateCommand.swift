import RekeyCore

/// `rekey gate JOURNAL STEP [--wait] [--timeout DUR] [--json]`: exit 0 once STEP is done, 3 while it is
/// not, 1 if the rotation failed or was aborted, 65 for a bad journal. Reads the journal only.
struct GateCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    /// The answer of one check.
    struct Verdict: Equatable {
        /// `passed`, `not-done`, `failed` or `aborted` (see ``JSONEventSchema/gateResults``).
        var result: String
        var code: ExitCode
        var message: String
        var next: String?
        var waitingOn: String?
    }

    /// The first check comes at once, then after 1s, growing by half each time, up to 30s.
    static let initialDelay = 1.0
    static let maximumDelay = 30.0

    func run() async throws -> ExitCode {
        let arguments = context.arguments
        guard let journal = arguments.positional(0), let stepName = arguments.positional(1) else {
            preconditionFailure("the parser requires JOURNAL and STEP")
        }
        let step = try context.step(stepName)
        let wait = arguments.flag("wait")
        let timeout =
            try arguments.duration("timeout").map {
                Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18
            } ?? 3600
        let clock = context.clock
        let start = clock.now()
        var delay = Self.initialDelay
        var checks = 0
        while true {
            let (_, machine, status) = try StatusCommand.load(context)
            let verdict = try Self.check(step, machine: machine, status: status, path: FileIO.absolute(journal))
            checks += 1
            let elapsed = Double(start.milliseconds(to: clock.now())) / 1000
            let remaining = timeout - elapsed
            guard wait, verdict.code == .paused, remaining > 0 else {
                return finish(verdict, step: step, journal: journal, status: status, elapsed: elapsed, waited: wait)
            }
            let pause = min(delay, remaining)
            announce(verdict, step: step, elapsed: elapsed, nextCheck: pause, checks: checks)
            try await clock.sleep(pause)
            delay = min(delay * 1.5, Self.maximumDelay)
        }
    }

    /// Decides for `step` from the journal alone.
    ///
    /// - Throws: ``SessionError/unknownStep(_:known:)`` when the plan has no such step.
    static func check(
        _ step: StepID,
        machine: RotationStateMachine,
        status: RotationStatus,
        path: String
    ) throws -> Verdict {
        guard machine.plan.step(step) != nil else {
            throw SessionError.unknownStep(step, known: machine.plan.steps.map(\.id))
        }
        if let done = machine.finished(step) {
            return Verdict(result: "passed", code: .success, message: "\(step) is done (since \(done))")
        }
        switch status.state {
        case .aborted, .aborting:
            return Verdict(
                result: "aborted", code: .stepFailed,
                message: "\(step) will not complete: the rotation was "
                    + (status.state == .aborted ? "aborted (rolled back)" : "being rolled back"),
                next: status.next
            )
        case .finished, .inProgress:
            break
        }
        if let failed = status.steps.first(where: { $0.state == .failed }) {
            return Verdict(
                result: "failed", code: .stepFailed,
                message: "\(step) is not done: \(failed.id) failed (\(failed.problem ?? "see 'rekey log \(path)'")); "
                    + "it won't complete until someone fixes the cause and resumes",
                next: status.next
            )
        }
        var why = status.blockedBy ?? "the rotation is at \(status.currentStep.map(\.rawValue) ?? "its end")"
        var waitingOn = status.waitingOn
        if status.blockedBy == nil {
            if let holder = RunningRotation.holder(of: path) {
                why +=
                    "; a rekey process is working on it (pid \(holder.pid) on \(holder.host), \(holder.command ?? "run"))"
            } else {
                why += "; no rekey process is running it"
                waitingOn = waitingOn ?? "someone to continue the rotation ('\(status.next ?? "rekey resume \(path)")')"
            }
        }
        return Verdict(
            result: "not-done", code: .paused, message: "\(step) is not done yet: \(why)", next: status.next,
            waitingOn: waitingOn)
    }

    // MARK: - Output

    private func announce(_ verdict: Verdict, step: StepID, elapsed: Double, nextCheck: Double, checks: Int) {
        if context.json {
            var fields: [String: JSONValue] = [
                "step": .string(step.rawValue),
                "message": .string(verdict.message),
                "elapsedMs": .number((elapsed * 1000).rounded()),
                "nextCheckMs": .number((nextCheck * 1000).rounded()),
            ]
            if let waitingOn = verdict.waitingOn { fields["waitingOn"] = .string(waitingOn) }
            context.terminal.out.line(JSONEventPrinter.line("waiting", fields))
        } else {
            context.terminal.err.line(
                "waiting for \(step) (\(JobSummary.duration(Int(elapsed * 1000))) so far, check \(checks), next in "
                    + "\(JobSummary.duration(Int(nextCheck * 1000)))): \(verdict.message)"
            )
        }
    }

    private func finish(
        _ verdict: Verdict,
        step: StepID,
        journal: String,
        status: RotationStatus,
        elapsed: Double,
        waited: Bool
    ) -> ExitCode {
        var message = verdict.message
        if verdict.code == .paused, waited { message += " (gave up after \(JobSummary.duration(Int(elapsed * 1000))))" }
        if context.json {
            var fields: [String: JSONValue] = [
                "journal": .string(status.journal),
                "step": .string(step.rawValue),
                "result": .string(verdict.result),
                "exitCode": .number(Double(verdict.code.rawValue)),
                "message": .string(message),
                "elapsedMs": .number((elapsed * 1000).rounded()),
            ]
            if let next = verdict.next, verdict.code != .success { fields["next"] = .string(next) }
            if let waitingOn = verdict.waitingOn { fields["waitingOn"] = .string(waitingOn) }
            context.terminal.out.line(JSONEventPrinter.line("gate", fields))
        } else {
            let out = context.terminal.out
            out.line(message)
            if let waitingOn = verdict.waitingOn, verdict.code != .success { out.line("Waiting on: \(waitingOn)") }
            if let next = verdict.next, verdict.code != .success { out.line("Next: \(next)") }
        }
        if let github = GitHubActions.detect(terminal: context.terminal, json: context.json) {
            switch verdict.code {
            case .success: github.notice(message, title: "rekey gate \(step): passed")
            case .paused: github.warning(message, title: "rekey gate \(step): not done")
            default: github.error(message, title: "rekey gate \(step): \(verdict.result)")
            }
            github.appendSummary(
                JobSummary.markdown(status: status, headline: "gate \(step): \(verdict.result)", next: verdict.next),
                reportingTo: context.terminal
            )
        }
        return verdict.code
    }
}
