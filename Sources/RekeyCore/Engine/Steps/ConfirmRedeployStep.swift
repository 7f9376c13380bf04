/// Step 5: the gate. Every app must run with the new values before the point of no return.
///
/// Each app is verified through its ``RolloutVerifier`` (a signed introspection, or the sandbox's
/// view): the signing key hash must be the new key's, the fallback the old key's, and the event key
/// the new one when event keys rotate. Hazards fail loudly: an empty fallback or primary (anyone can
/// sign requests to that app) and a dev-mode app (it checks no signatures). An app still on the old
/// values is waited for, with backoff, until the playbook's timeout; then the run pauses (exit 3).
/// Apps without a verifier, and the whole gate, can be confirmed by approval instead.
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
        case confirmed(ItemOutcome)
        case notYet(String)
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
        let deadline = context.clock.now().millisecondsSinceEpoch + Int64(options.timeout * 1000)
        var delay = options.interval
        var announced = false
        while true {
            switch try await check(item, context) {
            case .confirmed(let outcome):
                return outcome
            case .notYet(let reason):
                guard context.clock.now().millisecondsSinceEpoch < deadline else {
                    throw StepError.pause("app '\(item)' is not confirmed: \(reason)")
                }
                if !announced {
                    context.observer.handle(.waiting(context.item, message: "\(item): \(reason); redeploy it"))
                    announced = true
                }
                try await context.clock.sleep(delay)
                delay = min(delay * 1.5, 30)
            }
        }
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {}

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        let observed = (outcome.observed ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return "\(item): runs with the new keys (\(observed.joined(separator: ", ")))"
    }

    // MARK: - Verification

    func check(_ item: String, _ context: StepContext) async throws -> Check {
        // API keys: the platform reports when each key was last used, not what an app runs with.
        if context.plan.step(.stageAPIKeys) != nil { return try await APIKeyUsageCheck.check(item, context) }
        let app = try context.app(item)
        guard let verifier = context.verifiers[item] else {
            throw StepError.pause("app '\(item)' can't be verified automatically; approve the redeploy by hand")
        }
        let expectations = try await expectations(item, context)
        let report: AppIntrospection
        do {
            report = try await context.read("inspect app '\(item)'") {
                try await verifier.inspect(app: app, signedWith: expectations.signWith)
            }
        } catch PlatformError.unavailable(let why) {
            // An app restarting for its redeploy refuses connections for a while: that is "not yet".
            return .notYet("it can't be reached (\(why))")
        }
        if report.mode == "dev" {
            throw StepError.hazard("app '\(item)' runs in dev mode: it checks no signatures; set it to cloud mode")
        }
        guard report.authenticated else {
            return .notYet("it does not accept requests signed with the new signing key yet")
        }
        if report.hasSigningKey == true, report.signingKeyHash == nil {
            throw StepError.hazard(
                "app '\(item)' has INNGEST_SIGNING_KEY set but empty: anyone can sign requests to it; "
                    + "set the key and redeploy"
            )
        }
        if report.hasSigningKeyFallback == true, report.signingKeyFallbackHash == nil {
            throw StepError.hazard(
                "app '\(item)' has INNGEST_SIGNING_KEY_FALLBACK set but empty: anyone can sign requests to it; "
                    + "remove the line and redeploy"
            )
        }
        var observed: [String: String] = [:]
        if let expected = expectations.signingKey {
            guard let hash = report.signingKeyHash, expected.matches(reportedHash: hash) else {
                return .notYet("it still runs with signing key \(short(report.signingKeyHash))")
            }
            observed["signing_key"] = expected.hex
        }
        if let expected = expectations.fallback {
            // The JS SDK doesn't report the fallback; absence of the field is not a failure.
            if report.hasSigningKeyFallback != nil || report.signingKeyFallbackHash != nil {
                guard let hash = report.signingKeyFallbackHash, expected.matches(reportedHash: hash) else {
                    return .notYet("its fallback is \(short(report.signingKeyFallbackHash)), expected the old key")
                }
                observed["fallback"] = expected.hex
            } else {
                observed["fallback"] = "not reported"
            }
        }
        if let expected = expectations.eventKey {
            guard let hash = report.eventKeyHash, expected.matches(reportedHash: hash) else {
                return .notYet("it still runs with event key \(short(report.eventKeyHash))")
            }
            observed["event_key"] = expected.hex
        }
        return .confirmed(ItemOutcome(observed: observed))
    }

    private struct Expectations {
        var signWith: Secret
        var signingKey: Fingerprint?
        var fallback: Fingerprint?
        var eventKey: Fingerprint?
    }

    private func expectations(_ item: String, _ context: StepContext) async throws -> Expectations {
        let steps = Set(context.plan.steps.map(\.id))
        let old = try context.oldSigningKey()
        var expectations: Expectations
        if steps.contains(.stageSigningKeys) {
            let new = try context.newSigningKey()
            let secret = try await context.secret(.signing, id: new.id, fingerprint: new.fingerprint)
            expectations = Expectations(signWith: secret, signingKey: new.fingerprint, fallback: old.fingerprint)
        } else {
            let secret = try await context.secret(.signing, id: old.id, fingerprint: old.fingerprint)
            expectations = Expectations(signWith: secret, signingKey: old.fingerprint)
        }
        if steps.contains(.stageEventKeys), let oldEventKey = context.plan.baseline.app(item)?.eventKeyID,
            context.plan.step(.stageEventKeys)?.items.contains(where: { $0.id == item }) == true
        {
            expectations.eventKey = try context.newEventKey(replacing: oldEventKey).fingerprint
        }
        return expectations
    }

    private func short(_ hash: String?) -> String {
        guard let hash else { return "none" }
        return String(InngestSigningKey.stripPrefix(hash).prefix(Fingerprint.length))
    }
}
