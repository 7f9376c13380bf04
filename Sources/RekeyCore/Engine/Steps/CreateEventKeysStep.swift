/// Step 3: for each old event key, a new key with the planned name and the same event and IP filters.
///
/// Idempotency: the new name (rendered from the playbook's template with the rotation's date or id)
/// is the marker; a key with that name that the plan did not see is this rotation's.
///
/// Where the platform shows a new key's secret only once, the secret is sealed into the `done` record
/// (``ItemOutcome/sealed``). A key found by name without a `done` record then lost its secret in a crash:
/// it is never adopted; the next attempt deletes it and creates another.
public struct CreateEventKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .createEventKeys }
    public var undo: StepUndo { .deleteCreated }
    public var sealing: StepSealing { .whenShownOnce(.event) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Create new event keys, copying each old key's event and IP filters",
            items: input.eventKeyReplacements.map {
                PlannedItem(
                    id: $0.oldID,
                    summary: "'\($0.newName)' replaces '\($0.oldName ?? $0.oldID)' (\($0.oldID)), \($0.filter.summary)"
                )
            },
            automatic: input.capabilities.contains(.createEventKey)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        let replacement = input.eventKeyReplacement(item)
        return input.keyCalls(
            kind: .event,
            act: .createKey(.event, name: replacement?.newName, filter: replacement?.filter),
            automatic: input.capabilities.contains(.createEventKey),
            guided: .createEventKey(name: replacement?.newName ?? "?", filter: replacement?.filter ?? .unrestricted)
        )
    }

    /// Before abort deletes the new key: no app is configured with it or runs it any more.
    public func undoPreflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        guard let created = try await createdKeys(item, context).first, let fingerprint = created.fingerprint,
            try await oldKeyRemains(item, context)
        else { return nil }
        var findings = CheckFindings()
        try await context.checkNoAppUses(.event, fingerprint: fingerprint, keyID: created.id, &findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let found = try await createdKeys(item, context)
        try context.refuseForeign(found, kind: .event)
        guard !context.mustSeal(.event), let created = found.first else { return nil }
        return ItemOutcome(
            keyID: created.id, fingerprint: created.fingerprint, name: created.name, filter: created.filter)
    }

    /// The keys with the planned name that the plan did not see: this rotation's.
    private func createdKeys(_ item: String, _ context: StepContext) async throws -> [PlatformKey] {
        let replacement = try replacement(item, context)
        let known = Set(context.plan.baseline.eventKeys.map(\.id))
        let keys = try await context.keys(.event)
        return keys.filter { !known.contains($0.id) && $0.name == replacement.newName }
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        guard let replacement = context.plan.replacement(forEventKey: item) else {
            return ("create the replacement of event key \(item)", "\(context.plan.rotationID)/\(id)/\(item)")
        }
        return (
            "create event key '\(replacement.newName)' with \(replacement.filter.summary)",
            "\(context.plan.rotationID)/\(id)/\(item)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let replacement = try replacement(item, context)
        let platform = context.platform
        guard platform.capabilities.contains(.createEventKey) else {
            return try await context.guide(.createEventKey(name: replacement.newName, filter: replacement.filter)) {
                try await observe(item, in: context)
            }
        }
        let request = NewKeyRequest(kind: .event, name: replacement.newName, filter: replacement.filter)
        if context.mustSeal(.event) {
            let key = try await context.write(
                "create event key '\(replacement.newName)'",
                // A key created before a lost response has no secret we could know: never adopt it.
                reconcile: { nil },
                perform: {
                    try await deleteOrphans(item, context)
                    return try await platform.createKey(request)
                }
            )
            await context.secrets.invalidate(.event)
            guard let secret = key.secret, !secret.isEmpty else {
                throw StepError.verificationFailed(
                    "the platform returned no secret for the new event key \(key.id), and it shows secrets only once"
                )
            }
            return ItemOutcome(
                keyID: key.id, fingerprint: key.fingerprint, name: key.name, filter: key.filter,
                sealed: try context.seal(secret))
        }
        let key = try await context.write(
            "create event key '\(replacement.newName)'",
            reconcile: {
                try await observe(item, in: context).map { PlatformKey(kind: .event, id: $0.keyID ?? "") }
            },
            perform: { try await platform.createKey(request) }
        )
        await context.secrets.invalidate(.event)
        if key.secret == nil, let observed = try await observe(item, in: context) { return observed }
        return ItemOutcome(keyID: key.id, fingerprint: key.fingerprint, name: key.name, filter: key.filter)
    }

    /// Deletes keys this rotation created for `item` whose secret was lost (a crash between the creation
    /// and its journal record, on a platform that shows secrets once).
    private func deleteOrphans(_ item: String, _ context: StepContext) async throws {
        let orphans = try await createdKeys(item, context)
        guard !orphans.isEmpty else { return }
        guard context.platform.capabilities.contains(.deleteEventKey) else {
            context.observer.handle(
                .warning(
                    "event key \(orphans.map(\.id).joined(separator: ", ")) was created by an interrupted attempt "
                        + "and its secret is lost; delete it by hand"))
            return
        }
        for orphan in orphans {
            do {
                try await context.platform.deleteKey(.event, id: orphan.id)
            } catch PlatformError.notFound {
                continue
            }
            context.observer.handle(
                .note(
                    "\(item): deleted event key \(orphan.id), created by an interrupted attempt (its secret was lost)"
                ))
        }
        await context.secrets.invalidate(.event)
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let replacement = try replacement(item, context)
        let keys = try await context.keys(.event)
        guard let key = keys.first(where: { $0.id == outcome.keyID }) else {
            throw StepError.verificationFailed(
                "the new event key \(outcome.keyID ?? "?") is not listed by the platform")
        }
        let filter = key.filter ?? .unrestricted
        guard filter == replacement.filter else {
            throw StepError.verificationFailed(
                "event key \(key.id) has \(filter.summary), but its old key had \(replacement.filter.summary)"
            )
        }
        if context.mustSeal(.event) {
            guard outcome.sealed != nil else {
                throw StepError.verificationFailed("the secret of event key \(key.id) was not sealed")
            }
            return
        }
        guard let secret = key.secret, !secret.isEmpty else {
            throw StepError.verificationFailed("the platform shows no key material for event key \(key.id)")
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        guard let created = try await createdKeys(item, context).first else { return nil }
        let id = created.id
        guard try await oldKeyRemains(item, context) else {
            // The apps could not get the old key back: the new one is the key they hold. Deleting it would
            // leave them with none.
            return ItemOutcome(
                keyID: id, fingerprint: created.fingerprint, name: created.name,
                detail: "kept the new event key \(id) '\(created.name ?? "?")': the key it replaced, \(item), was "
                    + "deleted outside rekey, so the apps keep the new one")
        }
        let platform = context.platform
        if platform.capabilities.contains(.deleteEventKey) {
            try await context.write(
                "delete event key \(id)",
                reconcile: { try await createdKeys(item, context).contains { $0.id == id } ? nil : () },
                perform: {
                    do {
                        try await platform.deleteKey(.event, id: id)
                    } catch PlatformError.notFound {
                        return
                    }
                }
            )
            await context.secrets.invalidate(.event)
        } else {
            _ = try await context.guide(.deleteEventKey(id: id, name: created.name)) {
                try await createdKeys(item, context).contains { $0.id == id } ? nil : ItemOutcome(keyID: id)
            }
        }
        return ItemOutcome(
            keyID: id, fingerprint: created.fingerprint, name: created.name,
            detail: "deleted the new event key \(id) '\(created.name ?? "?")' (fingerprint "
                + "\(created.fingerprint?.hex ?? "?")); \(item), which it replaced, stays")
    }

    /// Whether the old key `item` is still on the platform (abort can give the apps their old key back).
    private func oldKeyRemains(_ item: String, _ context: StepContext) async throws -> Bool {
        try await context.keys(.event).contains { $0.id == item }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "'\(outcome.name ?? "?")' \(outcome.keyID ?? "?") (fingerprint \(outcome.fingerprint?.hex ?? "?")) "
            + "replaces \(item), \((outcome.filter ?? .unrestricted).summary)"
    }

    private func replacement(_ item: String, _ context: StepContext) throws(StepError) -> EventKeyReplacement {
        guard let replacement = context.plan.replacement(forEventKey: item) else {
            throw .precondition("the plan has no replacement for event key \(item)")
        }
        return replacement
    }
}
