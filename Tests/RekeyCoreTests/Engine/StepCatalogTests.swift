import Testing

@testable import RekeyCore

@Suite struct StepCatalogTests {
    @Test func everyStepOfEveryFamilyHasExactlyOneBehaviour() {
        let ids = StepCatalog.all.map(\.id)
        #expect(Set(ids).count == ids.count, "a step id has two behaviours")
        for family in ProcedureCatalog.families {
            for step in family.steps {
                #expect(StepCatalog.behavior(for: step)?.id == step, "\(family.name): \(step)")
            }
        }
        #expect(Set(ids) == Set(ProcedureCatalog.everyStep))
        #expect(StepCatalog.behavior(for: "rotate-everything") == nil)
    }

    @Test func theStateMachineReadsReversibleAndGateStepsFromTheBehaviours() {
        // The Inngest steps keep the traits the state machine once hard-coded.
        #expect(
            RotationStateMachine.reversibleSteps.isSuperset(of: [
                .createSigningKey, .stageSigningKeys, .createEventKeys, .stageEventKeys,
            ]))
        #expect(
            RotationStateMachine.reversibleSteps
                == [
                    .createSigningKey, .stageSigningKeys, .createEventKeys, .stageEventKeys, .createAPIKeys,
                    .stageAPIKeys, .addEventKeys,
                ])
        #expect(StepCatalog.gateSteps == [.confirmRedeploy])
        let machine = RotationStateMachine(plan: PlanFixtures.inngest())
        #expect(machine.isGate(.confirmRedeploy))
        #expect(!machine.isGate(.rotateSigningKey))
    }

    @Test func noIrreversibleStepClaimsToBeReversible() {
        for step in ProcedureCatalog.irreversibleSteps {
            #expect(StepCatalog.behavior(for: step)?.isReversible == false, "\(step)")
        }
    }

    @Test(
        arguments: [
            (StepID.createSigningKey, StepSealing.whenShownOnce(.signing)),
            (.createEventKeys, .whenShownOnce(.event)),
            (.createAPIKeys, .whenShownOnce(.api)),
            (.generateSigningKey, .always),
            (.generateEventKeys, .always),
            (.stageAPIKeys, .never),
            (.confirmRedeploy, .never),
        ] as [(StepID, StepSealing)])
    func stepsDeclareWhetherTheySeal(step: StepID, sealing: StepSealing) {
        #expect(StepCatalog.behavior(for: step)?.sealing == sealing)
    }
}
