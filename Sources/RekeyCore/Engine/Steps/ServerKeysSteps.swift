/// Self-hosted: the server's configuration lists the old and the new event keys, and the server restarts.
/// During the window, apps sending with either key are accepted.
public struct AddEventKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .addEventKeys }
    // Undoing it removes the new event keys from the server: only once no app runs them.
    public var undo: StepUndo { .deleteCreated }

    public func plan(_ input: PlanningInput) -> StepPlan {
        let count = input.eventKeyReplacements.count
        return StepPlan(
            title: "List the old and the new event keys in the server's configuration; restart the server",
            items: [
                PlannedItem(id: ServerItem.id, summary: "server: \(count) old + \(count) new event keys, then restart")
            ]
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        ServerEventKeys.calls(
            "INNGEST_EVENT_KEY=<old keys>,<new keys>", check: "lists the old and the new event keys", input)
    }

    /// Before abort removes the new event keys from the server: no app uses one any more.
    public func undoPreflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        for replacement in context.plan.eventKeyReplacements {
            guard let new = try? context.newEventKey(replacing: replacement.oldID), let fingerprint = new.fingerprint
            else { continue }
            try await context.checkNoAppUses(.event, fingerprint: fingerprint, keyID: new.id, &findings)
        }
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let desired = try await context.oldEventKeySecrets() + context.newEventKeySecrets()
        return try await ServerEventKeys.observe(
            desired, context, detail: "the server accepts the old and the new event keys")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        (
            "list the old and the new event keys in the server's configuration, then restart it",
            "\(context.plan.rotationID)/\(id)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let desired = try await context.oldEventKeySecrets() + context.newEventKeySecrets()
        return try await ServerEventKeys.apply(
            desired, context, detail: "the server accepts the old and the new event keys")
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed(
                "after its restart, the server does not list the old and the new event keys")
        }
    }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let old = try await context.oldEventKeySecrets()
        return try await ServerEventKeys.apply(old, context, detail: "the server lists only the old event keys again")
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "server: \(outcome.detail ?? "event keys listed")"
    }
}

/// Self-hosted: the server's configuration gets the new signing key and the server restarts; its v2 API
/// must accept the new key. The server has no fallback: from here the old key is refused. Point of no
/// return.
public struct InstallSigningKeyStep: StepBehavior {
    public init() {}
    public var id: StepID { .installSigningKey }
    public var undo: StepUndo { .irreversible }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Install the new signing key in the server's configuration; restart it (the old key stops working)",
            items: [
                PlannedItem(
                    id: ServerItem.id,
                    summary: "server: signing key <new> replaces \(input.oldSigningKeyFingerprint), then restart")
            ]
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        ServerEventKeys.calls("INNGEST_SIGNING_KEY=<new key, bare hex>", check: "accepts the new signing key", input)
    }

    /// Before the server switches keys: every app is configured with and runs the new key.
    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        try await context.checkAppsAcceptNewSigningKey(&findings)
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let new = try context.newSigningKey()
        let secret = try await context.secret(.signing, id: new.id, fingerprint: new.fingerprint)
        let server = try context.keyServer()
        let running = try await context.read("ask the server which keys it runs with") {
            try await server.running(authenticatingWith: secret)
        }
        guard let running, running.signingKey == new.fingerprint else { return nil }
        return ItemOutcome(
            keyID: new.id, fingerprint: new.fingerprint, detail: "the server accepts the new signing key, and only it")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let new = (try? context.newSigningKey().id) ?? "?"
        return (
            "write signing key \(new) to the server's configuration, then restart it",
            "\(context.plan.rotationID)/\(id)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let new = try context.newSigningKey()
        let secret = try await context.secret(.signing, id: new.id, fingerprint: new.fingerprint)
        let server = try context.keyServer()
        try await context.write(
            "install the new signing key on the server",
            reconcile: { try await observe(item, in: context) == nil ? nil : () },
            perform: { try await server.configure(signingKey: secret, eventKeys: nil) }
        )
        await context.secrets.invalidate(.signing)
        guard let outcome = try await observe(item, in: context) else {
            throw StepError.verificationFailed(
                "after its restart, the server does not accept the new signing key \(new.id); check its configuration "
                    + "and logs, then resume")
        }
        return outcome
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("the server does not accept the new signing key")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "server runs with signing key \(outcome.keyID ?? "?") (fingerprint \(outcome.fingerprint?.hex ?? "?")); "
            + "the old key is refused"
    }
}

/// Self-hosted: the server's configuration lists only the new event keys, and the server restarts without
/// the old ones. Irreversible (the old keys are gone from everywhere rekey knows).
public struct DropOldEventKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .dropOldEventKeys }
    public var undo: StepUndo { .irreversible }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Remove the old event keys from the server's configuration; restart the server",
            items: [
                PlannedItem(
                    id: ServerItem.id,
                    summary: "server: only the \(input.eventKeyReplacements.count) new event keys, then restart")
            ]
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        ServerEventKeys.calls("INNGEST_EVENT_KEY=<new keys>", check: "lists only the new event keys", input)
    }

    /// Before the old keys go: every app is configured with and runs its replacement.
    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        for replacement in context.plan.eventKeyReplacements {
            try await context.checkEventKeyReplaced(replacement.oldID, &findings)
        }
        return findings
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        try await ServerEventKeys.observe(
            try await context.newEventKeySecrets(), context, detail: "the server accepts only the new event keys")
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        (
            "remove the old event keys from the server's configuration, then restart it",
            "\(context.plan.rotationID)/\(id)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        try await ServerEventKeys.apply(
            try await context.newEventKeySecrets(), context, detail: "the server accepts only the new event keys")
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard try await observe(item, in: context) != nil else {
            throw StepError.verificationFailed("after its restart, the server still lists an old event key")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "server: \(outcome.detail ?? "old event keys removed")"
    }
}

/// Writing and checking the event-key list of a configured server.
enum ServerEventKeys {
    /// The calls of a step that writes `change` to the server's configuration, as `rekey plan` shows them.
    static func calls(_ change: String, check: String, _ input: PlanningInput) -> [String] {
        [
            "observe: " + input.call(.listKeys(.signing)) + " and " + input.call(.listKeys(.event)),
            "act: " + input.call(.configureServer(change: change)),
            "verify: the server \(check) (" + input.call(.listKeys(.event)) + ")",
        ]
    }

    /// Done when the running server lists exactly `desired` (in any order).
    static func observe(_ desired: [Secret], _ context: StepContext, detail: String) async throws -> ItemOutcome? {
        let credential = try await context.serverSigningKey()
        let running = try await context.runningServerKeys(authenticatingWith: credential)
        guard Set(running.eventKeys) == Set(desired.map(\.utf8Fingerprint)) else { return nil }
        return ItemOutcome(detail: "\(detail) (\(desired.count))")
    }

    /// Writes `desired` as the server's whole event-key list, restarts it, and checks it.
    static func apply(_ desired: [Secret], _ context: StepContext, detail: String) async throws -> ItemOutcome {
        let server = try context.keyServer()
        try await context.write(
            "configure the server's event keys",
            reconcile: { try await observe(desired, context, detail: detail) == nil ? nil : () },
            perform: { try await server.configure(signingKey: nil, eventKeys: desired) }
        )
        await context.secrets.invalidate(.event)
        guard let outcome = try await observe(desired, context, detail: detail) else {
            throw StepError.verificationFailed(
                "after its restart, the server does not list the event keys written to its configuration; check its "
                    + "configuration and logs, then resume")
        }
        return outcome
    }
}
