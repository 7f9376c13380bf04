import Testing

@testable import RekeyCore

@Suite struct RotationStateMachineTests {
    typealias Action = RotationStateMachine.Action
    let limits = RotationStateMachine.RunLimits(concurrency: 8)

    private func machine(
        after records: (inout RecordBuilder) -> [JournalRecord], plan: RotationPlan = PlanFixtures.inngest()
    )
        throws -> RotationStateMachine
    {
        var builder = RecordBuilder()
        var machine = RotationStateMachine(plan: plan)
        for record in records(&builder) { try machine.apply(record) }
        return machine
    }

    /// Records that complete `step` for every item.
    private func complete(_ step: StepID, _ items: [String], _ b: inout RecordBuilder) -> [JournalRecord] {
        [b.next(.stepStarted, step)]
            + items.flatMap {
                [
                    b.next(.intent, step, $0),
                    b.next(.done, step, $0, data: RecordData(outcome: ItemOutcome(keyID: "x"))),
                ]
            }
            + [b.next(.stepDone, step)]
    }

    @Test func freshPlanStartsTheFirstStep() throws {
        var m = try machine { _ in [] }
        #expect(m.nextActions(limits: limits) == [.startStep(.createSigningKey)])
    }

    @Test func startedStepDispatchesItsItemsUpToTheConcurrencyLimit() throws {
        let plan = PlanFixtures.inngest(apps: ["a", "b", "c"])
        var m = try machine(
            after: { b in complete(.createSigningKey, ["signing-key"], &b) + [b.next(.stepStarted, .stageSigningKeys)]
            }, plan: plan)
        let two = RotationStateMachine.RunLimits(concurrency: 2)
        #expect(
            m.nextActions(limits: two) == [
                .runItem(ItemRef(step: .stageSigningKeys, item: "a"), attempt: 1),
                .runItem(ItemRef(step: .stageSigningKeys, item: "b"), attempt: 1),
            ])
        // Nothing more while both are in flight.
        #expect(m.nextActions(limits: two).isEmpty)
        m.itemReturned(ItemRef(step: .stageSigningKeys, item: "a"))
        // "a" returned without a record: it is dispatched again, "c" waits for a slot.
        #expect(m.nextActions(limits: two) == [.runItem(ItemRef(step: .stageSigningKeys, item: "a"), attempt: 1)])
    }

    @Test(arguments: [
        // (records after the plan for the first step, expected action)
        (
            "intent open: the item runs again, attempt 2", [RecordType.intent],
            Action.runItem(ItemRef(step: .createSigningKey, item: "signing-key"), attempt: 2)
        ),
        (
            "failed: runs again on resume", [.intent, .failed],
            .runItem(ItemRef(step: .createSigningKey, item: "signing-key"), attempt: 2)
        ),
        ("done: the step completes", [.intent, .done], .completeStep(.createSigningKey)),
        ("adopted without intent: the step completes", [.done], .completeStep(.createSigningKey)),
    ])
    func resumeDecidesFromTheLastRecordOfEachItem(name: String, types: [RecordType], expected: Action) throws {
        var m = try machine { b in
            [b.next(.stepStarted, .createSigningKey)] + types.map { b.next($0, .createSigningKey, "signing-key") }
        }
        #expect(m.nextActions(limits: limits) == [expected], "\(name)")
    }

    @Test func pointOfNoReturnWaitsForApprovalThenStarts() throws {
        var m = try machine { b in
            complete(.createSigningKey, ["signing-key"], &b) + complete(.stageSigningKeys, ["api", "worker"], &b)
                + complete(.createEventKeys, ["ek_1"], &b) + complete(.stageEventKeys, ["api", "worker"], &b)
                + complete(.confirmRedeploy, ["api", "worker"], &b)
        }
        #expect(m.nextActions(limits: limits) == [.requestApproval(.rotateSigningKey)])
        var b = RecordBuilder()
        for _ in 0..<30 { _ = b.next(.note) }
        try m.apply(b.next(.approval, .rotateSigningKey, data: RecordData(by: "ci", via: "flag")))
        #expect(m.nextActions(limits: limits) == [.startStep(.rotateSigningKey)])
    }

    @Test func stepStartedWithoutRequiredApprovalIsRejected() throws {
        var m = try machine { b in
            complete(.createSigningKey, ["signing-key"], &b) + complete(.stageSigningKeys, ["api", "worker"], &b)
                + complete(.createEventKeys, ["ek_1"], &b) + complete(.stageEventKeys, ["api", "worker"], &b)
                + complete(.confirmRedeploy, ["api", "worker"], &b)
        }
        var b = RecordBuilder()
        #expect(throws: RotationStateMachine.TransitionError.self) {
            try m.apply(b.next(.stepStarted, .rotateSigningKey))
        }
    }

    @Test func anApprovalDoesNotCompleteAGateWhoseItemsAreNotDone() throws {
        var m = try machine { b in
            complete(.createSigningKey, ["signing-key"], &b) + complete(.stageSigningKeys, ["api", "worker"], &b)
                + complete(.createEventKeys, ["ek_1"], &b) + complete(.stageEventKeys, ["api", "worker"], &b)
                + [b.next(.approval, .confirmRedeploy), b.next(.stepStarted, .confirmRedeploy)]
        }
        // The items run: the step decides which ones the approval can stand in for (nothing can verify them).
        #expect(
            m.nextActions(limits: limits) == [
                .runItem(ItemRef(step: .confirmRedeploy, item: "api"), attempt: 1),
                .runItem(ItemRef(step: .confirmRedeploy, item: "worker"), attempt: 1),
            ])
    }

    @Test func aJournalWhoseGateCompletedOnAnApprovalAloneStillReplays() throws {
        // Written by rekey before approvals stopped standing in for evidence.
        let m = try machine { b in
            complete(.createSigningKey, ["signing-key"], &b) + complete(.stageSigningKeys, ["api", "worker"], &b)
                + complete(.createEventKeys, ["ek_1"], &b) + complete(.stageEventKeys, ["api", "worker"], &b)
                + [
                    b.next(.approval, .confirmRedeploy), b.next(.stepStarted, .confirmRedeploy),
                    b.next(.stepDone, .confirmRedeploy),
                ]
        }
        #expect(m.finished(.confirmRedeploy) != nil)
    }

    @Test func overridesAreKeptByCheckAndFailedChecksRemembered() throws {
        var b = RecordBuilder()
        var m = RotationStateMachine(plan: PlanFixtures.inngest())
        try m.apply(
            b.next(.check, .confirmRedeploy, "api", data: RecordData(check: "confirm-redeploy/api", verdict: "fail")))
        #expect(m.failedChecks == ["confirm-redeploy/api"])
        try m.apply(b.next(.override, data: RecordData(by: "alice", check: "confirm-redeploy/api", reason: "why")))
        #expect(m.overrides["confirm-redeploy/api"]?.data.reason == "why")
        #expect(throws: RotationStateMachine.TransitionError.self) { try m.apply(b.next(.override)) }
    }

    @Test func untilStopsBeforeTheNamedStep() throws {
        var m = try machine { b in complete(.createSigningKey, ["signing-key"], &b) }
        #expect(m.nextActions(limits: .init(until: .stageSigningKeys)) == [.reachedUntil(.stageSigningKeys)])
        #expect(m.nextActions(limits: .init(until: .createSigningKey)) == [.reachedUntil(.createSigningKey)])
        #expect(m.nextActions(limits: .init(until: .createEventKeys)) == [.startStep(.stageSigningKeys)])
    }

    @Test func allStepsDoneFinishes() throws {
        var m = try machine { b in
            [b.next(.approval, .rotateSigningKey)]
                + StepID.inngestProcedure.flatMap { step in
                    let items = PlanFixtures.inngest().step(step)!.items.map(\.id)
                    return complete(step, items, &b)
                }
        }
        #expect(m.nextActions(limits: limits) == [.finish])
        var b = RecordBuilder()
        try m.apply(b.next(.finished))
        #expect(m.mode == .finished)
        #expect(m.nextActions(limits: limits).isEmpty)
    }

    @Test func liveFailureHaltsOnceInFlightItemsReturn() throws {
        let plan = PlanFixtures.inngest(apps: ["a", "b"])
        var m = try machine(
            after: { b in complete(.createSigningKey, ["signing-key"], &b) + [b.next(.stepStarted, .stageSigningKeys)]
            }, plan: plan)
        m.beginRun()
        _ = m.nextActions(limits: limits)
        var b = RecordBuilder()
        for _ in 0..<10 { _ = b.next(.note) }
        try m.apply(b.next(.failed, .stageSigningKeys, "a", data: RecordData(error: "disk full")))
        m.itemReturned(ItemRef(step: .stageSigningKeys, item: "a"))
        #expect(m.nextActions(limits: limits).isEmpty, "b is still in flight")
        m.itemReturned(ItemRef(step: .stageSigningKeys, item: "b"))
        #expect(
            m.nextActions(limits: limits) == [
                .halt(.failed(ItemRef(step: .stageSigningKeys, item: "a"), error: "disk full", kind: .invalid))
            ])
    }

    @Test func replayedFailureDoesNotHalt() throws {
        var m = try machine { b in
            [b.next(.stepStarted, .createSigningKey), b.next(.failed, .createSigningKey, "signing-key")]
        }
        m.beginRun()
        #expect(
            m.nextActions(limits: limits) == [
                .runItem(ItemRef(step: .createSigningKey, item: "signing-key"), attempt: 2)
            ])
    }

    @Test func abortRestoresTheAppsBeforeDeletingAnyKey() throws {
        var m = try machine { b in
            complete(.createSigningKey, ["signing-key"], &b) + complete(.stageSigningKeys, ["api", "worker"], &b)
                + [
                    b.next(.stepStarted, .createEventKeys), b.next(.intent, .createEventKeys, "ek_1"),
                    b.next(.abortRequested),
                ]
        }
        #expect(m.mode == .aborting)
        #expect(
            m.undoItems == [
                ItemRef(step: .stageSigningKeys, item: "worker"),
                ItemRef(step: .stageSigningKeys, item: "api"),
                ItemRef(step: .createEventKeys, item: "ek_1"),
                ItemRef(step: .createSigningKey, item: "signing-key"),
            ])
        // One step at a time: the apps' configuration first, then the keys they no longer use.
        #expect(
            m.nextActions(limits: limits) == [
                .undoItem(ItemRef(step: .stageSigningKeys, item: "worker")),
                .undoItem(ItemRef(step: .stageSigningKeys, item: "api")),
            ])
        var b = RecordBuilder()
        for _ in 0..<20 { _ = b.next(.note) }
        for app in ["worker", "api"] {
            try m.apply(b.next(.undoIntent, .stageSigningKeys, app))
            try m.apply(b.next(.undone, .stageSigningKeys, app))
            m.itemReturned(ItemRef(step: .stageSigningKeys, item: app))
        }
        #expect(m.nextActions(limits: limits) == [.undoItem(ItemRef(step: .createEventKeys, item: "ek_1"))])
    }

    @Test func abortAfterPointOfNoReturnIsRejected() throws {
        var m = try machine { b in
            complete(.createSigningKey, ["signing-key"], &b) + complete(.stageSigningKeys, ["api", "worker"], &b)
                + complete(.createEventKeys, ["ek_1"], &b) + complete(.stageEventKeys, ["api", "worker"], &b)
                + complete(.confirmRedeploy, ["api", "worker"], &b)
                + [
                    b.next(.approval, .rotateSigningKey), b.next(.stepStarted, .rotateSigningKey),
                    b.next(.intent, .rotateSigningKey, "signing-key"),
                ]
        }
        #expect(m.pointOfNoReturnStarted)
        var b = RecordBuilder()
        for _ in 0..<40 { _ = b.next(.note) }
        #expect(throws: RotationStateMachine.TransitionError.self) { try m.apply(b.next(.abortRequested)) }
    }

    @Test func aPointOfNoReturnThatStartedButNeverActedCanStillBeAborted() throws {
        // Its pre-flight refused, or it waits for a person: nothing irreversible happened.
        var m = try machine { b in
            complete(.createSigningKey, ["signing-key"], &b) + complete(.stageSigningKeys, ["api", "worker"], &b)
                + complete(.createEventKeys, ["ek_1"], &b) + complete(.stageEventKeys, ["api", "worker"], &b)
                + complete(.confirmRedeploy, ["api", "worker"], &b)
                + [
                    b.next(.approval, .rotateSigningKey), b.next(.stepStarted, .rotateSigningKey),
                    b.next(
                        .failed, .rotateSigningKey, "signing-key", data: RecordData(error: "refused", kind: .unsafe)),
                ]
        }
        #expect(!m.pointOfNoReturnStarted)
        var b = RecordBuilder()
        for _ in 0..<40 { _ = b.next(.note) }
        try m.apply(b.next(.abortRequested))
        #expect(m.mode == .aborting)
    }

    @Test(
        arguments: [
            ("a step out of order", [(RecordType.stepStarted, StepID.stageSigningKeys, String?.none)]),
            ("an intent outside its step", [(.intent, .createSigningKey, "signing-key")]),
            (
                "an item that is not planned",
                [(.stepStarted, .createSigningKey, nil), (.intent, .createSigningKey, "nope")]
            ),
            (
                "a step done with items pending",
                [(.stepStarted, .createSigningKey, nil), (.stepDone, .createSigningKey, nil)]
            ),
            ("a step that is not planned", [(.stepStarted, StepID("frobnicate"), nil)]),
            ("finished with steps left", [(.finished, nil, nil)]),
        ] as [(String, [(RecordType, StepID?, String?)])])
    func inconsistentRecordsAreRejected(name: String, records: [(RecordType, StepID?, String?)]) throws {
        var m = RotationStateMachine(plan: PlanFixtures.inngest())
        var b = RecordBuilder()
        let built = records.map { b.next($0.0, $0.1, $0.2) }
        #expect(throws: RotationStateMachine.TransitionError.self, "\(name)") {
            for record in built { try m.apply(record) }
        }
    }
}
