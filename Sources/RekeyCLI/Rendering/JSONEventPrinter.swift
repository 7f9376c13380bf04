import Foundation
import RekeyCore
import Synchronization

/// Prints run events as JSON Lines on standard output (`--json`): one object per line with
/// `"schema": "rekey.events/v1"`, an `event` name, the time, and ids, names and fingerprints only.
/// ``JSONEventSchema`` declares every event and field.
final class JSONEventPrinter: RunObserver {
    static let schema = JSONEventSchema.identifier
    private let terminal: Terminal
    private let clock: @Sendable () -> Timestamp
    private let plan = Mutex<RotationPlan?>(nil)

    init(terminal: Terminal, clock: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.terminal = terminal
        self.clock = clock
    }

    func handle(_ event: RunEvent) {
        var fields: [String: JSONValue] = [:]
        func item(_ ref: ItemRef?) {
            guard let ref else { return }
            fields["step"] = .string(ref.step.rawValue)
            fields["item"] = .string(ref.item)
        }
        let name: String
        switch event {
        case .stepStarted(let step):
            name = "step-started"
            let steps = plan.withLock { $0?.steps.map(\.id) } ?? []
            fields["step"] = .string(step.id.rawValue)
            fields["title"] = .string(step.title)
            fields["index"] = .number(Double((steps.firstIndex(of: step.id) ?? 0) + 1))
            fields["total"] = .number(Double(max(steps.count, 1)))
            fields["pointOfNoReturn"] = .bool(step.pointOfNoReturn)
            fields["automatic"] = .bool(step.automatic)
            fields["requiresApproval"] = .bool(step.requiresApproval)
        case .itemStarted(let ref, let action, let attempt):
            name = "item-started"
            item(ref)
            fields["action"] = .string(action)
            fields["attempt"] = .number(Double(attempt))
        case .itemDone(let ref, let summary, let adopted, let duration):
            name = "item-done"
            item(ref)
            fields["summary"] = .string(summary)
            fields["adopted"] = .bool(adopted)
            fields["durationMs"] = .number(Double(duration))
        case .itemFailed(let ref, let error, let retryable):
            name = "failed"
            item(ref)
            fields["error"] = .string(error)
            fields["retryable"] = .bool(retryable)
        case .retrying(let ref, let error, let delay, let attempt):
            name = "retrying"
            item(ref)
            fields["error"] = .string(error)
            fields["delaySeconds"] = .number(delay)
            fields["attempt"] = .number(Double(attempt))
        case .waiting(let ref, let message):
            name = "waiting"
            item(ref)
            fields["message"] = .string(message)
        case .guided(let ref, let instructions):
            name = "guided"
            item(ref)
            fields["instructions"] = .array(instructions.map { .string($0) })
        case .approved(let step, let by, let via):
            name = "approved"
            fields["step"] = .string(step.rawValue)
            fields["by"] = .string(by)
            fields["via"] = .string(via)
            fields["planHash"] = .string(plan.withLock { $0?.hash } ?? "")
        case .stepDone(let step, let duration):
            name = "step-done"
            fields["step"] = .string(step.rawValue)
            fields["durationMs"] = .number(Double(duration))
        case .undone(let ref, let summary):
            name = "undone"
            item(ref)
            fields["summary"] = .string(summary)
        case .warning(let message):
            name = "warning"
            fields["message"] = .string(message)
        case .note(let message):
            name = "note"
            fields["message"] = .string(message)
        case .began(let began, let journal, let resumed):
            plan.withLock { $0 = began }
            name = resumed ? "resumed" : "started"
            fields["rotationID"] = .string(began.rotationID)
            fields["planHash"] = .string(began.hash)
            fields["journal"] = .string(journal)
            fields["environment"] = .string(began.playbook.environment ?? "?")
            fields["platform"] = .string(began.playbook.platformKind ?? "?")
            fields["steps"] = .array(began.steps.map { .string($0.id.rawValue) })
        }
        emit(name, fields)
    }

    /// Writes one event line. In debug builds, an event that doesn't follow ``JSONEventSchema`` stops the
    /// process, so tests catch a field added without documenting it.
    func emit(_ name: String, _ fields: [String: JSONValue]) {
        terminal.out.line(Self.line(name, fields, at: clock()))
    }

    /// One event line, without its newline.
    static func line(_ name: String, _ fields: [String: JSONValue], at: Timestamp = .now()) -> String {
        var object = JSONObject()
        object["schema"] = .string(schema)
        object["event"] = .string(name)
        object["at"] = .string(at.description)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { object[key] = value }
        assert(JSONEventSchema.problems(object).isEmpty, "\(JSONEventSchema.problems(object))")
        return JSONValue.object(object).serialized()
    }
}
