/// Step 1: create a new, inactive signing key.
///
/// Idempotency: the plan lists every signing key that existed; an inactive key that is not among
/// them is the one this rotation created (the planner refuses to start while an inactive key exists).
public struct CreateSigningKeyStep: StepBehavior {
    public init() {}
    public var id: StepID { .createSigningKey }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let known = Set(context.plan.baseline.signingKeys.map(\.id))
        let keys = try await context.secrets.keys(.signing, refresh: true)
        guard let created = keys.first(where: { !known.contains($0.id) && $0.isActive != true }) else { return nil }
        return ItemOutcome(keyID: created.id, fingerprint: created.fingerprint)
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        ("create a new inactive signing key", "\(context.plan.rotationID)/\(id)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let platform = context.platform
        guard platform.capabilities.contains(.createSigningKey) else {
            return try await context.guide(.createSigningKey) { try await observe(item, in: context) }
        }
        let key = try await context.write(
            "create signing key",
            reconcile: {
                try await observe(item, in: context).map { PlatformKey(kind: .signing, id: $0.keyID ?? "") }
            },
            perform: { try await platform.createKey(NewKeyRequest(kind: .signing)) }
        )
        await context.secrets.invalidate(.signing)
        if key.secret == nil, let observed = try await observe(item, in: context) { return observed }
        return ItemOutcome(keyID: key.id, fingerprint: key.fingerprint)
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let keys = try await context.secrets.keys(.signing, refresh: true)
        guard let key = keys.first(where: { $0.id == outcome.keyID }) else {
            throw StepError.verificationFailed("the new signing key \(outcome.keyID ?? "?") is not listed by the platform")
        }
        guard key.isActive != true else {
            throw StepError.verificationFailed("the new signing key \(key.id) is already active")
        }
        if let expected = outcome.fingerprint, key.fingerprint != expected {
            throw StepError.verificationFailed("the new signing key \(key.id) does not have fingerprint \(expected)")
        }
        guard let secret = key.secret, InngestSigningKey.isValid(secret.exposeValue()) else {
            throw StepError.verificationFailed(
                "the new signing key \(key.id) is not of the form signkey-<env>-<64 hex>; refusing to distribute it"
            )
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        guard let created = try await observe(item, in: context), let id = created.keyID else { return nil }
        let platform = context.platform
        if platform.capabilities.contains(.deleteSigningKey) {
            try await context.write(
                "delete signing key \(id)",
                reconcile: { try await observe(item, in: context) == nil ? () : nil },
                perform: {
                    do {
                        try await platform.deleteKey(.signing, id: id)
                    } catch PlatformError.notFound {
                        return
                    }
                }
            )
            await context.secrets.invalidate(.signing)
        } else {
            _ = try await context.guide(.deleteSigningKey(id: id)) {
                try await observe(item, in: context) == nil ? ItemOutcome(keyID: id) : nil
            }
        }
        return ItemOutcome(keyID: id, fingerprint: created.fingerprint, detail: "deleted")
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "new signing key \(outcome.keyID ?? "?") (fingerprint \(outcome.fingerprint?.hex ?? "?"), inactive)"
    }
}
