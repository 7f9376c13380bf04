/// API keys, last step: delete the replaced keys. Deletion revokes a key at once and can't be undone: the
/// point of no return when nothing comes before it.
public struct DeleteOldAPIKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .deleteOldAPIKeys }
    public var undo: StepUndo { .irreversible }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Delete the old API keys",
            items: input.apiKeyReplacements.map {
                PlannedItem(id: $0.oldID, summary: "delete '\($0.oldName ?? $0.oldID)' (\($0.oldID))")
            },
            automatic: input.capabilities.contains(.deleteAPIKey)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        guard input.capabilities.contains(.deleteAPIKey) else {
            return input.guidedCalls(.deleteAPIKey(id: item, name: input.apiKeyReplacement(item)?.oldName), kind: .api)
        }
        return [
            "observe: " + input.call(.listKeys(.api)), "act: " + input.call(.deleteKey(.api, id: item)),
            "verify: " + input.call(.listKeys(.api)),
        ]
    }

    /// Before the deletion: the replacement is on the platform, and every app that used the old key holds it.
    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        try await context.checkAPIKeyReplaced(item, &findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let keys = try await context.keys(.api)
        guard !keys.contains(where: { $0.id == item }) else { return nil }
        return ItemOutcome(keyID: item, name: oldName(item, context), detail: "deleted")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let name = oldName(item, context)
        return (
            "delete old API key \(name.map { "'\($0)' " } ?? "")(\(item))", "\(context.plan.rotationID)/\(id)/\(item)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let platform = context.platform
        guard platform.capabilities.contains(.deleteAPIKey) else {
            return try await context.guide(.deleteAPIKey(id: item, name: oldName(item, context))) {
                try await observe(item, in: context)
            }
        }
        try await context.write(
            "delete API key \(item)",
            reconcile: { try await observe(item, in: context) == nil ? nil : () },
            perform: {
                do {
                    try await platform.deleteKey(.api, id: item)
                } catch PlatformError.notFound {
                    return
                }
            }
        )
        await context.secrets.invalidate(.api)
        return ItemOutcome(keyID: item, name: oldName(item, context), detail: "deleted")
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("API key \(item) is still listed after deletion")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "deleted '\(outcome.name ?? item)' (\(item))"
    }

    private func oldName(_ item: String, _ context: StepContext) -> String? {
        context.plan.baseline.apiKeys?.first { $0.id == item }?.name
    }
}
