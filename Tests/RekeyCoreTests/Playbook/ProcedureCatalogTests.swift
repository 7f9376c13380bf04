import Testing

@testable import RekeyCore

@Suite struct ProcedureCatalogTests {
    @Test func listsTheNamedProceduresInOrder() {
        #expect(ProcedureCatalog.names == ["inngest", "inngest-signing-key", "inngest-event-keys"])
        #expect(ProcedureCatalog.steps(for: "inngest") == StepID.inngestProcedure)
        #expect(
            ProcedureCatalog.steps(for: "inngest-signing-key") == [
                .createSigningKey, .stageSigningKeys, .confirmRedeploy, .rotateSigningKey, .resyncApps, .dropFallback,
            ])
        #expect(
            ProcedureCatalog.steps(for: "inngest-event-keys") == [
                .createEventKeys, .stageEventKeys, .confirmRedeploy, .deleteOldEventKeys,
            ])
        #expect(ProcedureCatalog.steps(for: "custom") == nil)
        #expect(ProcedureCatalog.allSteps == StepID.inngestProcedure)
    }

    @Test func namedProceduresAreInCanonicalOrderAndMeetTheirOwnDependencies() {
        for procedure in ProcedureCatalog.procedures {
            let positions = procedure.steps.map { ProcedureCatalog.canonicalIndex(of: $0)! }
            #expect(positions == positions.sorted(), "\(procedure.name)")
            for step in procedure.steps {
                #expect(ProcedureCatalog.requirement(of: step).unmet(in: procedure.steps) == nil, "\(procedure.name)")
            }
            #expect(ProcedureCatalog.name(for: procedure.steps) == procedure.name)
        }
    }

    @Test func dependenciesComeEarlierInTheCanonicalOrder() {
        for step in ProcedureCatalog.allSteps {
            let requirement = ProcedureCatalog.requirement(of: step)
            for dependency in requirement.allOf + requirement.anyOf {
                #expect(ProcedureCatalog.canonicalIndex(of: dependency)! < ProcedureCatalog.canonicalIndex(of: step)!)
            }
        }
    }

    @Test(
        arguments: [
            (StepID.inngestProcedure, StepID.rotateSigningKey),
            ([.createEventKeys, .stageEventKeys, .confirmRedeploy, .deleteOldEventKeys], .deleteOldEventKeys),
            ([.createSigningKey, .stageSigningKeys, .confirmRedeploy, .rotateSigningKey], .rotateSigningKey),
            ([.createSigningKey, .stageSigningKeys], nil),
            ([], nil),
        ] as [([StepID], StepID?)])
    func findsThePointOfNoReturn(steps: [StepID], expected: StepID?) {
        #expect(ProcedureCatalog.pointOfNoReturn(in: steps) == expected)
    }

    @Test func reportsOnlyTheUnmetPartOfARequirement() {
        let rotate = ProcedureCatalog.requirement(of: .rotateSigningKey)
        #expect(
            rotate.unmet(in: [.createSigningKey, .rotateSigningKey])
                == ProcedureCatalog.Requirement(allOf: [.stageSigningKeys, .confirmRedeploy]))
        #expect(rotate.unmet(in: [.createSigningKey, .stageSigningKeys, .confirmRedeploy]) == nil)
        let confirm = ProcedureCatalog.requirement(of: .confirmRedeploy)
        #expect(confirm.unmet(in: [.stageEventKeys]) == nil)
        #expect(
            confirm.unmet(in: [.createSigningKey])?.phrase
                == "at least one of 'stage-signing-keys' or 'stage-event-keys'")
        #expect(ProcedureCatalog.requirement(of: .createSigningKey).isEmpty)
    }
}
