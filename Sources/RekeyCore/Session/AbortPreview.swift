/// What `rekey abort` will do, read from the journal (changing nothing), for the confirmation a person
/// types before it starts: which apps get their values back, which keys are deleted once no app runs them,
/// and what stays.
public struct AbortPreview: Sendable, Equatable {
    /// The environment (what the person types to confirm).
    public var environment: String
    /// The rotation.
    public var rotationID: String
    /// One line per app whose configuration is put back.
    public var restores: [String]
    /// One line per key deleted (after every app runs its old keys again).
    public var deletes: [String]
    /// What stays as it is.
    public var keeps: [String]
    /// Whether an abort already started (a person confirmed it then): it continues without asking again.
    public var alreadyAborting: Bool

    /// The preview of aborting the rotation `machine` replayed.
    public init(machine: RotationStateMachine) {
        let plan = machine.plan
        environment = plan.playbook.environment ?? "production"
        rotationID = plan.rotationID
        alreadyAborting = machine.mode == .aborting
        restores = []
        deletes = []
        keeps = []
        for step in plan.steps where step.undoKind.isReversible {
            for item in step.items {
                let ref = ItemRef(step: step.id, item: item.id)
                switch machine.status(of: ref) {
                case .pending?, nil: continue
                default: break
                }
                let outcome = machine.outcome(ref)
                switch step.undoKind {
                case .restoreTargets:
                    let names =
                        (outcome?.variables?.keys.sorted()).map { $0.joined(separator: ", ") } ?? "its key variables"
                    restores.append("\(item.id): \(names) back to the values the plan found")
                case .deleteCreated:
                    if let id = outcome?.keyID {
                        let name = outcome?.name.map { " '\($0)'" } ?? ""
                        let replaced =
                            step.id == .createSigningKey || step.id == .addEventKeys
                            ? "" : ", which replaced \(item.id)"
                        deletes.append("\(id)\(name) (fingerprint \(outcome?.fingerprint?.hex ?? "?"))\(replaced)")
                    } else {
                        deletes.append(
                            "whatever \(ref) created (it started but its outcome is not journaled; rekey finds it)")
                    }
                case .none, .irreversible:
                    break
                }
            }
        }
        if let old = plan.baseline.activeSigningKey {
            keeps.append("the signing key \(old.id) (fingerprint \(old.fingerprint?.hex ?? "?")) stays active")
        }
        if !plan.eventKeyReplacements.isEmpty {
            keeps.append(
                "the \(plan.eventKeyReplacements.count) old event key(s) stay: "
                    + plan.eventKeyReplacements.map(\.oldID).joined(separator: ", "))
        }
        if let replacements = plan.apiKeyReplacements, !replacements.isEmpty {
            keeps.append("the old API key(s) stay: " + replacements.map(\.oldID).joined(separator: ", "))
        }
    }

    /// The lines shown before the typed confirmation.
    public var lines: [String] {
        var lines = ["rekey abort will roll back rotation \(rotationID) of environment '\(environment)':"]
        if restores.isEmpty, deletes.isEmpty {
            lines.append("  nothing was changed yet; the rotation is only marked aborted")
        }
        if !restores.isEmpty {
            lines.append("  1. put back each app's configuration:")
            lines += restores.map { "       \($0)" }
        }
        if !deletes.isEmpty {
            lines.append("  2. wait until every app runs its old keys again (redeploy them), then delete:")
            lines += deletes.map { "       \($0)" }
        }
        lines += keeps.map { "  \($0)" }
        return lines
    }
}
