/// Step 2: each app gets `INNGEST_SIGNING_KEY=new` and `INNGEST_SIGNING_KEY_FALLBACK=old`, in one
/// atomic write per app.
public struct StageSigningKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .stageSigningKeys }
    public var undo: StepUndo { .restoreTargets }
    public var cost: CriticalPath.Cost { CriticalPath.Cost(perItem: 0) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Give every app the new signing key, with the old one as fallback",
            items: input.playbook.apps.map {
                PlannedItem(
                    id: $0.name,
                    summary: "\($0.name): INNGEST_SIGNING_KEY=<new>, "
                        + "INNGEST_SIGNING_KEY_FALLBACK=\(input.oldSigningKeyFingerprint) "
                        + "(\($0.target.kind) \(RotationPlanner.display($0.target)))"
                )
            }
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        ["read the new and the old key: " + input.call(.listKeys(.signing))]
            + input.targetCalls(item, set: [InngestVariables.signingKey, InngestVariables.signingKeyFallback])
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let (newFingerprint, oldFingerprint) = try fingerprints(context)
        let state = try await readTarget(item, context)
        let primary = InngestVariables.snapshot(
            of: state[InngestVariables.signingKey], name: InngestVariables.signingKey)
        let fallback = InngestVariables.snapshot(
            of: state[InngestVariables.signingKeyFallback],
            name: InngestVariables.signingKeyFallback
        )
        guard primary == .present(newFingerprint), fallback == .present(oldFingerprint) else { return nil }
        return outcome(newFingerprint, oldFingerprint)
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let summary = (try? context.target(item).summary) ?? item
        return (
            "set INNGEST_SIGNING_KEY (new) and INNGEST_SIGNING_KEY_FALLBACK (old) in \(summary)",
            "\(context.plan.rotationID)/\(id)/\(item)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let new = try context.newSigningKey()
        let old = try context.oldSigningKey()
        let newSecret = try await context.secret(.signing, id: new.id, fingerprint: new.fingerprint)
        let oldSecret = try await context.secret(.signing, id: old.id, fingerprint: old.fingerprint)
        for secret in [newSecret, oldSecret] where !KeyFormat.isValidSigningKey(secret) {
            throw StepError.hazard("a signing key is not of the form signkey-<env>-<64 hex>; refusing to write it")
        }
        let note = try await applyTarget(
            item,
            [
                .set(name: InngestVariables.signingKey, value: newSecret),
                .set(name: InngestVariables.signingKeyFallback, value: oldSecret),
            ],
            context
        )
        let (newFingerprint, oldFingerprint) = try fingerprints(context)
        var result = outcome(newFingerprint, oldFingerprint)
        result.detail = note
        return result
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let state = try await readTarget(item, context)
        guard state.values.allSatisfy({ $0 != .unreadable }) else { return }
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed(
                "\(try context.target(item).summary) does not hold the staged signing keys")
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        try await TargetRestorer(context: context).restore(
            app: item,
            variables: [InngestVariables.signingKey, InngestVariables.signingKeyFallback]
        )
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        let (new, old) = ((try? fingerprints(context))?.0.hex ?? "?", (try? fingerprints(context))?.1.hex ?? "?")
        return "\(item): INNGEST_SIGNING_KEY=\(new), INNGEST_SIGNING_KEY_FALLBACK=\(old)"
    }

    private func fingerprints(_ context: StepContext) throws(StepError) -> (Fingerprint, Fingerprint) {
        guard let new = try context.newSigningKey().fingerprint, let old = try context.oldSigningKey().fingerprint
        else {
            throw .precondition("the signing keys' fingerprints are not recorded")
        }
        return (new, old)
    }

    private func outcome(_ new: Fingerprint, _ old: Fingerprint) -> ItemOutcome {
        ItemOutcome(variables: [InngestVariables.signingKey: new, InngestVariables.signingKeyFallback: old])
    }
}

/// Reads and writes an app's target, turning target errors into step errors.
func readTarget(_ app: String, _ context: StepContext) async throws -> [String: VariableState] {
    let target = try context.target(app)
    do {
        return try await target.read(InngestVariables.all)
    } catch {
        throw StepError.target("\(target.summary): \(error)")
    }
}

/// Writes `changes` to the app's target, after checking every value: an empty value, or one not of its
/// variable's form (``KeyFormat``), is a hazard and nothing is written. A manual target goes through
/// ``ManualTargetGate`` (a person makes the change).
///
/// - Returns: How a manual change was accepted (for the outcome's `detail`), `nil` for other targets.
@discardableResult
func applyTarget(_ app: String, _ changes: [VariableChange], _ context: StepContext) async throws -> String? {
    let target = try context.target(app)
    for change in changes {
        guard case .set(let name, let value) = change else { continue }
        if value.isEmpty {
            throw StepError.hazard("refusing to write an empty value for \(name) in \(target.summary)")
        }
        if let problem = KeyFormat.problem(writing: value, to: name) {
            throw StepError.hazard("refusing to write \(name) in \(target.summary): the value \(problem)")
        }
    }
    if let manual = target as? ManualTarget {
        return try await ManualTargetGate(context: context, app: app, target: manual).apply(changes)
    }
    do {
        try await target.apply(changes)
    } catch let error as ExecTargetError {
        // Already names the app and the command.
        throw StepError.target(error.description)
    } catch {
        throw StepError.target("\(target.summary): \(error)")
    }
    return nil
}
