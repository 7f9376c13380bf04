import RekeyCore
import Synchronization

/// Prints run events as a checklist for a person at a terminal.
///
/// Each event is written with one `write` call, so lines from concurrent items never interleave.
final class ProgressPrinter: RunObserver {
    private let terminal: Terminal
    private let steps: Mutex<[StepID: Int]>
    private let total: Mutex<Int>

    init(terminal: Terminal) {
        self.terminal = terminal
        self.steps = Mutex([:])
        self.total = Mutex(0)
    }

    /// Tells the printer the plan, for step numbers.
    func use(_ plan: RotationPlan) {
        steps.withLock { steps in
            for (index, step) in plan.steps.enumerated() { steps[step.id] = index + 1 }
        }
        total.withLock { $0 = plan.steps.count }
    }

    func handle(_ event: RunEvent) {
        let out = terminal.out
        switch event {
        case .stepStarted(let step):
            let number = steps.withLock { $0[step.id] }.map { "[\($0)/\(total.withLock { $0 })] " } ?? ""
            var text = "\n"
            if step.pointOfNoReturn {
                text +=
                    out.styled("── point of no return: after this step the old key is gone ──", .yellow, .bold) + "\n"
            }
            text += out.styled("\(number)\(step.id)", .bold) + out.styled("  \(step.title)", .dim)
            if !step.automatic { text += out.styled("  (guided)", .cyan) }
            out.line(text)
        case .itemStarted, .began:
            break
        case .itemDone(_, let summary, let adopted, _):
            out.line(
                "  " + out.styled("✓", .green) + " " + summary + (adopted ? out.styled("  (already done)", .dim) : ""))
        case .itemFailed(let ref, let error, _):
            out.line("  " + out.styled("✗", .red) + " \(ref.item): \(error)")
        case .retrying(let ref, let error, let delay, let attempt):
            let who = ref.map { "\($0.item): " } ?? ""
            out.line(out.styled("  ↻ \(who)retry \(attempt) in \(Self.seconds(delay)) after: \(error)", .dim))
        case .waiting(let ref, let message):
            let who = ref.map { "\($0.item): " } ?? ""
            out.line("  " + out.styled("…", .yellow) + " \(who)\(message)")
        case .guided(let ref, let instructions):
            var text = "  " + out.styled("➜ A person must do this now (\(ref.item)):", .cyan, .bold) + "\n"
            text += instructions.map { "      \($0)" }.joined(separator: "\n")
            out.line(text)
        case .approved(let step, let by, let via):
            out.line("  " + out.styled("✓", .green) + " \(step) approved by \(by) (\(via))")
        case .stepDone:
            break
        case .undone(let ref, let summary):
            out.line("  " + out.styled("↺", .yellow) + " \(ref): \(summary)")
        case .warning(let message):
            terminal.err.line(terminal.err.styled("warning:", .yellow, .bold) + " " + message)
        case .note(let message):
            out.line(out.styled("  note: \(message)", .dim))
        }
    }

    static func seconds(_ value: Double) -> String {
        value < 1 ? "\(Int(value * 1000)) ms" : String(format: "%.1f s", value)
    }
}
