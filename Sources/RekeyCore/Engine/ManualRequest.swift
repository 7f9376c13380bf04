/// What a person is asked to change in a manual target: each variable with the fingerprint of the value
/// to set, or `nil` to delete it. Journaled (in the `paused` record, or the `failed` record of a
/// rollback) so that `rekey reveal` knows which value to show and a later `--approve` confirms exactly
/// this request.
public struct ManualRequest: Sendable, Equatable {
    /// The app.
    public var app: String
    /// The step and item that wait.
    public var item: ItemRef
    /// Where the person makes the change (the playbook's `where`).
    public var location: String
    /// Variable → fingerprint of the value to set, or `nil` to delete the variable.
    public var variables: [String: Fingerprint?]
    /// The journal, for the commands shown.
    public var journal: String
    /// Whether this is a rollback (`rekey abort`) rather than the rotation going forward.
    public var isUndo: Bool

    public init(
        app: String,
        item: ItemRef,
        location: String,
        variables: [String: Fingerprint?],
        journal: String,
        isUndo: Bool = false
    ) {
        self.app = app
        self.item = item
        self.location = location
        self.variables = variables
        self.journal = journal
        self.isUndo = isUndo
    }

    /// The command that continues once the change is made.
    public var continueCommand: String {
        isUndo ? "rekey abort \(journal)" : "rekey resume \(journal)"
    }

    /// One line for the journal and the final message.
    public var message: String {
        let names = variables.keys.sorted()
        let sets = names.filter { variables[$0] != .some(nil) }
        let deletes = names.filter { variables[$0] == .some(nil) }
        var parts: [String] = []
        if !sets.isEmpty { parts.append("set " + sets.joined(separator: ", ")) }
        if !deletes.isEmpty { parts.append("delete " + deletes.joined(separator: ", ")) }
        let reveal = sets.isEmpty ? "" : "show a value with 'rekey reveal \(journal) --app \(app) --var NAME', "
        return "app '\(app)' waits for a person to \(parts.joined(separator: " and ")) in \(location); \(reveal)"
            + "then '\(continueCommand)' (add --approve \(item.step) if rekey can't check the app)"
    }

    /// What to do, line by line, for the terminal: names and fingerprints, never a value.
    public var instructions: [String] {
        var lines = ["Change app '\(app)' by hand in \(location):"]
        for name in variables.keys.sorted() {
            switch variables[name] {
            case .some(.some(let fingerprint)):
                lines.append("  \(name) = the value with fingerprint \(fingerprint)")
                lines.append(
                    "      show it (on a terminal, journaled): rekey reveal \(journal) --app \(app) --var \(name)")
            default:
                lines.append("  \(name): delete the variable (never leave it set to an empty value)")
            }
        }
        lines.append("Redeploy the app if the change does not do it, then continue: \(continueCommand)")
        lines.append(
            "If rekey can't check the app (no introspection), confirm that you made the change: "
                + "\(continueCommand) --approve \(item.step)")
        return lines
    }

    /// The outcome stored in the pause record: the request, by fingerprint.
    public var outcome: ItemOutcome {
        ItemOutcome(variables: variables, detail: "waiting for a person: manual target (\(location))")
    }

    /// The latest request journaled for each item (from `paused` and `failed` records whose outcome lists
    /// variables), in journal order.
    public static func journaled(in records: [JournalRecord]) -> [ItemRef: [String: Fingerprint?]] {
        var requests: [ItemRef: [String: Fingerprint?]] = [:]
        for record in records where record.type == .paused || record.type == .failed {
            guard let step = record.step, let item = record.item, let variables = record.data.outcome?.variables else {
                continue
            }
            requests[ItemRef(step: step, item: item)] = variables
        }
        return requests
    }
}
