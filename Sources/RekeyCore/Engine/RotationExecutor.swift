import Foundation

/// Performs the actions of a ``RotationStateMachine``: runs items against the platform and targets,
/// appends the records, and feeds them back to the machine.
///
/// Every side effect is bracketed by records: `intent` (durable before the effect starts) and `done`
/// (after verification). Items of one step run concurrently up to the run's limit, each journaled on
/// its own, so a crash in the middle of a fan-out resumes only the items not yet done.
public struct RotationExecutor: Sendable {
    /// The platform backend.
    public var platform: any Platform
    /// The playbook the plan was made from.
    public var playbook: Playbook
    /// Each app's target, by app name.
    public var targets: [String: any SecretTarget]
    /// Each app's verifier, by app name.
    public var verifiers: [String: any RolloutVerifier]
    /// Progress output.
    public var observer: any RunObserver
    /// Approvals.
    public var approvals: ApprovalSource
    /// Time.
    public var clock: EngineClock
    /// Backoff for transient platform errors.
    public var retry: RetryPolicy
    /// Fault injection (testing aid).
    public var faults: FaultInjector
    /// Graceful stop requests.
    public var stop: StopToken
    /// Adaptive concurrency (AIMD on HTTP 429), shared by every item of the run.
    public let governor: ConcurrencyGovernor
    /// The operator's key for secrets the platform shows once, if given.
    public var sealKey: SealKey?

    public init(
        platform: any Platform,
        playbook: Playbook,
        targets: [String: any SecretTarget],
        verifiers: [String: any RolloutVerifier],
        observer: any RunObserver = SilentObserver(),
        approvals: ApprovalSource = ApprovalSource(),
        clock: EngineClock = .system,
        retry: RetryPolicy = RetryPolicy(),
        faults: FaultInjector = .none,
        stop: StopToken = StopToken(),
        sealKey: SealKey? = nil
    ) {
        self.stop = stop
        self.sealKey = sealKey
        self.platform = platform
        self.playbook = playbook
        self.targets = targets
        self.verifiers = verifiers
        self.observer = observer
        self.approvals = approvals
        self.retry = retry
        self.faults = faults
        self.clock = clock.interruptible(by: stop)
        self.governor = ConcurrencyGovernor(maximum: playbook.options.concurrency)
    }

