import RekeyCrypto

/// Self-hosted: rekey generates one new event key (32 secure random bytes, hex) per old key and seals
/// each into its `done` record, until `add-event-keys` puts them in the server's configuration.
public struct GenerateEventKeysStep: StepBehavior {
    public init() {}
    public var id: StepID { .generateEventKeys }
    public var sealing: StepSealing { .always }
    public var cost: CriticalPath.Cost { CriticalPath.Cost(perItem: 0) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Generate one new event key per old one (sealed in the journal)",
            items: input.eventKeyReplacements.map {
                PlannedItem(id: $0.oldID, summary: "generate the replacement of \($0.oldID)")
            }
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        ["act: generate 32 secure random bytes in rekey; sealed in the journal (no call)"]
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? { nil }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        (
            "generate the replacement of event key \(item) (sealed in the journal)",
            "\(context.plan.rotationID)/\(id)/\(item)"
        )
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        guard context.plan.replacement(forEventKey: item) != nil else {
            throw StepError.precondition("the plan has no replacement for event key \(item)")
        }
        let secret = Secret(SecureRandom.hex(32))
        let fingerprint = secret.utf8Fingerprint
        return ItemOutcome(
            keyID: ServerKeyID.of(.event, fingerprint: fingerprint), fingerprint: fingerprint,
            sealed: try context.seal(secret))
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        guard outcome.sealed != nil else {
            throw StepError.verificationFailed("the new event key replacing \(item) was not sealed")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "new event key \(outcome.keyID ?? "?") replaces \(item), sealed in the journal"
    }
}
