/// Step 4: each app gets `INNGEST_EVENT_KEY=` the new key that replaces the one it used.
public struct StageEventKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .stageEventKeys }
    public var undo: StepUndo { .restoreTargets }
    public var cost: CriticalPath.Cost { CriticalPath.Cost(perItem: 0) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Give every app the new event key that replaces the one it uses",
            items: input.baseline.apps.filter { $0.eventKeyID != nil }.map { app in
                let replacement = input.eventKeyReplacements.first { $0.oldID == app.eventKeyID }
                return PlannedItem(
                    id: app.name,
                    summary: "\(app.name): INNGEST_EVENT_KEY=<'\(replacement?.newName ?? "?")'> "
                        + "(was \(app.eventKey.description))"
                )
            }
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        ["read the new event key: " + input.call(.listKeys(.event))]
            + input.targetCalls(item, set: [InngestVariables.eventKey])
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let new = try newKey(item, context)
        let state = try await readTarget(item, context)
        let current = InngestVariables.snapshot(of: state[InngestVariables.eventKey], name: InngestVariables.eventKey)
        guard let fingerprint = new.fingerprint, current == .present(fingerprint) else { return nil }
        return ItemOutcome(keyID: new.id, variables: [InngestVariables.eventKey: fingerprint])
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let summary = (try? context.target(item).summary) ?? item
        return ("set INNGEST_EVENT_KEY (new) in \(summary)", "\(context.plan.rotationID)/\(id)/\(item)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let new = try newKey(item, context)
        let secret = try await context.secret(.event, id: new.id, fingerprint: new.fingerprint)
        let note = try await applyTarget(item, [.set(name: InngestVariables.eventKey, value: secret)], context)
        return ItemOutcome(keyID: new.id, variables: [InngestVariables.eventKey: secret.utf8Fingerprint], detail: note)
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let state = try await readTarget(item, context)
        guard state[InngestVariables.eventKey] != .unreadable else { return }
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("\(try context.target(item).summary) does not hold the new event key")
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        try await TargetRestorer(context: context).restore(app: item, variables: [InngestVariables.eventKey])
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        let fingerprint = outcome.variables?[InngestVariables.eventKey].flatMap { $0 }
        return "\(item): INNGEST_EVENT_KEY=\(fingerprint?.hex ?? "?") (\(outcome.keyID ?? "?"))"
    }

    private func newKey(_ app: String, _ context: StepContext) throws(StepError) -> (
        id: String, fingerprint: Fingerprint?
    ) {
        guard let oldID = context.plan.baseline.app(app)?.eventKeyID else {
            throw .precondition("the plan recorded no event key for app '\(app)'")
        }
        return try context.newEventKey(replacing: oldID)
    }
}
