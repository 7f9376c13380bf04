/// Step 7: resync every app; each sync must succeed with the new key.
///
/// A resync is harmless to repeat, so there is nothing to observe: a resumed run simply resyncs. A sync the
/// platform answers `pending` is followed to its outcome (``StepContext/waitForSync(ofApp:appID:)``).
public struct ResyncAppsStep: StepBehavior {
    public init() {}
    public var id: StepID { .resyncApps }
    public var cost: CriticalPath.Cost { CriticalPath.Cost(perItem: 1) }

    public func plan(_ input: PlanningInput) -> StepPlan {
        StepPlan(
            title: "Resync every app with the new signing key",
            items: input.playbook.apps.map { PlannedItem(id: $0.name, summary: "resync \($0.platformID)") },
            automatic: input.capabilities.contains(.resyncApp)
        )
    }

    public func calls(_ item: String, _ input: PlanningInput) -> [String] {
        let id = input.app(item)?.platformID ?? item
        guard input.capabilities.contains(.resyncApp) else {
            return [
                "act (guided, a person): "
                    + input.platform.instructions(for: .resyncApp(name: item)).joined(separator: " ")
            ]
        }
        return ["act: " + input.call(.resyncApp(id: id)) + ", then check that the sync succeeded"]
    }

    public func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome? { nil }

    public func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String) {
        ("resync app '\(item)'", "\(context.plan.rotationID)/\(id)/\(item)")
    }

    public func act(_ item: String, in context: StepContext) async throws -> ItemOutcome {
        let app = try context.app(item)
        let platform = context.platform
        guard platform.capabilities.contains(.resyncApp) else {
            throw StepError.pause(
                (platform.instructions(for: .resyncApp(name: item)).first ?? "resync app '\(item)'")
                    + "; then resume with --approve resync-apps is not available: resync by hand and resume"
            )
        }
        let url: String? = if case .introspection(let serveURL) = app.verify { serveURL } else { nil }
        var result = try await context.read("resync app '\(item)'") {
            try await platform.resyncApp(id: app.platformID, url: url)
        }
        // Inngest syncs may answer before they finish: follow the app's latest sync to the outcome.
        if result.status == .pending {
            let requested = result
            result = try await context.waitForSync(ofApp: item, appID: app.platformID)
            result.syncID = result.syncID ?? requested.syncID
        }
        guard result.succeeded else {
            throw StepError.verificationFailed(
                "app '\(item)' failed to sync: \(result.message ?? result.status.rawValue); check that it runs with "
                    + "the new signing key, then resume"
            )
        }
        return ItemOutcome(detail: [result.status.rawValue, result.syncID].compactMap { $0 }.joined(separator: " "))
    }

    public func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws {}

    public func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String {
        "\(item): synced (\(outcome.detail ?? "ok"))"
    }
}