    /// Runs until the rotation finishes, reaches `limits.until`, pauses, fails, or is aborted.
    ///
    /// - Parameters:
    ///   - journal: The journal writer (its records were already applied to `machine`).
    ///   - machine: The state machine, replayed from the journal.
    ///   - limits: `--until` and concurrency.
    /// - Throws: Journal errors (the run stopped before any side effect it could not record) and
    ///   ``SimulatedCrash`` from test fault injectors.
    public func run(
        journal: JournalWriter,
        machine: inout RotationStateMachine,
        limits: RotationStateMachine.RunLimits
    ) async throws -> RunResult {
        machine.beginRun()
        let retrier = Retrier(policy: retry, clock: clock, observer: observer)
        let secrets = SecretResolver(platform: platform, clock: clock) { what, operation in
            try await retrier.read(what, operation)
        }
        var outcomes = Self.outcomes(of: machine)
        // The current step's outcomes join `outcomes` when it completes: items read only earlier steps'
        // outcomes, and every item's context shares the one dictionary instead of copying it on each
        // completion (O(items²) for a large fan-out).
        var stepOutcomes: [ItemRef: ItemOutcome] = [:]
        var stepStartTimes: [StepID: Timestamp] = [:]
        let manual = ManualConfirmations(
            steps: approvals.preApproved,
            actor: approvals.actor,
            requests: ManualRequest.journaled(in: await journal.allRecords)
        )

        return try await withThrowingTaskGroup(of: ItemReturn.self) { group in
            var inFlight = 0
            while true {
                if stop.isRequested {
                    // Dispatch nothing new; let in-flight items finish and journal their outcome.
                    if inFlight == 0 {
                        try await journal.append(
                            JournalEntry(type: .note, data: RecordData(message: "interrupted; resume to continue"))
                        )
                        return .interrupted
                    }
                    guard let returned = try await group.next() else { preconditionFailure("items in flight") }
                    inFlight -= 1
                    try apply(returned, to: &machine, outcomes: &stepOutcomes)
                    continue
                }
                var current = limits
                current.concurrency = min(limits.concurrency, governor.limit)
                let actions = machine.nextActions(limits: current)
                if actions.isEmpty {
                    guard let returned = try await group.next() else {
                        preconditionFailure("state machine waits for items but none is in flight")
                    }
                    inFlight -= 1
                    try apply(returned, to: &machine, outcomes: &stepOutcomes)
                    continue
                }
                for action in actions {
                    switch action {
                    case .startStep(let step):
                        guard let planned = machine.plan.step(step) else {
                            preconditionFailure("unplanned step \(step)")
                        }
                        if machine.isGate(step), approvals.preApproved.contains(step), machine.approval(of: step) == nil
                        {
                            let record = try await journal.append(
                                approvalEntry(step, by: approvals.actor, via: "flag", plan: machine.plan)
                            )
                            try machine.applyChecked(record)
                            observer.handle(.approved(step, by: approvals.actor, via: "flag"))
                        }
                        let record = try await journal.append(JournalEntry(type: .stepStarted, step: step))
                        try machine.applyChecked(record)
                        stepStartTimes[step] = record.at
                        observer.handle(.stepStarted(planned))

                    case .runItem(let ref, let attempt):
                        var context = makeContext(ref, plan: machine.plan, secrets: secrets, outcomes: outcomes)
                        context.manual = manual
                        context.journalPath = journal.path
                        context.approvals = machine.allApprovals
                        context.overrides = machine.overrides
                        context.intentJournaled = machine.hasIntent(ref)
                        inFlight += 1
                        group.addTask { await runItem(ref, attempt: attempt, context: context, journal: journal) }

                    case .undoItem(let ref):
                        var context = makeContext(ref, plan: machine.plan, secrets: secrets, outcomes: outcomes)
                        context.manual = manual
                        context.journalPath = journal.path
                        context.isUndo = true
                        context.approvals = machine.allApprovals
                        context.overrides = machine.overrides
                        inFlight += 1
                        group.addTask { await undoItem(ref, context: context, journal: journal) }

                    case .completeStep(let step):
                        // Nothing is in flight: the merge changes the shared dictionary in place.
                        outcomes.merge(stepOutcomes) { $1 }
                        stepOutcomes = [:]
                        let started = stepStartTimes[step] ?? machine.started(step) ?? clock.now()
                        let duration = Int(started.milliseconds(to: clock.now()))
                        let record = try await journal.append(
                            JournalEntry(type: .stepDone, step: step, data: RecordData(durationMs: duration))
                        )
                        try machine.applyChecked(record)
                        observer.handle(.stepDone(step, durationMs: duration))

                    case .requestApproval(let step):
                        guard let planned = machine.plan.step(step) else {
                            preconditionFailure("unplanned step \(step)")
                        }
                        switch await approvals.decide(planned, plan: machine.plan) {
                        case .approved(let by, let via):
                            let record = try await journal.append(
                                approvalEntry(step, by: by, via: via, plan: machine.plan))
                            try machine.applyChecked(record)
                            observer.handle(.approved(step, by: by, via: via))
                        case .unavailable(let reason):
                            let record = try await journal.append(
                                JournalEntry(type: .paused, step: step, data: RecordData(message: reason))
                            )
                            try machine.applyChecked(record)
                            return .paused(step, reason: reason)
                        }

                    case .reachedUntil(let step):
                        return .reachedUntil(step)

                    case .finish:
                        let record = try await journal.append(JournalEntry(type: .finished))
                        try machine.applyChecked(record)
                        return .finished

                    case .finishAbort:
                        let record = try await journal.append(JournalEntry(type: .aborted))
                        try machine.applyChecked(record)
                        return .aborted

                    case .halt(let reason):
                        switch reason {
                        case .failed(let ref, let error, let kind):
                            return .failed(ref, error: error, kind: kind)
                        case .paused(let step, let why):
                            return .paused(step, reason: why)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Items

    /// What an item task hands back to the loop.
    struct ItemReturn: Sendable {
        var ref: ItemRef
        var records: [JournalRecord]
        var journalError: (any Error)?
    }

    private func runItem(
        _ ref: ItemRef,
        attempt: Int,
        context: StepContext,
        journal: JournalWriter
    ) async -> ItemReturn {
        let checks = CheckRecords()
        let result = await performItem(
            ref, attempt: attempt, context: checks.recording(context, journal), journal: journal)
        return checks.merged(into: result)
    }

    private func performItem(
        _ ref: ItemRef,
        attempt: Int,
        context: StepContext,
        journal: JournalWriter
    ) async -> ItemReturn {
        var context = context
        var records: [JournalRecord] = []
        let behavior = StepCatalog.behavior(for: ref.step)
        let started = clock.now()
        // An item with no intent in the journal (attempt 1) never started its side effect, so a listing
        // taken after the journal was replayed is enough to observe it (one listing serves the whole
        // fan-out); an item whose intent is open, and everything after the intent, reads anew.
        var observing = context
        if attempt == 1 { observing.listings = .takenThisRun }
        do {
            if let found = try await behavior.observe(ref.item, in: observing) {
                // A read-only step (the redeploy gate) verifies in observe: that's its outcome, not adoption.
                let adopted = behavior.hasSideEffects
                records.append(try await journal.append(done(ref, found, adopted: adopted, since: started)))
                observer.handle(
                    .itemDone(
                        ref,
                        summary: behavior.summary(ref.item, outcome: found, in: context),
                        adopted: adopted,
                        durationMs: Int(started.milliseconds(to: clock.now()))
                    )
                )
                return ItemReturn(ref: ref, records: records)
            }
            if let findings = try await behavior.preflight(ref.item, in: context) {
                // The world is read again right before an irreversible or outage-capable action.
                try await context.enforce(findings, phase: "pre-flight")
            }
            if behavior.hasSideEffects {
                let intent = behavior.intent(ref.item, in: context)
                records.append(
                    try await journal.append(
                        JournalEntry(
                            type: .intent,
                            step: ref.step,
                            item: ref.item,
                            data: RecordData(
                                action: intent.action, idempotencyKey: intent.idempotencyKey, attempt: attempt)
                        )
                    )
                )
                observer.handle(.itemStarted(ref, action: intent.action, attempt: attempt))
                // From here on, what this item creates is this rotation's own.
                context.intentJournaled = true
                try faults.reach(.beforeEffect(step: ref.step, item: ref.item))
            }
            let outcome = try await behavior.act(ref.item, in: context)
            if behavior.hasSideEffects {
                try faults.reach(.afterEffect(step: ref.step, item: ref.item))
            }
            try await behavior.verify(ref.item, outcome: outcome, in: context)
            records.append(try await journal.append(done(ref, outcome, adopted: false, since: started)))
            observer.handle(
                .itemDone(
                    ref,
                    summary: behavior.summary(ref.item, outcome: outcome, in: context),
                    adopted: false,
                    durationMs: Int(started.milliseconds(to: clock.now()))
                )
            )
        } catch let crash as SimulatedCrash {
            return ItemReturn(ref: ref, records: records, journalError: crash)
        } catch let error as JournalError {
            return ItemReturn(ref: ref, records: records, journalError: error)
        } catch is RunInterrupted {
            // A wait ended early for a stop request: nothing happened that isn't journaled.
            return ItemReturn(ref: ref, records: records)
        } catch {
            return await journalFailure(error, of: ref, after: records, journal: journal)
        }
        return ItemReturn(ref: ref, records: records)
    }

    private func undoItem(_ ref: ItemRef, context: StepContext, journal: JournalWriter) async -> ItemReturn {
        let checks = CheckRecords()
        let result = await performUndo(ref, context: checks.recording(context, journal), journal: journal)
        return checks.merged(into: result)
    }

    private func performUndo(_ ref: ItemRef, context: StepContext, journal: JournalWriter) async -> ItemReturn {
        var records: [JournalRecord] = []
        let behavior = StepCatalog.behavior(for: ref.step)
        do {
            if behavior.undo == .deleteCreated {
                // Nothing an app runs is deleted: wait until every app runs its old keys again.
                try await awaitUndoPreflight(behavior, ref, context)
            }
            records.append(
                try await journal.append(
                    JournalEntry(
                        type: .undoIntent,
                        step: ref.step,
                        item: ref.item,
                        data: RecordData(
                            action: "undo \(ref)", idempotencyKey: "\(context.plan.rotationID)/undo/\(ref)")
                    )
                )
            )
            try faults.reach(.beforeEffect(step: ref.step, item: "undo-" + ref.item))
            let outcome = try await behavior.undo(ref.item, in: context)
            try faults.reach(.afterEffect(step: ref.step, item: "undo-" + ref.item))
            records.append(
                try await journal.append(
                    JournalEntry(
                        type: .undone,
                        step: ref.step,
                        item: ref.item,
                        data: RecordData(outcome: outcome ?? ItemOutcome(detail: "nothing to undo"))
                    )
                )
            )
            observer.handle(.undone(ref, summary: outcome?.detail ?? "nothing to undo"))
        } catch let crash as SimulatedCrash {
            return ItemReturn(ref: ref, records: records, journalError: crash)
        } catch let error as JournalError {
            return ItemReturn(ref: ref, records: records, journalError: error)
        } catch is RunInterrupted {
            return ItemReturn(ref: ref, records: records)
        } catch {
            // A pause here means a person must restore something by hand (a manual target): `rekey abort`
            // continues.
            return await journalFailure(error, of: ref, after: records, journal: journal)
        }
        return ItemReturn(ref: ref, records: records)
    }

    /// Waits until the undo pre-flight of `ref` passes (``StepBehavior/undoPreflight(_:in:)``): polled at the
    /// playbook's gate interval up to its timeout, then the run pauses (a person must redeploy the apps),
    /// unless the check was overridden.
    private func awaitUndoPreflight(_ behavior: any StepBehavior, _ ref: ItemRef, _ context: StepContext)
        async throws
    {
        let options = context.playbook.options.confirmRedeploy
        let deadline = DurationParser.deadline(after: options.timeout, from: clock.now().millisecondsSinceEpoch)
        var announced = false
        while true {
            guard let findings = try await behavior.undoPreflight(ref.item, in: context) else { return }
            if findings.passed || context.override != nil {
                try await context.enforce(findings, phase: "abort pre-flight")
                return
            }
            guard clock.now().millisecondsSinceEpoch < deadline else {
                try await context.record(findings, verdict: .fail, phase: "abort pre-flight")
                throw StepError.pause(
                    "not deleting yet: " + findings.problems.joined(separator: "; ")
                        + ". Redeploy the apps so they run their old keys again (their configuration is restored), then "
                        + "'rekey abort \(context.journalPath)' continues; to delete anyway (you accept the outage): "
                        + "rekey override \(context.journalPath) \(context.checkName) --reason '…'")
            }
            if !announced {
                observer.handle(
                    .waiting(
                        ref,
                        message: "waiting for the apps to run their old keys again before deleting: "
                            + findings.problems.joined(separator: "; ")))
                announced = true
            }
            try await clock.sleep(options.interval)
        }
    }

    // MARK: - Helpers

    /// Journals why an item stopped: `paused` (a person must act; with the manual request, if any) or
    /// `failed` (with whether a resume may succeed unchanged), and tells the observer.
    private func journalFailure(
        _ error: any Error,
        of ref: ItemRef,
        after records: [JournalRecord],
        journal: JournalWriter
    ) async -> ItemReturn {
        var records = records
        let (message, kind) = Self.classify(error)
        let pause = kind == .needsPerson
        let retryable = kind.resumeMayFix
        do {
            let data =
                pause
                ? RecordData(outcome: Self.manualRequest(error)?.outcome, message: message)
                : RecordData(error: message, retryable: retryable, kind: kind)
            records.append(
                try await journal.append(
                    JournalEntry(type: pause ? .paused : .failed, step: ref.step, item: ref.item, data: data)))
            observer.handle(
                pause ? .waiting(ref, message: message) : .itemFailed(ref, error: message, retryable: retryable))
        } catch {
            return ItemReturn(ref: ref, records: records, journalError: error)
        }
        return ItemReturn(ref: ref, records: records)
    }

    private func apply(
        _ returned: ItemReturn,
        to machine: inout RotationStateMachine,
        outcomes: inout [ItemRef: ItemOutcome]
    ) throws {
        for record in returned.records {
            try machine.applyChecked(record)
            if record.type == .done, let step = record.step, let item = record.item, let outcome = record.data.outcome {
                outcomes[ItemRef(step: step, item: item)] = outcome
            }
        }
        machine.itemReturned(returned.ref)
        if let error = returned.journalError { throw error }
    }

    private func makeContext(
        _ ref: ItemRef,
        plan: RotationPlan,
        secrets: SecretResolver,
        outcomes: [ItemRef: ItemOutcome]
    ) -> StepContext {
        StepContext(
            plan: plan,
            playbook: playbook,
            platform: platform,
            targets: targets,
            verifiers: verifiers,
            secrets: secrets,
            outcomes: outcomes,
            clock: clock,
            observer: observer,
            retry: retry,
            item: ref,
            sealKey: sealKey,
            governor: governor
        )
    }

    private func done(_ ref: ItemRef, _ outcome: ItemOutcome, adopted: Bool, since: Timestamp) -> JournalEntry {
        JournalEntry(
            type: .done,
            step: ref.step,
            item: ref.item,
            data: RecordData(
                outcome: outcome,
                adopted: adopted ? true : nil,
                durationMs: Int(since.milliseconds(to: clock.now()))
            )
        )
    }

    private func approvalEntry(_ step: StepID, by: String, via: String, plan: RotationPlan) -> JournalEntry {
        JournalEntry(type: .approval, step: step, data: RecordData(by: by, via: via, planHash: plan.hash))
    }

    static func outcomes(of machine: RotationStateMachine) -> [ItemRef: ItemOutcome] {
        var outcomes: [ItemRef: ItemOutcome] = [:]
        for step in machine.plan.steps {
            for item in step.items {
                let ref = ItemRef(step: step.id, item: item.id)
                if let outcome = machine.outcome(ref) { outcomes[ref] = outcome }
            }
        }
        return outcomes
    }

    /// The message and kind of an error thrown by a step (``FailureKind``): a `needs-person` error pauses
    /// the run, anything else fails the item.
    static func classify(_ error: any Error) -> (message: String, kind: FailureKind) {
        switch error {
        case StepError.pause(let message): (message, .needsPerson)
        case StepError.awaitingOperator(let request): (request.message, .needsPerson)
        case StepError.platform(let error): (error.description, error.failureKind)
        case let error as any ClassifiedError & CustomStringConvertible: (error.description, error.failureKind)
        default: ("\(error)", FailureKind(of: error))
        }
    }

    /// The manual-target request an error carries, if any (journaled with the pause, for `rekey reveal`).
    static func manualRequest(_ error: any Error) -> ManualRequest? {
        guard case .awaitingOperator(let request)? = error as? StepError else { return nil }
        return request
    }
}

/// The `check` records an item's task journals (through ``StepContext/checkRecorder``), merged with its
/// other records in journal order when it returns.
private final class CheckRecords: @unchecked Sendable {
    // Invariant: `records` is only touched under `lock`.
    private let lock = NSLock()
    private var records: [JournalRecord] = []

    /// `context` with a recorder that journals into `journal` and keeps the records here.
    func recording(_ context: StepContext, _ journal: JournalWriter) -> StepContext {
        var context = context
        let ref = context.item
        context.checkRecorder = CheckRecorder { [self] data in
            let record = try await journal.append(
                JournalEntry(type: .check, step: ref.step, item: ref.item, data: data))
            lock.withLock { records.append(record) }
        }
        return context
    }

    /// `result` with the check records among its records, in journal order.
    func merged(into result: RotationExecutor.ItemReturn) -> RotationExecutor.ItemReturn {
        lock.lock()
        defer { lock.unlock() }
        guard !records.isEmpty else { return result }
        var merged = result
        merged.records = (result.records + records).sorted { $0.seq < $1.seq }
        return merged
    }
}

extension RotationStateMachine {
    /// Applies a record this process just wrote; a transition error here is a bug in rekey.
    mutating func applyChecked(_ record: JournalRecord) throws {
        do {
            try apply(record)
        } catch {
            preconditionFailure("rekey wrote a record its own state machine rejects: \(error)")
        }
    }
}
