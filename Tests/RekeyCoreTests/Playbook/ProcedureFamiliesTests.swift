import Testing

@testable import RekeyCore

@Suite struct ProcedureFamiliesTests {
    @Test(arguments: [
        ("inngest", "inngest"), ("sandbox", "inngest"), ("inngest-self-hosted", "inngest-self-hosted"),
        ("eventnerds", "eventnerds"), ("exec", "api-keys"),
    ])
    func eachPlatformKindHasAFamilyWithADefaultProcedure(kind: String, defaultProcedure: String) throws {
        let family = try #require(ProcedureCatalog.family(forPlatform: kind))
        #expect(family.defaultProcedure == defaultProcedure)
        #expect(ProcedureCatalog.family(forPlatform: "nope") == nil)
    }

    @Test(arguments: ProcedureCatalog.families.map(\.name))
    func proceduresFollowTheirFamilysOrderAndMeetTheirOwnDependencies(name: String) throws {
        let family = try #require(ProcedureCatalog.families.first { $0.name == name })
        for procedure in family.procedures {
            let positions = procedure.steps.map { family.canonicalIndex(of: $0)! }
            #expect(positions == positions.sorted(), "\(procedure.name)")
            for step in procedure.steps {
                #expect(family.requirement(of: step).unmet(in: procedure.steps) == nil, "\(procedure.name): \(step)")
            }
            #expect(family.name(for: procedure.steps) == procedure.name)
            // Every procedure that can reach a point of no return has one.
            #expect(ProcedureCatalog.pointOfNoReturn(in: procedure.steps) != nil, "\(procedure.name)")
        }
        for step in family.steps {
            let requirement = family.requirement(of: step)
            for dependency in requirement.allOf + requirement.anyOf {
                #expect(family.canonicalIndex(of: dependency)! < family.canonicalIndex(of: step)!, "\(step)")
            }
        }
    }

    @Test func procedureNamesAreUniqueAcrossFamilies() {
        let names = ProcedureCatalog.families.flatMap(\.names)
        #expect(Set(names).count == names.count)
    }

    @Test(
        arguments: [
            (StepID.selfHostedProcedure, StepID.installSigningKey),
            (
                [.generateEventKeys, .addEventKeys, .stageEventKeys, .confirmRedeploy, .dropOldEventKeys],
                .dropOldEventKeys
            ),
            ([.createAPIKeys, .stageAPIKeys, .confirmRedeploy, .deleteOldAPIKeys], .deleteOldAPIKeys),
            (StepID.apiKeyProcedure, .promoteAPIKeys),
            ([.createAPIKeys, .stageAPIKeys], nil),
        ] as [([StepID], StepID?)])
    func findsThePointOfNoReturnOfEveryPlatform(steps: [StepID], expected: StepID?) {
        #expect(ProcedureCatalog.pointOfNoReturn(in: steps) == expected)
    }

    @Test func theCLIKnowsEveryStepOnce() {
        let steps = ProcedureCatalog.everyStep
        #expect(Set(steps).count == steps.count)
        #expect(steps.starts(with: StepID.inngestProcedure))
        #expect(steps.contains(.createAPIKeys) && steps.contains(.installSigningKey))
    }
}
