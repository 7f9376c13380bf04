/// API keys, step 1: for each old API key, a new key with the planned name (the old name plus the rotation
/// suffix) and the same scope (EventNerds `event_id`).
///
/// Idempotency: the new name is the marker; a key with that name that the plan did not see is this
/// rotation's. Where the platform shows a key's secret only once (EventNerds), the secret is sealed into
/// the `done` record; a key found by name without a `done` record lost its secret in a crash, so it is
/// never adopted: the next attempt deletes it and creates another, and the `done` record names both.
public struct CreateAPIKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .createAPIKeys }
    public var undo: StepUndo { .deleteCreated }
    public var sealing: StepSealing { .whenShownOnce(.api) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Create new API keys: the same names plus the rotation suffix, the same scopes",
            items: input.apiKeyReplacements.map {
                PlannedItem(
                    id: $0.oldID,
                    summary: "'\($0.newName)' replaces '\($0.oldName ?? $0.oldID)' (\($0.oldID)), "
                        + Self.scopePhrase($0.scope))
            },
            automatic: input.capabilities.contains(.createAPIKey)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        let replacement = input.apiKeyReplacement(item)
        let name = replacement?.newName ?? "?"
        guard input.capabilities.contains(.createAPIKey) else {
            return input.guidedCalls(.createAPIKey(name: name, scope: replacement?.scope), kind: .api)
        }
        return [
            "observe: " + input.call(.listKeys(.api)),
            "act: " + input.call(.createKey(.api, name: name, filter: nil))
                + (replacement?.scope.map { " (scope \($0))" } ?? " (organisation-wide)")
                + "; the key is shown once: sealed in the journal",
            "verify: " + input.call(.listKeys(.api)),
        ]
    }

    /// Before abort deletes the new key: no app's configuration holds it any more.
    public func undoPreflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        guard let new = try? context.newAPIKey(replacing: item), let fingerprint = new.fingerprint else { return nil }
        var findings = CheckFindings()
        try await context.checkNoAppHoldsAPIKey(fingerprint, keyID: new.id, &findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let found = try await createdKeys(item, context)
        try context.refuseForeign(found, kind: .api)
        guard !context.mustSeal(.api), let created = found.first else { return nil }
        return outcome(created, secret: created.secret, context: context)
    }

    /// The keys with the planned name that the plan did not see: this rotation's.
    private func createdKeys(_ item: String, _ context: StepContext) async throws -> [PlatformKey] {
        let replacement = try context.apiKeyReplacement(item)
        let known = Set((context.plan.baseline.apiKeys ?? []).map(\.id))
        let keys = try await context.keys(.api)
        return keys.filter { !known.contains($0.id) && $0.name == replacement.newName }
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let key = "\(context.plan.rotationID)/\(id)/\(item)"
        guard let replacement = context.plan.replacement(forAPIKey: item) else {
            return ("create the replacement of API key \(item)", key)
        }
        return ("create API key '\(replacement.newName)' \(Self.scopePhrase(replacement.scope))", key)
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let replacement = try context.apiKeyReplacement(item)
        let platform = context.platform
        let request = NewKeyRequest(kind: .api, name: replacement.newName, scope: replacement.scope)
        guard platform.capabilities.contains(.createAPIKey) else {
            guard !context.mustSeal(.api) else {
                throw StepError.precondition(
                    "\(platform.kind) can't create API keys through its API, and shows a key only once: rekey can't "
                        + "learn a key a person creates; use a platform backend that can create keys"
                )
            }
            return try await context.guide(.createAPIKey(name: replacement.newName, scope: replacement.scope)) {
                try await observe(item, in: context)
            }
        }
        if context.mustSeal(.api) {
            let (key, orphans) = try await context.write(
                "create API key '\(replacement.newName)'",
                // A key created before a lost response has no secret we could know: never adopt it.
                reconcile: { nil },
                perform: {
                    let orphans = try await deleteOrphans(item, context)
                    return (try await platform.createKey(request), orphans)
                }
            )
            await context.secrets.invalidate(.api)
            guard let secret = key.secret, !secret.isEmpty else {
                throw StepError.verificationFailed(
                    "the platform returned no secret for the new API key \(key.id), and it shows keys only once"
                )
            }
            var result = outcome(key, secret: secret, context: context)
            result.sealed = try context.seal(secret)
            if !orphans.isEmpty {
                result.detail =
                    "replaces \(orphans.joined(separator: ", ")), created by an interrupted attempt whose secret "
                    + "was lost (deleted)"
            }
            return result
        }
        let key = try await context.write(
            "create API key '\(replacement.newName)'",
            reconcile: { try await createdKeys(item, context).first },
            perform: { try await platform.createKey(request) }
        )
        await context.secrets.invalidate(.api)
        return outcome(key, secret: key.secret, context: context)
    }

    /// Deletes the keys this rotation created for `item` whose secret was lost (a crash between the
    /// creation and its journal record). Returns their ids.
    private func deleteOrphans(_ item: String, _ context: StepContext) async throws -> [String] {
        let orphans = try await createdKeys(item, context)
        guard !orphans.isEmpty else { return [] }
        guard context.platform.capabilities.contains(.deleteAPIKey) else {
            context.observer.handle(
                .warning(
                    "API key \(orphans.map(\.id).joined(separator: ", ")) was created by an interrupted attempt and "
                        + "its secret is lost; delete it by hand"))
            return []
        }
        for orphan in orphans {
            do {
                try await context.platform.deleteKey(.api, id: orphan.id)
            } catch PlatformError.notFound {
                continue
            }
            context.observer.handle(
                .note("\(item): deleted API key \(orphan.id), created by an interrupted attempt (its secret was lost)"))
        }
        await context.secrets.invalidate(.api)
        return orphans.map(\.id)
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let replacement = try context.apiKeyReplacement(item)
        let keys = try await context.keys(.api)
        guard let key = keys.first(where: { $0.id == outcome.keyID }) else {
            throw StepError.verificationFailed("the new API key \(outcome.keyID ?? "?") is not listed by the platform")
        }
        guard key.scope == replacement.scope else {
            throw StepError.verificationFailed(
                "API key \(key.id) is \(Self.scopePhrase(key.scope)), but its old key was "
                    + Self.scopePhrase(replacement.scope)
            )
        }
        if context.mustSeal(.api), outcome.sealed == nil {
            throw StepError.verificationFailed("the secret of API key \(key.id) was not sealed")
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let created = try await createdKeys(item, context)
        guard !created.isEmpty else { return nil }
        let platform = context.platform
        for key in created {
            let id = key.id
            if platform.capabilities.contains(.deleteAPIKey) {
                try await context.write(
                    "delete API key \(id)",
                    reconcile: { try await createdKeys(item, context).contains { $0.id == id } ? nil : () },
                    perform: {
                        do {
                            try await platform.deleteKey(.api, id: id)
                        } catch PlatformError.notFound {
                            return
                        }
                    }
                )
                await context.secrets.invalidate(.api)
            } else {
                _ = try await context.guide(.deleteAPIKey(id: id, name: key.name)) {
                    try await createdKeys(item, context).contains { $0.id == id } ? nil : ItemOutcome(keyID: id)
                }
            }
        }
        return ItemOutcome(
            keyID: created[0].id, name: created[0].name,
            detail: "deleted the new API key \(created.map(\.id).joined(separator: ", ")) '\(created[0].name ?? "?")'; "
                + "\(item), which it replaced, stays")
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        let scope = context.plan.replacement(forAPIKey: item)?.scope
        return "'\(outcome.name ?? "?")' \(outcome.keyID ?? "?") (fingerprint \(outcome.fingerprint?.hex ?? "?")) "
            + "replaces \(item), \(Self.scopePhrase(scope))" + (outcome.sealed == nil ? "" : ", sealed in the journal")
    }

    private func outcome(_ key: PlatformKey, secret: Secret?, context: StepContext) -> ItemOutcome {
        ItemOutcome(keyID: key.id, fingerprint: secret?.utf8Fingerprint, name: key.name, detail: nil)
    }

    /// `scoped to event <id>` or `organisation-wide`.
    static func scopePhrase(_ scope: String?) -> String {
        scope.map { "scoped to \($0)" } ?? "organisation-wide"
    }
}
