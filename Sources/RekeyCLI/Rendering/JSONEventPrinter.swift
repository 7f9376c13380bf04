import Foundation
import RekeyCore
import Synchronization

/// Prints run events as JSON Lines on standard output (`--json`): one object per line with
/// `"schema": "rekey.events/v1"`, an `event` name, and ids, names and fingerprints only.
final class JSONEventPrinter: RunObserver {
    static let schema = "rekey.events/v1"
    private let terminal: Terminal
    private let clock: @Sendable () -> Timestamp

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
            fields["step"] = .string(step.id.rawValue)
            fields["title"] = .string(step.title)
            fields["pointOfNoReturn"] = .bool(step.pointOfNoReturn)
            fields["automatic"] = .bool(step.automatic)
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
        case .began(let plan, let journal, let resumed):
            name = resumed ? "resumed" : "started"
            fields["rotationID"] = .string(plan.rotationID)
            fields["planHash"] = .string(plan.hash)
            fields["journal"] = .string(journal)
            fields["steps"] = .array(plan.steps.map { .string($0.id.rawValue) })
        }
        emit(name, fields)
    }

    /// Writes one event line.
    func emit(_ name: String, _ fields: [String: JSONValue]) {
        var object = JSONObject()
        object["schema"] = .string(Self.schema)
        object["event"] = .string(name)
        object["at"] = .string(clock().description)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { object[key] = value }
        terminal.out.line(JSONValue.object(object).serialized())
    }
}
