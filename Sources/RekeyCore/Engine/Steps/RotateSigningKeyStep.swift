/// Step 6: promote the new signing key; the platform deletes the old one. The point of no return.
public struct RotateSigningKeyStep: StepBehavior {
    public init() {}
    public var id: StepID { .rotateSigningKey }
    public var undo: StepUndo { .irreversible }

    public func plan(_ input: PlanningInput) -> StepPlan {
        let old = input.activeSigningKey
        return StepPlan(
            title: "Rotate: promote the new signing key; the platform deletes the old one",
            items: [
                PlannedItem(
                    id: SigningKeyItem.id,
                    summary: "promote the new key; delete \(old?.id ?? "?") (\(input.oldSigningKeyFingerprint))")
            ],
            automatic: input.capabilities.contains(.promoteSigningKey)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        input.keyCalls(
            kind: .signing,
            act: .promoteSigningKey(id: "<new signing key>"),
            automatic: input.capabilities.contains(.promoteSigningKey),
            guided: .promoteSigningKey(id: "<new signing key>")
        ) + ["the platform deletes \(input.activeSigningKey?.id ?? "?"), the old signing key"]
    }

    /// Before the promotion: the platform still has the planned keys and nothing else, and every app is
    /// configured with and runs the new key.
    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        try await context.checkSigningKeysBeforePromotion(&findings)
        try await context.checkAppsAcceptNewSigningKey(&findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let new = try context.newSigningKey()
        let old = try context.oldSigningKey()
        let keys = try await context.keys(.signing)
        guard let promoted = keys.first(where: { $0.id == new.id }), promoted.isActive == true,
            !keys.contains(where: { $0.id == old.id })
        else { return nil }
        return ItemOutcome(keyID: promoted.id, fingerprint: promoted.fingerprint, detail: "active; \(old.id) deleted")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let new = (try? context.newSigningKey().id) ?? "?"
        let old = (try? context.oldSigningKey().id) ?? "?"
        return ("promote signing key \(new); the platform deletes \(old)", "\(context.plan.rotationID)/\(id)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let new = try context.newSigningKey()
        let platform = context.platform
        guard platform.capabilities.contains(.promoteSigningKey) else {
            return try await context.guide(.promoteSigningKey(id: new.id)) { try await observe(item, in: context) }
        }
        try await context.write(
            "promote signing key \(new.id)",
            reconcile: { try await observe(item, in: context) == nil ? nil : () },
            perform: { try await platform.promoteSigningKey(id: new.id) }
        )
        await context.secrets.invalidate(.signing)
        guard let outcome = try await observe(item, in: context) else {
            throw StepError.verificationFailed("after promotion, \(new.id) is not the only active signing key")
        }
        return outcome
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("the new signing key is not active, or the old key still exists")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "signing key \(outcome.keyID ?? "?") (fingerprint \(outcome.fingerprint?.hex ?? "?")) is active; "
            + "old key \((try? context.oldSigningKey().id) ?? "?") deleted"
    }
}
