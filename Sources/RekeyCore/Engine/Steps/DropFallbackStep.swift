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
        guard case .withoutFallback = try await running(item, context) else { return nil }
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
        // Wait (up to the gate timeout) until the app runs without the fallback.
        let options = context.playbook.options.confirmRedeploy
        let deadline = DurationParser.deadline(after: options.timeout, from: context.clock.now().millisecondsSinceEpoch)
        var delay = options.interval
        var announced = false
        while true {
            let reason: String
            switch try await running(item, context) {
            case .withoutFallback:
                return
            case .hazard(let findings):
                // Not a redeploy still to come: stop now (or go on only by an explicit override).
                try await context.enforce(findings, phase: "drop-fallback")
                return
            case .stillHolds(let why):
                reason = why
            }
            guard context.clock.now().millisecondsSinceEpoch < deadline else {
                throw StepError.pause("app '\(item)' \(reason): redeploy it, then resume")
            }
            if !announced {
                context.observer.handle(.waiting(context.item, message: "\(item) \(reason); redeploy it"))
                announced = true
            }
            try await context.clock.sleep(delay)
            delay = min(delay * 1.5, 30)
        }
    }

    /// Before the fallback goes: the platform signs with the new key, and the app is configured with it and
    /// runs it as its primary key (without the fallback it must still accept the platform's requests).
    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? {
        var findings = CheckFindings()
        let new = try context.currentSigningKey()
        let keys = try await context.keys(.signing)
        findings.read("platform: signing keys", StepContext.describe(keys))
        if let fingerprint = new.fingerprint, keys.first(where: { $0.isActive == true })?.fingerprint != fingerprint {
            findings.problem(
                "the platform's active signing key is not the new key \(new.id) (\(fingerprint)): removing the fallback "
                    + "now could cut app '\(item)' off; check the dashboard")
        }
        let state = try await readTarget(item, context)
        let primary = InngestVariables.snapshot(
            of: state[InngestVariables.signingKey], name: InngestVariables.signingKey)
        findings.read("\(item): configured", "INNGEST_SIGNING_KEY=\(primary)")
        if primary != .unreadable, let fingerprint = new.fingerprint, primary != .present(fingerprint) {
            findings.problem(
                "app '\(item)': its configuration holds INNGEST_SIGNING_KEY=\(primary), not the new key "
                    + "\(fingerprint): without the fallback it would refuse the platform's requests; stage it again")
        }
        let secret = try await context.secret(.signing, id: new.id, fingerprint: new.fingerprint)
        let probe = try await context.probe(item, keys: [("new", secret)])
        let names: [Fingerprint: String] = new.fingerprint.map { [$0: "new"] } ?? [:]
        findings.read("\(item): running", probe.describe(names))
        for hazard in probe.hazards { findings.problem(hazard) }
        switch probe.status {
        case .accepted(_, let report):
            if let fingerprint = new.fingerprint, let hash = report.signingKeyHash,
                !fingerprint.matches(reportedHash: hash)
            {
                findings.problem(
                    "app '\(item)' runs signing key \(hash.prefix(Fingerprint.length)) with the new key only as its "
                        + "fallback: removing the fallback would cut it off at its next restart; redeploy it")
            }
        case .unreachable(let why):
            findings.problem("app '\(item)' can't be reached to check that it runs the new key (\(why))")
        case .refusedAll:
            findings.problem("app '\(item)' \(probe.describe(names))")
        case .noVerifier, .devMode, .acceptsEmptyKey:
            break
        }
        return findings
    }

    /// What the app runs, as far as the fallback goes.
    private enum Running {
        /// It runs without a fallback (or can't be checked: no verifier, an SDK that doesn't report it).
        case withoutFallback
        /// It still holds the fallback (not redeployed yet): why, in words.
        case stillHolds(String)
        /// It runs with a hazard (an empty key, dev mode).
        case hazard(CheckFindings)
    }

    private func running(_ item: String, _ context: StepContext) async throws -> Running {
        guard context.verifiers[item] != nil,
            let id = context.outcomes[ItemRef(step: .rotateSigningKey, item: SigningKeyItem.id)]?.keyID
                ?? (try? context.newSigningKey().id)
        else { return .withoutFallback }
        let key = try await context.secret(.signing, id: id, fingerprint: nil)
        let old = try? context.oldSigningKey()
        let probe = try await context.probe(item, keys: [("new", key)])
        var names: [Fingerprint: String] = [:]
        if let fingerprint = old?.fingerprint { names[fingerprint] = "old" }
        var findings = CheckFindings()
        findings.read("\(item): running", probe.describe(names))
        guard probe.hazards.isEmpty else {
            findings.problems = probe.hazards
            return .hazard(findings)
        }
        switch probe.status {
        case .noVerifier:
            return .withoutFallback
        case .unreachable(let why):
            return .stillHolds("can't be reached yet (\(why))")
        case .devMode, .acceptsEmptyKey:
            return .hazard(findings)
        case .refusedAll:
            return .stillHolds(probe.describe(names))
        case .accepted(_, let report):
            guard report.hasSigningKeyFallback == true || report.signingKeyFallbackHash != nil else {
                return .withoutFallback
            }
            let hash = report.signingKeyFallbackHash ?? ""
            if let fingerprint = old?.fingerprint, fingerprint.matches(reportedHash: hash) {
                return .stillHolds("still runs with the old key as INNGEST_SIGNING_KEY_FALLBACK")
            }
            return .stillHolds("still runs with INNGEST_SIGNING_KEY_FALLBACK=\(hash.prefix(Fingerprint.length))")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "\(item): INNGEST_SIGNING_KEY_FALLBACK removed"
    }
}
