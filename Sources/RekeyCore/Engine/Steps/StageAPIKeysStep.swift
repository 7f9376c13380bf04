/// API keys, step 2: each app gets the new key that replaces the one it used, in the variable the
/// playbook names (`EVENTNERDS_API_KEY`).
///
/// The old key can't be read back from a platform that shows keys once, so before overwriting it the step
/// seals the value the app held into its `done` record: `rekey abort` puts it back from there.
public struct StageAPIKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .stageAPIKeys }
    public var undo: StepUndo { .restoreTargets }
    public var cost: CriticalPath.Cost { CriticalPath.Cost(perItem: 0) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Give every app the new API key that replaces the one it uses",
            items: input.baseline.apps.filter { $0.apiKeyID != nil }.map { app in
                let replacement = input.apiKeyReplacements.first { $0.oldID == app.apiKeyID }
                return PlannedItem(
                    id: app.name,
                    summary: "\(app.name): \(app.apiKeyVariable ?? "?")=<'\(replacement?.newName ?? "?")'> "
                        + "(was \(app.apiKey?.description ?? "?"))")
            }
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        let variable = input.app(item).map(input.playbook.apiKeyVariable(of:)) ?? "?"
        return ["unseal the new key from the journal"] + input.targetCalls(item, set: [variable])
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let new = try context.newAPIKey(replacing: try context.oldAPIKeyID(ofApp: item))
        let variable = try context.apiKeyVariable(ofApp: item)
        let state = try await context.readVariables([variable], ofApp: item)
        guard let fingerprint = new.fingerprint, case .present(let value)? = state[variable],
            value.utf8Fingerprint == fingerprint
        else { return nil }
        return ItemOutcome(variables: [variable: fingerprint], detail: "holds \(new.id)")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let summary = (try? context.target(item).summary) ?? item
        let variable = (try? context.apiKeyVariable(ofApp: item)) ?? "the API key variable"
        return ("set \(variable) (new) in \(summary)", "\(context.plan.rotationID)/\(id)/\(item)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let new = try context.newAPIKey(replacing: try context.oldAPIKeyID(ofApp: item))
        let variable = try context.apiKeyVariable(ofApp: item)
        let secret = try await context.secret(.api, id: new.id, fingerprint: new.fingerprint)
        // Keep what the app holds now, sealed, where nothing else could give it back on abort.
        var previous: SealedSecret?
        if context.mustSeal(.api),
            case .present(let value)? = try await context.readVariables([variable], ofApp: item)[variable],
            value.utf8Fingerprint != secret.utf8Fingerprint
        {
            previous = try context.seal(value)
        }
        let note = try await applyTarget(item, [.set(name: variable, value: secret)], context)
        return ItemOutcome(
            variables: [variable: secret.utf8Fingerprint],
            detail: ["holds \(new.id)", note].compactMap { $0 }.joined(separator: "; "),
            sealed: previous
        )
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let variable = try context.apiKeyVariable(ofApp: item)
        let state = try await context.readVariables([variable], ofApp: item)
        guard state[variable] != .unreadable else { return }
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("\(try context.target(item).summary) does not hold the new API key")
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let variable = try context.apiKeyVariable(ofApp: item)
        let before = context.plan.baseline.app(item)?.apiKey ?? .unreadable
        let change: VariableChange
        switch before {
        case .absent, .empty:
            // Never write `NAME=`: remove what rekey wrote.
            change = .remove(name: variable)
        case .present(let fingerprint):
            guard let value = try previousValue(item, context, fingerprint: fingerprint) else {
                context.observer.handle(
                    .warning(
                        "\(item): can't restore \(variable): its original value (fingerprint \(fingerprint)) was not "
                            + "kept; set it back by hand"))
                return ItemOutcome(detail: "not restored: set \(variable) back by hand")
            }
            change = .set(name: variable, value: value)
        case .unreadable:
            guard let value = try previousValue(item, context, fingerprint: nil) else {
                context.observer.handle(
                    .warning(
                        "\(item): can't restore \(variable): its target can't be read, so rekey never saw the old "
                            + "value; set it back by hand"))
                return ItemOutcome(detail: "not restored: set \(variable) back by hand")
            }
            change = .set(name: variable, value: value)
        }
        let note = try await applyTarget(item, [change], context)
        let written: Fingerprint? = if case .set(_, let value) = change { value.utf8Fingerprint } else { nil }
        let restored = "restored \(variable)=\(written?.hex ?? "(removed)") in \(try context.target(item).summary)"
        return ItemOutcome(variables: [variable: written], detail: note.map { "\(restored); \($0)" } ?? restored)
    }

    /// The value the app held before this step wrote: sealed in the step's own `done` record, or (when
    /// that record adopted the write after a crash, with nothing sealed) in another app's record, if that
    /// app held the same value (`fingerprint`).
    private func previousValue(_ item: String, _ context: StepContext, fingerprint: Fingerprint?) throws -> Secret? {
        let own = ItemRef(step: id, item: item)
        var candidates = [own]
        if let fingerprint {
            candidates += (context.plan.step(id)?.items ?? []).map { ItemRef(step: id, item: $0.id) }.filter {
                $0 != own && context.plan.baseline.app($0.item)?.apiKey == .present(fingerprint)
            }
        }
        for ref in candidates {
            guard let sealed = context.outcomes[ref]?.sealed else { continue }
            guard let key = context.sealKey else {
                throw StepError.precondition(
                    SealError.keyMissing(steps: [id], platform: context.platform.kind).description)
            }
            let value: Secret
            do {
                value = try sealed.open(with: key, binding: SealBinding(rotationID: context.plan.rotationID, ref: ref))
            } catch {
                throw StepError.precondition(error.description)
            }
            if fingerprint == nil || value.utf8Fingerprint == fingerprint { return value }
        }
        return nil
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        let variable = (try? context.apiKeyVariable(ofApp: item)) ?? "API key"
        let fingerprint = outcome.variables?[variable].flatMap { $0 }
        return "\(item): \(variable)=\(fingerprint?.hex ?? "?") (\(outcome.detail ?? "new key"))"
    }
}
