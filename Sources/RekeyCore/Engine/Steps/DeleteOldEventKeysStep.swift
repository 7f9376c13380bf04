/// Step 8: delete the event keys that were replaced.
public struct DeleteOldEventKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .deleteOldEventKeys }
    public var undo: StepUndo { .irreversible }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Delete the old event keys",
            items: input.eventKeyReplacements.map {
                PlannedItem(id: $0.oldID, summary: "delete '\($0.oldName ?? $0.oldID)' (\($0.oldID))")
            },
            automatic: input.capabilities.contains(.deleteEventKey)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        input.keyCalls(
            kind: .event,
            act: .deleteKey(.event, id: item),
            automatic: input.capabilities.contains(.deleteEventKey),
            guided: .deleteEventKey(id: item, name: input.eventKeyReplacement(item)?.oldName)
        )
    }

    /// Before the deletion: the replacement is on the platform as planned, and every app that used the old
    /// key is configured with and runs the replacement.
    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        try await context.checkEventKeyReplaced(item, &findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let keys = try await context.keys(.event)
        guard !keys.contains(where: { $0.id == item }) else { return nil }
        let old = context.plan.baseline.eventKeys.first { $0.id == item }
        return ItemOutcome(keyID: item, fingerprint: old?.fingerprint, name: old?.name, detail: "deleted")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let name = context.plan.baseline.eventKeys.first { $0.id == item }?.name
        return (
            "delete old event key \(name.map { "'\($0)' " } ?? "")(\(item))", "\(context.plan.rotationID)/\(id)/\(item)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let platform = context.platform
        let name = context.plan.baseline.eventKeys.first { $0.id == item }?.name
        guard platform.capabilities.contains(.deleteEventKey) else {
            return try await context.guide(.deleteEventKey(id: item, name: name)) {
                try await observe(item, in: context)
            }
        }
        try await context.write(
            "delete event key \(item)",
            reconcile: { try await observe(item, in: context) == nil ? nil : () },
            perform: {
                do {
                    try await platform.deleteKey(.event, id: item)
                } catch PlatformError.notFound {
                    return
                }
            }
        )
        await context.secrets.invalidate(.event)
        let old = context.plan.baseline.eventKeys.first { $0.id == item }
        return ItemOutcome(keyID: item, fingerprint: old?.fingerprint, name: name, detail: "deleted")
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("event key \(item) is still listed after deletion")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "deleted '\(outcome.name ?? item)' (\(item), fingerprint \(outcome.fingerprint?.hex ?? "?"))"
    }
}
