/// Step 9: remove `INNGEST_SIGNING_KEY_FALLBACK` from every app, deleting the line (never `NAME=`:
/// the Python SDK treats an empty fallback as a key and accepts requests signed with "").
public struct DropFallbackStep: StepBehavior {
    public init() {}
    public var id: StepID { .dropFallback }
    public var cost: CriticalPath.Cost { CriticalPath.Cost(perItem: 1) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Remove INNGEST_SIGNING_KEY_FALLBACK from every app",
            items: input.playbook.apps.map { PlannedItem(id: $0.name, summary: "\($0.name): delete the fallback line") }
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        var lines = input.targetCalls(item, remove: [InngestVariables.signingKeyFallback])
        if let check = input.runningCheck(item) {
            lines.append("verify: \(check) reports no fallback (waits for a redeploy)")
        }
        return lines
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let state = try await readTarget(item, context)
        guard state[InngestVariables.signingKeyFallback] == .absent else { return nil }
        // The line is gone; the app must also have been redeployed without it, or it keeps accepting
        // requests signed with the old (possibly leaked) key.
        guard try await runsWithoutFallback(item, context) != false else { return nil }
        return ItemOutcome(variables: [InngestVariables.signingKeyFallback: Fingerprint?.none])
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let summary = (try? context.target(item).summary) ?? item
        return ("remove INNGEST_SIGNING_KEY_FALLBACK from \(summary)", "\(context.plan.rotationID)/\(id)/\(item)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let note = try await applyTarget(item, [.remove(name: InngestVariables.signingKeyFallback)], context)
        return ItemOutcome(variables: [InngestVariables.signingKeyFallback: Fingerprint?.none], detail: note)
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let state = try await readTarget(item, context)
        let fallback = state[InngestVariables.signingKeyFallback]
        guard fallback == .absent || fallback == .unreadable else {
            throw StepError.verificationFailed(
                "\(try context.target(item).summary) still has INNGEST_SIGNING_KEY_FALLBACK")
        }
        // Wait (with backoff, up to the gate timeout) until the app runs without the fallback.
        let options = context.playbook.options.confirmRedeploy
        let deadline = context.clock.now().millisecondsSinceEpoch + Int64(options.timeout * 1000)
        var delay = options.interval
        var announced = false
        while try await runsWithoutFallback(item, context) == false {
            guard context.clock.now().millisecondsSinceEpoch < deadline else {
                throw StepError.pause(
                    "app '\(item)' still runs with INNGEST_SIGNING_KEY_FALLBACK (the old key): redeploy it, then resume"
                )
            }
            if !announced {
                context.observer.handle(
                    .waiting(
                        context.item, message: "\(item) still accepts the old key until it is redeployed; redeploy it")
                )
                announced = true
            }
            try await context.clock.sleep(delay)
            delay = min(delay * 1.5, 30)
        }
    }

    /// Whether the app reports no fallback key: `true`/`false`, or `nil` when it can't be checked (no
    /// verifier, or an SDK that doesn't report the fallback).
    private func runsWithoutFallback(_ item: String, _ context: StepContext) async throws -> Bool? {
        guard let verifier = context.verifiers[item],
            let id = context.outcomes[ItemRef(step: .rotateSigningKey, item: SigningKeyItem.id)]?.keyID
                ?? (try? context.newSigningKey().id)
        else { return nil }
        let app = try context.app(item)
        let key = try await context.secret(.signing, id: id, fingerprint: nil)
        let report: AppIntrospection
        do {
            report = try await context.read("inspect app '\(item)'") {
                try await verifier.inspect(app: app, signedWith: key)
            }
        } catch PlatformError.unavailable {
            return false  // restarting: not confirmed yet
        }
        guard report.authenticated else { return false }
        if report.hasSigningKeyFallback == nil, report.signingKeyFallbackHash == nil { return nil }
        return report.hasSigningKeyFallback != true && report.signingKeyFallbackHash == nil
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "\(item): INNGEST_SIGNING_KEY_FALLBACK removed"
    }
}
