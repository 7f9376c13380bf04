/// Step 9: remove `INNGEST_SIGNING_KEY_FALLBACK` from every app, deleting the line (never `NAME=`:
/// the Python SDK treats an empty fallback as a key and accepts requests signed with "").
public struct DropFallbackStep: StepBehavior {
    public init() {}
    public var id: StepID { .dropFallback }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? {
        let state = try await readTarget(item, context)
        guard state[InngestVariables.signingKeyFallback] == .absent else { return nil }
        return ItemOutcome(variables: [InngestVariables.signingKeyFallback: Fingerprint?.none])
    }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        let summary = (try? context.target(item).summary) ?? item
        return ("remove INNGEST_SIGNING_KEY_FALLBACK from \(summary)", "\(context.plan.rotationID)/\(id)/\(item)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        try await applyTarget(item, [.remove(name: InngestVariables.signingKeyFallback)], context)
        return ItemOutcome(variables: [InngestVariables.signingKeyFallback: Fingerprint?.none])
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {
        let state = try await readTarget(item, context)
        let fallback = state[InngestVariables.signingKeyFallback]
        guard fallback == .absent || fallback == .unreadable else {
            throw StepError.verificationFailed("\(try context.target(item).summary) still has INNGEST_SIGNING_KEY_FALLBACK")
        }
    }

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "\(item): INNGEST_SIGNING_KEY_FALLBACK removed"
    }
}
