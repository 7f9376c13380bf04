import RekeyCore

/// The `rekey.events/v1` schema: every event that `run`, `resume` and `gate` print with `--json`
/// (and the `error` event any `--json` command prints when it fails), with its fields.
///
/// Each line is one JSON object: `schema`, `event` and `at` (UTC time), then the event's fields. Within v1
/// a field is never removed, renamed or retyped; a consumer must ignore fields it doesn't know, since new
/// optional ones may be added. The README's "JSON output" section documents the same table, and the
/// tests check every printed line against it.
enum JSONEventSchema {
    /// The schema identifier in every line.
    static let identifier = "rekey.events/v1"

    /// A field's JSON type.
    enum FieldType: String, Sendable {
        case string
        case integer
        case number
        case boolean
        /// An array of strings.
        case strings = "string[]"
    }

    /// A field of an event.
    struct Field: Sendable {
        var name: String
        var type: FieldType
        var required: Bool
    }

    /// An event.
    struct Event: Sendable {
        var name: String
        var summary: String
        var fields: [Field]
    }

    /// The fields every event has.
    static let common: [Field] = [
        Field(name: "schema", type: .string, required: true),
        Field(name: "event", type: .string, required: true),
        Field(name: "at", type: .string, required: true),
    ]

    /// Every event, in the order a run prints them.
    static let events: [Event] = [
        Event(
            name: "started",
            summary: "a new rotation began (its journal was created)",
            fields: rotation
        ),
        Event(name: "resumed", summary: "a rotation continued from its journal", fields: rotation),
        Event(
            name: "warning",
            summary: "a hazard or a problem worth a look (an app's empty fallback, a changed playbook)",
            fields: [required("message", .string)]
        ),
        Event(name: "note", summary: "information", fields: [required("message", .string)]),
        Event(
            name: "step-started",
            summary: "a step began",
            fields: [
                required("step", .string), required("title", .string), required("index", .integer),
                required("total", .integer), required("pointOfNoReturn", .boolean), required("automatic", .boolean),
                required("requiresApproval", .boolean),
            ]
        ),
        Event(
            name: "item-started",
            summary: "an item's side effect is about to start (its intent is journaled)",
            fields: [
                required("step", .string), required("item", .string), required("action", .string),
                required("attempt", .integer),
            ]
        ),
        Event(
            name: "item-done",
            summary: "an item is done and verified (adopted: it was found already done)",
            fields: [
                required("step", .string), required("item", .string), required("summary", .string),
                required("adopted", .boolean), required("durationMs", .integer),
            ]
        ),
        Event(
            name: "retrying",
            summary: "a transient platform error; the call is retried after a delay",
            fields: [
                optional("step", .string), optional("item", .string), required("error", .string),
                required("delaySeconds", .number), required("attempt", .integer),
            ]
        ),
        Event(
            name: "failed",
            summary: "an item failed (the run stops once the items in flight return)",
            fields: [
                required("step", .string), required("item", .string), required("error", .string),
                required("retryable", .boolean),
            ]
        ),
        Event(
            name: "guided",
            summary: "a person must act (the platform's API can't): the instructions",
            fields: [required("step", .string), required("item", .string), required("instructions", .strings)]
        ),
        Event(
            name: "waiting",
            summary: "waiting for something outside rekey: an app's redeploy, a person, an approval (when the run "
                + "pauses: with waitingOn and next), or, from gate --wait, the step",
            fields: [
                optional("step", .string), optional("item", .string), required("message", .string),
                optional("waitingOn", .string), optional("next", .string), optional("elapsedMs", .integer),
                optional("nextCheckMs", .integer),
            ]
        ),
        Event(
            name: "approved",
            summary: "a step was approved (who, how, and the plan it is bound to)",
            fields: [
                required("step", .string), required("by", .string), required("via", .string),
                required("planHash", .string),
            ]
        ),
        Event(
            name: "step-done",
            summary: "a step is done",
            fields: [required("step", .string), required("durationMs", .integer)]
        ),
        Event(
            name: "undone",
            summary: "a rollback action is done (abort)",
            fields: [required("step", .string), required("item", .string), required("summary", .string)]
        ),
        Event(
            name: "finished",
            summary: "the command ended; always the last line of a run or resume",
            fields: [
                required("result", .string), required("exitCode", .integer), required("journal", .string),
                required("message", .string), required("durationMs", .integer), optional("step", .string),
                optional("next", .string), optional("waitingOn", .string),
            ]
        ),
        Event(
            name: "gate",
            summary: "the answer of rekey gate; always its last line",
            fields: [
                required("journal", .string), required("step", .string), required("result", .string),
                required("exitCode", .integer), required("message", .string), required("elapsedMs", .integer),
                optional("next", .string), optional("waitingOn", .string),
            ]
        ),
        Event(
            name: "error",
            summary: "the command failed before it could finish (a damaged journal, a stale plan, a lock); "
                + "the same message goes to standard error",
            fields: [
                required("message", .string), required("exitCode", .integer), required("exitName", .string),
                optional("differences", .strings),
            ]
        ),
    ]

    /// The values of `finished.result`.
    static let runResults = ["finished", "reached-until", "paused", "failed", "aborted", "interrupted"]
    /// The values of `gate.result`.
    static let gateResults = ["passed", "not-done", "failed", "aborted"]

    /// The event named `name`.
    static func event(_ name: String) -> Event? {
        events.first { $0.name == name }
    }

    /// The problems of one event object against the schema (empty when it conforms): a missing or
    /// mistyped field, or a field the schema doesn't declare.
    static func problems(_ object: JSONObject) -> [String] {
        guard let name = object["event"]?.stringValue, let event = event(name) else {
            return ["unknown event \(object["event"].map { $0.serialized() } ?? "(none)")"]
        }
        var problems: [String] = []
        let fields = common + event.fields
        for field in fields {
            guard let value = object[field.name] else {
                if field.required { problems.append("\(name): missing field '\(field.name)'") }
                continue
            }
            if !matches(value, field.type) {
                problems.append("\(name): field '\(field.name)' is not \(field.type.rawValue)")
            }
        }
        for key in object.keys where !fields.contains(where: { $0.name == key }) {
            problems.append("\(name): undeclared field '\(key)'")
        }
        if object["schema"]?.stringValue != identifier { problems.append("\(name): schema is not \(identifier)") }
        if let at = object["at"]?.stringValue, Timestamp(parsing: at) == nil {
            problems.append("\(name): 'at' is not a UTC timestamp")
        }
        return problems
    }

    private static func matches(_ value: JSONValue, _ type: FieldType) -> Bool {
        switch type {
        case .string: value.stringValue != nil
        case .integer: value.integerValue != nil
        case .number: value.numberValue != nil
        case .boolean: value.boolValue != nil
        case .strings: value.arrayValue?.allSatisfy { $0.stringValue != nil } == true
        }
    }

    private static let rotation: [Field] = [
        required("rotationID", .string), required("planHash", .string), required("journal", .string),
        required("environment", .string), required("platform", .string), required("steps", .strings),
    ]

    private static func required(_ name: String, _ type: FieldType) -> Field {
        Field(name: name, type: type, required: true)
    }

    private static func optional(_ name: String, _ type: FieldType) -> Field {
        Field(name: name, type: type, required: false)
    }
}
