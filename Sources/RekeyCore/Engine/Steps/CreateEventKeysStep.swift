/// Step 3: for each old event key, a new key with the planned name and the same event and IP filters.
///
/// Idempotency: the new name (rendered from the playbook's template with the rotation's date or id)
/// is the marker; a key with that name that the plan did not see is this rotation's.
public struct CreateEventKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .createEventKeys }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let replacement = try replacement(item, context)
        let known = Set(context.plan.baseline.eventKeys.map(\.id))
        let keys = try await context.secrets.keys(.event, refresh: true)
        guard let created = keys.first(where: { !known.contains($0.id) && $0.name == replacement.newName }) else {
            return nil
        }
        return ItemOutcome(keyID: created.id, fingerprint: created.fingerprint, name: created.name, filter: created.filter)
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

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let replacement = try replacement(item, context)
        let keys = try await context.secrets.keys(.event, refresh: true)
        guard let key = keys.first(where: { $0.id == outcome.keyID }) else {
            throw StepError.verificationFailed("the new event key \(outcome.keyID ?? "?") is not listed by the platform")
        }
        let filter = key.filter ?? .unrestricted
        guard filter == replacement.filter else {
            throw StepError.verificationFailed(
                "event key \(key.id) has \(filter.summary), but its old key had \(replacement.filter.summary)"
            )
        }
        guard let secret = key.secret, !secret.isEmpty else {
            throw StepError.verificationFailed("the platform shows no key material for event key \(key.id)")
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        guard let created = try await observe(item, in: context), let id = created.keyID else { return nil }
        let platform = context.platform
        if platform.capabilities.contains(.deleteEventKey) {
            try await context.write(
                "delete event key \(id)",
                reconcile: { try await observe(item, in: context) == nil ? () : nil },
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
                try await observe(item, in: context) == nil ? ItemOutcome(keyID: id) : nil
            }
        }
        return ItemOutcome(keyID: id, fingerprint: created.fingerprint, name: created.name, detail: "deleted")
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
