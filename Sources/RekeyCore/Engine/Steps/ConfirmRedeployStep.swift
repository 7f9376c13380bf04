/// Step 5: the gate. Every app must run with the new values before the point of no return.
///
/// Each app is probed through its ``RolloutVerifier`` (a signed introspection, or the sandbox's view,
/// ``AppProbe``): the signing key hash must be the new key's, the fallback the old key's, and the event
/// key the new one when event keys rotate. Hazards fail loudly: an empty fallback or primary (anyone can
/// sign requests to that app) and a dev-mode app (it checks no signatures). An app still on the old values
/// is waited for until the playbook's timeout; then the run pauses (exit 3).
///
/// **Approvals never replace evidence that exists.** An approval of the gate stands in only for apps rekey
/// can't check (`verify: approval`, `confirmRedeploy.mode: approve`, an API-key platform that reports no
/// key usage), and only once their configuration is re-read and still holds the new keys. An app whose
/// check says no passes only by an explicit override of its check (`rekey override JOURNAL
/// confirm-redeploy/APP --reason …`), journaled.
public struct ConfirmRedeployStep: StepBehavior {
    public init() {}
    public var id: StepID { .confirmRedeploy }
    public var hasSideEffects: Bool { false }
    public var isGate: Bool { true }
    public var cost: CriticalPath.Cost { CriticalPath.Cost(perItem: 1) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        let options = input.playbook.options.confirmRedeploy
        guard usesAPIKeys(input.playbook.steps) else {
            return StepPlan(
                title: "Confirm every app was redeployed and runs with the new keys",
                items: input.playbook.apps.map {
                    PlannedItem(id: $0.name, summary: "\($0.name): verify by \($0.verify.kind)")
                },
                automatic: options.mode != .approve
            )
        }
        // API keys are confirmed by their use, not by what an app reports.
        let usage = input.capabilities.contains(.reportsKeyUsage)
        return StepPlan(
            title: "Confirm every app was redeployed: its new key is used, its old key no longer",
            items: input.playbook.apps.filter { input.baseline.app($0.name)?.apiKeyID != nil }.map { app in
                let how: String
                if case .approval = app.verify { how = "approval" } else { how = usage ? "key usage" : "approval" }
                return PlannedItem(id: app.name, summary: "\(app.name): verify by \(how)")
            },
            automatic: options.mode != .approve && usage
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        guard usesAPIKeys(input.playbook.steps) else { return runningConfigurationCalls(item, input) }
        guard let app = input.app(item) else { return [] }
        if case .approval = app.verify { return ["a person approves confirm-redeploy"] }
        guard input.capabilities.contains(.reportsKeyUsage) else { return ["a person approves confirm-redeploy"] }
        return [
            "verify: " + input.call(.listKeys(.api)) + " until the new key's last use is later than the old key's",
            "or a person approves confirm-redeploy",
        ]
    }

    private func runningConfigurationCalls(_ app: String, _ input: PlanningInput) -> [String] {
        let options = input.playbook.options.confirmRedeploy
        let polling =
            "every \(DurationParser.format(seconds: options.interval)), up to "
            + DurationParser.format(seconds: options.timeout)
        guard options.mode != .approve, let check = input.runningCheck(app) else {
            return ["a person approves confirm-redeploy ('rekey approve JOURNAL confirm-redeploy')"]
        }
        var lines = ["verify: \(check), signed with the new signing key (\(polling))"]
        if options.mode == .verifyOrApprove { lines.append("or a person approves confirm-redeploy") }
        return lines
    }

    /// Whether the gate confirms API keys (by their use) rather than what apps report they run with.
    private func usesAPIKeys(_ steps: [StepID]) -> Bool { steps.contains(.stageAPIKeys) }

    /// What an app was found running with.
    enum Check: Equatable {
        /// It runs with the new keys.
        case confirmed(ItemOutcome)
        /// Not yet (it still runs the old keys, it is restarting): wait.
        case notYet(String, CheckFindings)
        /// Nothing can check it: only a person's approval can confirm it.
        case unverifiable(String)
        /// It runs with a hazard (dev mode, an empty key).
        case hazards(CheckFindings)
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        if case .confirmed(let outcome) = try await check(item, context) { return outcome }
        return nil
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        ("verify that app '\(item)' runs with the new keys", "\(context.plan.rotationID)/\(id)/\(item)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let options = context.playbook.options.confirmRedeploy
        let deadline = DurationParser.deadline(after: options.timeout, from: context.clock.now().millisecondsSinceEpoch)
        var delay = options.interval
        var announced = false
        while true {
            switch try await check(item, context) {
            case .confirmed(let outcome):
                return outcome
            case .unverifiable(let why):
                guard let approval = context.approvals[.confirmRedeploy] else {
                    throw StepError.pause(
                        "app '\(item)' can't be verified automatically (\(why)); once it is redeployed, approve it: "
                            + "rekey approve \(context.journalPath) confirm-redeploy")
                }
                return try await approved(item, by: approval, because: why, context)
            case .hazards(let findings):
                try await context.enforce(findings, phase: "gate")
                return overridden(findings, context)
            case .notYet(let reason, let findings):
                if context.override != nil {
                    try await context.enforce(findings, phase: "gate")
                    return overridden(findings, context)
                }
                guard context.clock.now().millisecondsSinceEpoch < deadline else {
                    try await context.record(findings, verdict: .fail, phase: "gate")
                    let approvalNote =
                        context.approvals[.confirmRedeploy] == nil
                        ? ""
                        : " (the approval of confirm-redeploy stands in only for apps rekey can't check; this one "
                            + "can, and says no)"
                    throw StepError.pause(
                        "app '\(item)' is not confirmed: \(reason)\(approvalNote). Redeploy it, then resume; to go on "
                            + "without this evidence (you accept the risk): rekey override \(context.journalPath) "
                            + "\(context.checkName) --reason '…'")
                }
                if !announced {
                    context.observer.handle(.waiting(context.item, message: "\(reason); redeploy it"))
                    announced = true
                }
                try await context.clock.sleep(delay)
                delay = min(delay * 1.5, 30)
            }
        }
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {}

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        if let detail = outcome.detail { return "\(item): \(detail)" }
        let observed = (outcome.observed ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return "\(item): runs with the new keys (\(observed.joined(separator: ", ")))"
    }

    // MARK: - Approval and override

    /// The outcome of an app a person approved: its configuration is read again and must still hold the
    /// new keys (an approval recorded ahead is checked against the world when the gate is reached).
    private func approved(
        _ item: String, by approval: JournalRecord, because why: String, _ context: StepContext
    ) async throws -> ItemOutcome {
        var findings = CheckFindings()
        let who = "approved by \(approval.data.by ?? "?") (\(approval.data.via ?? "?"))"
        findings.read("\(item): confirmation", who)
        for (variable, expected) in try stagedFingerprints(item, context) {
            let state = try await context.readVariables([variable], ofApp: item)[variable]
            switch state {
            case .present(let value)?:
                let actual = InngestVariables.fingerprint(of: value, variable: variable)
                findings.read("\(item): configured \(variable)", actual.hex)
                if actual != expected {
                    findings.problem(
                        "app '\(item)': its configuration holds \(variable)=\(actual), not the new key \(expected): the "
                            + "approval can't stand for it; stage it again (resume after fixing) or override")
                }
            case .unreadable?, nil:
                findings.read("\(item): configured \(variable)", "unreadable")
            case .absent?, .empty?:
                findings.problem(
                    "app '\(item)': its configuration has no \(variable) any more: the approval can't stand for it")
            }
        }
        try await context.enforce(findings, phase: "gate")
        return ItemOutcome(observed: findings.reads, detail: "\(who): rekey can't check it (\(why))")
    }

    /// The variables the plan staged into `item` and their new fingerprints.
    private func stagedFingerprints(_ item: String, _ context: StepContext) throws -> [(String, Fingerprint)] {
        var result: [(String, Fingerprint)] = []
        let plan = context.plan
        if plan.step(.stageAPIKeys)?.items.contains(where: { $0.id == item }) == true {
            let new = try context.newAPIKey(replacing: try context.oldAPIKeyID(ofApp: item))
            if let fingerprint = new.fingerprint {
                result.append((try context.apiKeyVariable(ofApp: item), fingerprint))
            }
            return result
        }
        if plan.step(.stageSigningKeys)?.items.contains(where: { $0.id == item }) == true,
            let new = try context.newSigningKey().fingerprint, let old = try context.oldSigningKey().fingerprint
        {
            result.append((InngestVariables.signingKey, new))
            result.append((InngestVariables.signingKeyFallback, old))
        }
        if plan.step(.stageEventKeys)?.items.contains(where: { $0.id == item }) == true,
            let oldID = plan.baseline.app(item)?.eventKeyID,
            let new = try context.newEventKey(replacing: oldID).fingerprint
        {
            result.append((InngestVariables.eventKey, new))
        }
        return result
    }

    private func overridden(_ findings: CheckFindings, _ context: StepContext) -> ItemOutcome {
        let override = context.override
        return ItemOutcome(
            observed: findings.reads,
            detail: "NOT confirmed (\(findings.problems.joined(separator: "; "))); overridden by "
                + "\(override?.data.by ?? "?"): \(override?.data.reason ?? "")")
    }

    // MARK: - Verification

    func check(_ item: String, _ context: StepContext) async throws -> Check {
        // API keys: the platform reports when each key was last used, not what an app runs with.
        if context.plan.step(.stageAPIKeys) != nil { return try await APIKeyUsageCheck.check(item, context) }
        _ = try context.app(item)
        if context.playbook.options.confirmRedeploy.mode == .approve {
            return .unverifiable("the playbook's confirmRedeploy.mode is approve")
        }
        guard context.verifiers[item] != nil else {
            return .unverifiable("its playbook entry says verify: approval")
        }
        let expectations = try await expectations(item, context)
        let probe = try await context.probe(item, keys: expectations.probes)
        var findings = CheckFindings()
        findings.read("\(item): running", probe.describe(expectations.names))
        let hazards = probe.hazards
        guard hazards.isEmpty else {
            findings.problems = hazards
            return .hazards(findings)
        }
        func notYet(_ reason: String) -> Check {
            findings.problem("app '\(item)' \(reason)")
            return .notYet("app '\(item)' \(reason)", findings)
        }
        let report: AppIntrospection
        switch probe.status {
        case .noVerifier:
            return .unverifiable("its playbook entry says verify: approval")
        case .unreachable(let why):
            return notYet("can't be reached (\(why))")
        case .refusedAll:
            return notYet(probe.describe(expectations.names))
        case .accepted(let label, _) where label == "old":
            return notYet("still runs without the new signing key: it \(probe.describe(expectations.names))")
        case .accepted(_, let accepted):
            report = accepted
        case .devMode, .acceptsEmptyKey:
            preconditionFailure("a hazard the probe reports")
        }
        var observed: [String: String] = [:]
        if let expected = expectations.signingKey {
            guard let hash = report.signingKeyHash, expected.matches(reportedHash: hash) else {
                return notYet("still runs with signing key \(short(report.signingKeyHash))")
            }
            observed["signing_key"] = expected.hex
        }
        if let expected = expectations.fallback {
            // The JS SDK doesn't report the fallback; absence of the field is not a failure.
            if report.hasSigningKeyFallback != nil || report.signingKeyFallbackHash != nil {
                guard let hash = report.signingKeyFallbackHash, expected.matches(reportedHash: hash) else {
                    return notYet("has fallback \(short(report.signingKeyFallbackHash)), expected the old key")
                }
                observed["fallback"] = expected.hex
            } else {
                observed["fallback"] = "not reported"
            }
        }
        if let expected = expectations.eventKey {
            guard let hash = report.eventKeyHash, expected.matches(reportedHash: hash) else {
                return notYet("still runs with event key \(short(report.eventKeyHash))")
            }
            observed["event_key"] = expected.hex
        }
        return .confirmed(ItemOutcome(observed: observed))
    }

    private struct Expectations {
        /// The keys to probe with, the one the app must accept first.
        var probes: [(label: String, key: Secret)]
        /// Labels of the rotation's fingerprints, for messages.
        var names: [Fingerprint: String]
        var signingKey: Fingerprint?
        var fallback: Fingerprint?
        var eventKey: Fingerprint?
    }

    private func expectations(_ item: String, _ context: StepContext) async throws -> Expectations {
        let steps = Set(context.plan.steps.map(\.id))
        let old = try context.oldSigningKey()
        let oldSecret = try await context.secret(.signing, id: old.id, fingerprint: old.fingerprint)
        var expectations: Expectations
        if steps.contains(.stageSigningKeys) {
            let new = try context.newSigningKey()
            let secret = try await context.secret(.signing, id: new.id, fingerprint: new.fingerprint)
            expectations = Expectations(
                probes: [("new", secret), ("old", oldSecret)], names: [:], signingKey: new.fingerprint,
                fallback: old.fingerprint)
            if let fingerprint = new.fingerprint { expectations.names[fingerprint] = "new" }
        } else {
            expectations = Expectations(probes: [("current", oldSecret)], names: [:], signingKey: old.fingerprint)
        }
        if let fingerprint = old.fingerprint { expectations.names[fingerprint] = "old" }
        if steps.contains(.stageEventKeys), let oldEventKey = context.plan.baseline.app(item)?.eventKeyID,
            context.plan.step(.stageEventKeys)?.items.contains(where: { $0.id == item }) == true
        {
            let new = try context.newEventKey(replacing: oldEventKey).fingerprint
            expectations.eventKey = new
            if let new { expectations.names[new] = "new event" }
            if let oldFingerprint = context.plan.baseline.eventKeys.first(where: { $0.id == oldEventKey })?.fingerprint
            {
                expectations.names[oldFingerprint] = "old event"
            }
        }
        return expectations
    }

    private func short(_ hash: String?) -> String {
        guard let hash else { return "none" }
        return String(InngestSigningKey.stripPrefix(hash).prefix(Fingerprint.length))
    }
}
