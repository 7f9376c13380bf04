import Testing

@testable import RekeyCore

@Suite struct StepCatalogTests {
    @Test func everyStepIdMapsToItsOwnBehaviour() {
        for step in StepID.allCases {
            #expect(StepCatalog.behavior(for: step).id == step, "\(step)")
        }
        #expect(Set(ProcedureCatalog.everyStep) == Set(StepID.allCases), "a step no procedure selects")
        #expect(StepID("rotate-everything") == nil)
    }

    @Test func stepsDeclareWhatAbortDoesWithThem() {
        #expect(
            StepCatalog.reversibleSteps
                == [
                    .createSigningKey, .stageSigningKeys, .createEventKeys, .stageEventKeys, .createAPIKeys,
                    .stageAPIKeys, .addEventKeys,
                ])
        // Targets are put back before anything is deleted, so a key an app runs is never deleted first.
        for step in [StepID.stageSigningKeys, .stageEventKeys, .stageAPIKeys] {
            #expect(StepCatalog.behavior(for: step).undo == .restoreTargets, "\(step)")
        }
        for step in [StepID.createSigningKey, .createEventKeys, .createAPIKeys, .addEventKeys] {
            #expect(StepCatalog.behavior(for: step).undo == .deleteCreated, "\(step)")
        }
        #expect(
            StepCatalog.irreversibleSteps
                == [
                    .rotateSigningKey, .deleteOldEventKeys, .promoteAPIKeys, .deleteOldAPIKeys, .installSigningKey,
                    .dropOldEventKeys,
                ])
        #expect(StepCatalog.gateSteps == [.confirmRedeploy])
    }

    @Test func thePlanRecordsEachStepsGateAndUndoSoReplayDoesNotDependOnTheBinary() {
        let plan = PlanFixtures.inngest()
        for step in plan.steps {
            let behavior = StepCatalog.behavior(for: step.id)
            #expect(step.gate == behavior.isGate, "\(step.id)")
            #expect(step.undo == behavior.undo, "\(step.id)")
        }
        // A plan that says otherwise is obeyed: the journal, not the binary's table, decides.
        var recorded = plan
        if let index = recorded.steps.firstIndex(where: { $0.id == .confirmRedeploy }) {
            recorded.steps[index].gate = false
        }
        let machine = RotationStateMachine(plan: recorded)
        #expect(!machine.isGate(.confirmRedeploy))
        #expect(RotationStateMachine(plan: plan).isGate(.confirmRedeploy))
        // A plan made before the traits were recorded falls back to the step's type.
        var older = plan
        for index in older.steps.indices {
            older.steps[index].gate = nil
            older.steps[index].undo = nil
        }
        #expect(RotationStateMachine(plan: older).isGate(.confirmRedeploy))
        #expect(older.steps.map(\.undoKind) == plan.steps.map(\.undoKind))
    }

    @Test func thePointOfNoReturnIsTheFirstIrreversibleStepOfEveryProcedure() {
        let expected: [String: StepID] = [
            "inngest": .rotateSigningKey, "inngest-signing-key": .rotateSigningKey,
            "inngest-event-keys": .deleteOldEventKeys, "inngest-self-hosted": .installSigningKey,
            "inngest-self-hosted-signing-key": .installSigningKey, "inngest-self-hosted-event-keys": .dropOldEventKeys,
            "eventnerds": .deleteOldAPIKeys, "api-keys": .deleteOldAPIKeys, "api-keys-promote": .promoteAPIKeys,
        ]
        for family in ProcedureCatalog.families {
            for procedure in family.procedures {
                #expect(
                    ProcedureCatalog.pointOfNoReturn(in: procedure.steps) == expected[procedure.name],
                    "\(procedure.name)")
            }
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
        #expect(StepCatalog.behavior(for: step).sealing == sealing)
    }
}
