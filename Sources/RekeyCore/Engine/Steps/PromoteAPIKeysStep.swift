/// API keys (plugins that have the notion): make each new key the platform's primary key. Irreversible:
/// the point of no return when the procedure has it.
public struct PromoteAPIKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .promoteAPIKeys }
    public var undo: StepUndo { .irreversible }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Promote every new API key to primary",
            items: input.apiKeyReplacements.map {
                PlannedItem(id: $0.oldID, summary: "promote '\($0.newName)' (replaces \($0.oldID))")
            },
            automatic: input.capabilities.contains(.promoteAPIKey)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        guard input.capabilities.contains(.promoteAPIKey) else {
            let name = input.apiKeyReplacement(item)?.newName
            return input.guidedCalls(.promoteAPIKey(id: "<new key>", name: name), kind: .api)
        }
        return [
            "observe: " + input.call(.listKeys(.api)),
            "act: \(input.platform.kind): promoteKey(api, <new key replacing \(item)>)",
            "verify: " + input.call(.listKeys(.api)),
        ]
    }

    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        try await context.checkAPIKeyReplaced(item, &findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let new = try context.newAPIKey(replacing: item)
        let keys = try await context.keys(.api)
        guard let key = keys.first(where: { $0.id == new.id }), key.isActive == true else { return nil }
        return ItemOutcome(keyID: key.id, fingerprint: new.fingerprint, name: key.name, detail: "primary")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let new = (try? context.newAPIKey(replacing: item).id) ?? "?"
        return ("promote API key \(new) (replaces \(item))", "\(context.plan.rotationID)/\(id)/\(item)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let new = try context.newAPIKey(replacing: item)
        let platform = context.platform
        guard platform.capabilities.contains(.promoteAPIKey) else {
            let name = context.plan.replacement(forAPIKey: item)?.newName
            return try await context.guide(.promoteAPIKey(id: new.id, name: name)) {
                try await observe(item, in: context)
            }
        }
        try await context.write(
            "promote API key \(new.id)",
            reconcile: { try await observe(item, in: context) == nil ? nil : () },
            perform: { try await platform.promoteKey(.api, id: new.id) }
        )
        await context.secrets.invalidate(.api)
        guard let outcome = try await observe(item, in: context) else {
            throw StepError.verificationFailed("after promotion, API key \(new.id) is not the primary key")
        }
        return outcome
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("API key \(outcome.keyID ?? "?") is not the primary key")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "API key \(outcome.keyID ?? "?") (fingerprint \(outcome.fingerprint?.hex ?? "?")) is primary; replaces \(item)"
    }
}
