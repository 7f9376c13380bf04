/// Step 1: create a new, inactive signing key.
///
/// Idempotency: the plan lists every signing key that existed; an inactive key that is not among
/// them is the one this rotation created (the planner refuses to start while an inactive key exists,
/// unless `--force` makes the plan adopt it).
///
/// Where the platform shows a new key's secret only once, the secret is sealed into the `done` record
/// (``ItemOutcome/sealed``), and a key created by an attempt that never journaled it is deleted and
/// replaced rather than adopted (its secret is lost).
public struct CreateSigningKeyStep: StepBehavior {
    public init() {}
    public var id: StepID { .createSigningKey }
    public var undo: StepUndo { .deleteCreated }
    public var sealing: StepSealing { .whenShownOnce(.signing) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Create a new signing key (inactive until the rotation)",
            items: [PlannedItem(id: SigningKeyItem.id, summary: "create an inactive signing key")],
            automatic: input.capabilities.contains(.createSigningKey)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        input.keyCalls(
            kind: .signing,
            act: .createKey(.signing, name: nil, filter: nil),
            automatic: input.capabilities.contains(.createSigningKey),
            guided: .createSigningKey
        )
    }

    /// Before abort deletes the new key: no app is configured with it or runs it any more.
    public func undoPreflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        guard let created = try await createdKeys(context).first, let fingerprint = created.fingerprint else {
            return nil
        }
        var findings = CheckFindings()
        try await context.checkNoAppUses(.signing, fingerprint: fingerprint, keyID: created.id, &findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let found = try await createdKeys(context)
        try context.refuseForeign(found.filter { $0.id != context.plan.adoptedSigningKeyID }, kind: .signing)
        guard !context.mustSeal(.signing), let created = found.first else { return nil }
        return ItemOutcome(keyID: created.id, fingerprint: created.fingerprint)
    }

    /// Inactive keys the plan did not see (or adopted with `--force`): this rotation's.
    private func createdKeys(_ context: StepContext) async throws -> [PlatformKey] {
        let known = Set(context.plan.baseline.signingKeys.map(\.id))
        let adopted = context.plan.adoptedSigningKeyID
        let keys = try await context.keys(.signing)
        return keys.filter { (!known.contains($0.id) || $0.id == adopted) && $0.isActive != true }
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        ("create a new inactive signing key", "\(context.plan.rotationID)/\(id)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let platform = context.platform
        guard platform.capabilities.contains(.createSigningKey) else {
            return try await context.guide(.createSigningKey) { try await observe(item, in: context) }
        }
        if context.mustSeal(.signing) {
            let key = try await context.write(
                "create signing key",
                // A key created before a lost response has no secret we could know: never adopt it.
                reconcile: { nil },
                perform: {
                    let orphans = try await createdKeys(context)
                    for orphan in orphans where platform.capabilities.contains(.deleteSigningKey) {
                        try? await platform.deleteKey(.signing, id: orphan.id)
                    }
                    return try await platform.createKey(NewKeyRequest(kind: .signing))
                }
            )
            await context.secrets.invalidate(.signing)
            guard let secret = key.secret, KeyFormat.isValidSigningKey(secret) else {
                throw StepError.verificationFailed(
                    "the platform returned no valid secret for the new signing key \(key.id), and it shows secrets "
                        + "only once")
            }
            return ItemOutcome(keyID: key.id, fingerprint: key.fingerprint, sealed: try context.seal(secret))
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
        let keys = try await context.keys(.signing)
        guard let key = keys.first(where: { $0.id == outcome.keyID }) else {
            throw StepError.verificationFailed(
                "the new signing key \(outcome.keyID ?? "?") is not listed by the platform")
        }
        guard key.isActive != true else {
            throw StepError.verificationFailed("the new signing key \(key.id) is already active")
        }
        if context.mustSeal(.signing) {
            guard outcome.sealed != nil else {
                throw StepError.verificationFailed("the secret of the new signing key \(key.id) was not sealed")
            }
            return
        }
        if let expected = outcome.fingerprint, key.fingerprint != expected {
            throw StepError.verificationFailed("the new signing key \(key.id) does not have fingerprint \(expected)")
        }
        guard let secret = key.secret, KeyFormat.isValidSigningKey(secret) else {
            throw StepError.verificationFailed(
                "the new signing key \(key.id) is not of the form signkey-<env>-<64 hex>; refusing to distribute it"
            )
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        guard let created = try await createdKeys(context).first else { return nil }
        let id = created.id
        let platform = context.platform
        if platform.capabilities.contains(.deleteSigningKey) {
            try await context.write(
                "delete signing key \(id)",
                reconcile: { try await createdKeys(context).contains { $0.id == id } ? nil : () },
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
                try await createdKeys(context).contains { $0.id == id } ? nil : ItemOutcome(keyID: id)
            }
        }
        return ItemOutcome(
            keyID: id, fingerprint: created.fingerprint,
            detail: "deleted the new signing key \(id) (fingerprint \(created.fingerprint?.hex ?? "?")); "
                + "\(context.plan.baseline.activeSigningKey?.id ?? "the old key") stays active")
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "new signing key \(outcome.keyID ?? "?") (fingerprint \(outcome.fingerprint?.hex ?? "?"), inactive)"
    }
}
