import RekeyCore

/// `rekey gate JOURNAL STEP [--wait] [--timeout DUR]`: exit 0 once STEP is done, 3 while it is not,
/// 1 if the rotation failed or was aborted, 65 for a bad journal.
struct GateCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        let arguments = context.arguments
        guard let stepName = arguments.positional(1) else { preconditionFailure("the parser requires STEP") }
        let step = try context.step(stepName)
        let wait = arguments.flag("wait")
        let timeout = try arguments.duration("timeout").map { Double($0.components.seconds) } ?? 3600
        let start = Timestamp.now()
        var delay = 1.0
        while true {
            let (_, machine, status) = try StatusCommand.load(context)
            guard machine.plan.step(step) != nil else {
                throw SessionError.unknownStep(step, known: machine.plan.steps.map(\.id))
            }
            if machine.finished(step) != nil {
                context.terminal.out.line("\(step) is done")
                return .success
            }
            if status.state == .aborted || status.state == .aborting {
                context.terminal.out.line("\(step) will not complete: the rotation was aborted")
                return .stepFailed
            }
            if let failed = status.steps.first(where: { $0.state == .failed }) {
                context.terminal.out.line("\(step) is not done: \(failed.id) failed (\(failed.problem ?? "see the log"))")
                return .stepFailed
            }
            let why = status.blockedBy ?? "the rotation is at \(status.currentStep.map(\.rawValue) ?? "?")"
            guard wait, Double(start.milliseconds(to: .now())) / 1000 < timeout else {
                context.terminal.out.line("\(step) is not done yet: \(why)")
                return .paused
            }
            context.terminal.err.line("waiting for \(step): \(why)")
            try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            delay = min(delay * 1.5, 30)
        }
    }
}
