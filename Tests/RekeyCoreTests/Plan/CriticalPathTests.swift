import Testing

@testable import RekeyCore

/// The critical-path lower bound `rekey-bench` divides wall times by.
@Suite struct CriticalPathTests {
    static let inngest: [(id: StepID, items: Int)] = [
        (.createSigningKey, 1), (.stageSigningKeys, 50), (.createEventKeys, 200), (.stageEventKeys, 50),
        (.confirmRedeploy, 50), (.rotateSigningKey, 1), (.resyncApps, 50), (.deleteOldEventKeys, 200),
        (.dropFallback, 50),
    ]

    @Test(arguments: [
        // planning 2 + create-signing-key 3 + create-event-keys 1 + 2 × waves + confirm, resync and drop one
        // round trip per wave + rotate 3 + delete-old-event-keys 1 + 2 × waves.
        (16, 2 + 3 + (1 + 13 * 2) + 4 + 3 + 4 + (1 + 13 * 2) + 4),
        (1, 2 + 3 + (1 + 200 * 2) + 50 + 3 + 50 + (1 + 200 * 2) + 50),
        (64, 2 + 3 + (1 + 4 * 2) + 1 + 3 + 1 + (1 + 4 * 2) + 1),
    ])
    func countsTheLongestChainOfDependentRequests(concurrency: Int, roundTrips: Int) {
        let path = CriticalPath(steps: Self.inngest, concurrency: concurrency)
        #expect(path.roundTrips == roundTrips)
        #expect(path.seconds(latency: 0.02) == Double(roundTrips) * 0.02)
    }

    @Test func wavesAreTheItemsDividedByTheConcurrencyRoundedUp() {
        let path = CriticalPath(steps: [(.createEventKeys, 17), (.resyncApps, 16)], concurrency: 16)
        #expect(path.steps.map(\.waves) == [2, 1])
        #expect(path.steps.map(\.roundTrips) == [1 + 2 * 2, 1])
    }

    @Test func localStepsAndEmptyStepsCostNothing() {
        let path = CriticalPath(steps: [(.stageSigningKeys, 500), (.createEventKeys, 0)], concurrency: 4)
        #expect(path.roundTrips == CriticalPath.planningRoundTrips)
    }

    @Test func aStepCostsWhatItsTypeDeclaresUnlessToldOtherwise() {
        let step = StepID.createAPIKeys
        #expect(CriticalPath.cost(of: step) == StepCatalog.behavior(for: step).cost)
        #expect(CriticalPath(steps: [(step, 3)], concurrency: 2).steps[0].roundTrips == 1 + 2 * 2)
        let custom = CriticalPath(steps: [(step, 3)], concurrency: 2, costs: [step: .init(perItem: 1)])
        #expect(custom.steps[0].roundTrips == 2)
    }

    @Test func aPlanGivesItsStepsAndItemCounts() {
        let plan = PlanFixtures.inngest(apps: ["api", "worker", "billing"], eventKeys: ["ek_1", "ek_2"])
        let path = CriticalPath(plan: plan, concurrency: 8)
        #expect(path.steps.map(\.id) == plan.steps.map(\.id))
        #expect(path.steps.map(\.items) == plan.steps.map(\.items.count))
    }
}
