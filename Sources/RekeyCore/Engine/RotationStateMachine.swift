/// The rotation as a pure state machine: journal records in, actions out.
///
/// The journal is the source of truth. Replaying its records through ``apply(_:)`` rebuilds the
/// state after any interruption; ``nextActions(limits:)`` says what to do next; the executor performs
/// the actions, appends the resulting records, and feeds them back. No I/O, clock or randomness
/// here, so tests drive it directly with tables of records.
///
/// Rules it enforces:
/// - Steps run in plan order; a step starts only after the previous one is done.
/// - A step that requires approval (the point of no return) starts only after an approval record.
/// - A gate step (`confirm-redeploy`) completes when all its items are done; an approval stands in only for
///   the items nothing can verify, which the step decides (journals written before completed a gate on an
///   approval alone, and still replay).
/// - An item whose last record is an `intent` (the process died during its side effect) or a
///   `failed` runs again, starting at observe.
/// - `abort` is allowed only before the point of no return has started; it undoes reversible steps
///   in reverse order.
public struct RotationStateMachine: Sendable {
    /// Where the rotation stands.
    public enum Mode: Sendable, Equatable {
        case forward
        case aborting
        case aborted
        case finished
    }

    /// The state of one item.
    public enum ItemStatus: Sendable, Equatable {
        case pending
        /// Its intent is journaled but not its outcome.
        case started(attempt: Int)
        case done(ItemOutcome, adopted: Bool)
        case failed(error: String, attempt: Int, kind: FailureKind)

        /// Whether the item is done.
        public var isDone: Bool {
            if case .done = self { return true }
            return false
        }
    }

    /// The state of an item's rollback.
    public enum UndoStatus: Sendable, Equatable {
        case pending
        case started
        case undone
        case failed(error: String)
    }

    /// Why the run must stop now.
    public enum HaltReason: Sendable, Equatable {
        /// An item failed in this run.
        case failed(ItemRef, error: String, kind: FailureKind)
        /// An item is waiting (a gate, a guided action) and the run paused.
        case paused(StepID, reason: String)

        /// Whether an item failed.
        public var isFailure: Bool {
            if case .failed = self { return true }
            return false
        }
    }

    /// What the executor should do.
    public enum Action: Sendable, Equatable {
        /// Journal `step-started`.
        case startStep(StepID)
        /// Run an item: observe, then (if not already done) intent, act, verify, done.
        case runItem(ItemRef, attempt: Int)
        /// Journal `step-done`.
        case completeStep(StepID)
        /// The step needs an approval record before it can start (or, for a gate, to pass).
        case requestApproval(StepID)
        /// `--until` was reached (every step before it is done): stop with success.
        case reachedUntil(StepID)
        /// Every step is done: journal `finished`.
        case finish
        /// Stop the run (a failure or a pause), once nothing is in flight.
        case halt(HaltReason)
        /// Undo an item during abort.
        case undoItem(ItemRef)
        /// Every undo is done: journal `aborted`.
        case finishAbort
    }

    /// Per-invocation limits (not journaled).
    public struct RunLimits: Sendable, Equatable {
        /// Stop with success before this step starts (the steps before it are done).
        public var until: StepID?
        /// Items in flight at once.
        public var concurrency: Int

        public init(until: StepID? = nil, concurrency: Int = 8) {
            self.until = until
            self.concurrency = max(1, concurrency)
        }
    }

    /// A record that does not fit the state: the journal is inconsistent.
    public struct TransitionError: Error, Sendable, Equatable, CustomStringConvertible {
        public var seq: Int
        public var reason: String
        public var description: String { "record \(seq): \(reason)" }
    }

    /// The plan being executed.
    public let plan: RotationPlan
    /// Where the rotation stands.
    public private(set) var mode: Mode = .forward
    private var stepStarted: [StepID: Timestamp] = [:]
    private var stepDone: [StepID: Timestamp] = [:]
    private var items: [ItemRef: ItemStatus] = [:]
    private var approvals: [StepID: JournalRecord] = [:]
    /// Overrides of failed checks, by check name.
    public private(set) var overrides: [String: JournalRecord] = [:]
    /// The checks that failed at least once (a check can be overridden only after it failed).
    public private(set) var failedChecks: Set<String> = []
    /// The items whose side effect was ever announced by an intent record.
    private var intents: Set<ItemRef> = []
    private var undo: [ItemRef: UndoStatus] = [:]
    private var undoOrder: [ItemRef] = []
    private var inFlight: Set<ItemRef> = []
    private var live = false
    private var halt: HaltReason?
    private var lastSeq = 0

    /// Creates the machine for `plan` (the journal's record 0).
    public init(plan: RotationPlan) {
        self.plan = plan
        for step in plan.steps {
            for item in step.items {
                items[ItemRef(step: step.id, item: item.id)] = .pending
            }
        }
    }

    // MARK: - Inputs

    /// Starts a live run: records applied from now on are this run's, so a failure or a pause halts it.
    public mutating func beginRun() {
        live = true
        halt = nil
        inFlight = []
    }

    /// Tells the machine that the executor finished running `item` (its records were applied).
    public mutating func itemReturned(_ item: ItemRef) {
        inFlight.remove(item)
    }

    /// Applies one journal record (replayed or just written).
    ///
    /// - Throws: ``TransitionError`` when the record can't follow the records before it.
    public mutating func apply(_ record: JournalRecord) throws(TransitionError) {
        lastSeq = record.seq
        switch record.type {
        case .plan:
            guard record.seq == 0 else { throw fail(record, "a plan record after the start") }
        case .note, .reveal:
            break
        case .check:
            if record.data.verdict == CheckVerdict.fail.rawValue, let check = record.data.check {
                failedChecks.insert(check)
            }
        case .override:
            guard let check = record.data.check, !check.isEmpty else {
                throw fail(record, "an override names no check")
            }
            overrides[check] = record
        case .approval:
            let step = try knownStep(record)
            approvals[step] = record
        case .stepStarted:
            let step = try knownStep(record)
            guard mode == .forward else { throw fail(record, "step \(step) started while the rotation is \(mode)") }
            guard stepStarted[step] == nil else { throw fail(record, "step \(step) started twice") }
            guard currentStep == step else {
                throw fail(record, "step \(step) started before \(currentStep.map(\.rawValue) ?? "the end") finished")
            }
            if requiresApproval(step), approvals[step] == nil {
                throw fail(record, "step \(step) started without the approval it requires")
            }
            stepStarted[step] = record.at
        case .intent:
            // The item's slot is looked up once (`knownItemSlot`): a long journal replays 100,000 records.
            let (ref, slot) = try knownItemSlot(record)
            guard stepStarted[ref.step] != nil, stepDone[ref.step] == nil else {
                throw fail(record, "intent for \(ref) outside its step")
            }
            guard !items.values[slot].isDone else { throw fail(record, "intent for \(ref), which is already done") }
            items.values[slot] = .started(attempt: record.data.attempt ?? 1)
            intents.insert(ref)
        case .done:
            let (ref, slot) = try knownItemSlot(record)
            guard stepStarted[ref.step] != nil, stepDone[ref.step] == nil else {
                throw fail(record, "outcome for \(ref) outside its step")
            }
            items.values[slot] = .done(record.data.outcome ?? ItemOutcome(), adopted: record.data.adopted ?? false)
        case .failed:
            let (ref, slot) = try knownItemSlot(record)
            let error = record.data.error ?? "failed"
            if mode == .aborting {
                undo[ref] = .failed(error: error)
            } else {
                let attempt: Int
                switch items.values[slot] {
                case .started(let n): attempt = n
                case .failed(_, let n, _): attempt = n
                default: attempt = 1
                }
                items.values[slot] = .failed(error: error, attempt: attempt, kind: record.data.failureKind)
            }
            if live { halt = .failed(ref, error: error, kind: record.data.failureKind) }
        case .paused:
            // A failure of another item in this run says more than a pause: it is what the run reports.
            if live, let step = record.step, !(halt?.isFailure ?? false) {
                halt = .paused(step, reason: record.data.message ?? "waiting")
            }
        case .stepDone:
            let step = try knownStep(record)
            guard stepStarted[step] != nil, stepDone[step] == nil else {
                throw fail(record, "step \(step) finished without starting, or twice")
            }
            let allDone = plannedItems(step).allSatisfy { items[$0]?.isDone == true }
            guard allDone || (isGate(step) && approvals[step] != nil) else {
                throw fail(record, "step \(step) finished with items not done")
            }
            stepDone[step] = record.at
        case .abortRequested:
            guard mode == .forward else { throw fail(record, "abort requested while the rotation is \(mode)") }
            guard !pointOfNoReturnStarted else { throw fail(record, "abort requested after the point of no return") }
            mode = .aborting
            computeUndoPlan()
        case .undoIntent:
            let ref = try knownItem(record)
            guard mode == .aborting, undo[ref] != nil else { throw fail(record, "undo of \(ref) outside an abort") }
            undo[ref] = .started
        case .undone:
            let ref = try knownItem(record)
            guard mode == .aborting, undo[ref] != nil else { throw fail(record, "undo of \(ref) outside an abort") }
            undo[ref] = .undone
        case .aborted:
            guard mode == .aborting, undo.values.allSatisfy({ $0 == .undone }) else {
                throw fail(record, "abort finished with undo actions outstanding")
            }
            mode = .aborted
        case .finished:
            guard mode == .forward, currentStep == nil else { throw fail(record, "finished with steps outstanding") }
            mode = .finished
        }
    }

    // MARK: - Decisions

    /// What to do next. An empty result means: wait for an in-flight item to return.
    ///
    /// Items returned by this call are marked in flight until ``itemReturned(_:)``.
    public mutating func nextActions(limits: RunLimits) -> [Action] {
        if let halt {
            return inFlight.isEmpty ? [.halt(halt)] : []
        }
        switch mode {
        case .finished, .aborted:
            return []
        case .aborting:
            return nextUndoActions(limits: limits)
        case .forward:
            return nextForwardActions(limits: limits)
        }
    }

    private mutating func nextForwardActions(limits: RunLimits) -> [Action] {
        if let until = limits.until, let target = plan.steps.firstIndex(where: { $0.id == until }) {
            // `--until S` runs the steps before S: stop once S is the next step (or behind us).
            let current = currentStep.flatMap { step in plan.steps.firstIndex { $0.id == step } } ?? plan.steps.count
            if current >= target {
                return inFlight.isEmpty ? [.reachedUntil(until)] : []
            }
        }
        guard let step = currentStep else {
            return inFlight.isEmpty ? [.finish] : []
        }
        if stepStarted[step] == nil {
            if requiresApproval(step), approvals[step] == nil { return [.requestApproval(step)] }
            return [.startStep(step)]
        }
        let refs = plannedItems(step)
        if refs.allSatisfy({ items[$0]?.isDone == true }) {
            return inFlight.isEmpty ? [.completeStep(step)] : []
        }
        var actions: [Action] = []
        for ref in refs where inFlight.count < limits.concurrency {
            guard !inFlight.contains(ref), let status = items[ref] else { continue }
            let attempt: Int
            switch status {
            case .done: continue
            case .pending: attempt = 1
            case .started(let n): attempt = n + 1
            case .failed(_, let n, _): attempt = n + 1
            }
            inFlight.insert(ref)
            actions.append(.runItem(ref, attempt: attempt))
        }
        return actions
    }

    private mutating func nextUndoActions(limits: RunLimits) -> [Action] {
        // Undo step by step in the undo order (``computeUndoPlan``), items of one step concurrently: an app
        // never points at a key that is already deleted.
        guard let step = undoOrder.first(where: { undo[$0] != .undone })?.step else {
            return inFlight.isEmpty ? [.finishAbort] : []
        }
        var actions: [Action] = []
        for ref in undoOrder where ref.step == step && undo[ref] != .undone && inFlight.count < limits.concurrency {
            guard !inFlight.contains(ref) else { continue }
            inFlight.insert(ref)
            actions.append(.undoItem(ref))
        }
        return actions
    }

    // MARK: - Queries

    /// The first step not yet done, or `nil` when all are.
    public var currentStep: StepID? {
        plan.steps.first { stepDone[$0.id] == nil }?.id
    }

    /// The state of `item`.
    public func status(of item: ItemRef) -> ItemStatus? { items[item] }

    /// Whether `item`'s side effect was ever announced (an intent record): only then can something found on
    /// the platform be this rotation's own earlier work.
    public func hasIntent(_ item: ItemRef) -> Bool { intents.contains(item) }

    /// The undo state of `item` during an abort.
    public func undoStatus(of item: ItemRef) -> UndoStatus? { undo[item] }

    /// The items being undone, in undo order.
    public var undoItems: [ItemRef] { undoOrder }

    /// Whether `step` started / finished, and when.
    public func started(_ step: StepID) -> Timestamp? { stepStarted[step] }
    public func finished(_ step: StepID) -> Timestamp? { stepDone[step] }

    /// The approval record of `step`, if any.
    public func approval(of step: StepID) -> JournalRecord? { approvals[step] }

    /// Every approval record, by step.
    public var allApprovals: [StepID: JournalRecord] { approvals }

    /// Whether the point of no return has started: an intent of its irreversible action is journaled (from
    /// then on, forward only). A point of no return whose pre-flight refused, or that waits for an approval,
    /// has changed nothing: abort is still possible.
    public var pointOfNoReturnStarted: Bool {
        guard let ponr = plan.pointOfNoReturn else { return false }
        guard stepStarted[ponr] != nil else { return false }
        return plannedItems(ponr).contains { intents.contains($0) } || stepDone[ponr] != nil
    }

    /// The outcome of `item`, when done.
    public func outcome(_ item: ItemRef) -> ItemOutcome? {
        if case .done(let outcome, _) = items[item] { return outcome }
        return nil
    }

    /// Whether `step` is the gate kind (completes on verification or approval), as the plan recorded
    /// (``PlannedStep/isGate``).
    public func isGate(_ step: StepID) -> Bool { plan.step(step)?.isGate ?? false }

    /// Whether `step` needs an approval before it starts.
    public func requiresApproval(_ step: StepID) -> Bool {
        plan.step(step)?.requiresApproval ?? false
    }

    /// The planned items of `step`.
    public func plannedItems(_ step: StepID) -> [ItemRef] {
        plan.step(step)?.items.map { ItemRef(step: step, item: $0.id) } ?? []
    }

    // MARK: - Helpers

    /// The undo order: every step that restores the apps' configuration first, then every step that deletes
    /// what it created (each group in reverse plan order), so that a key is deleted only after the apps were
    /// given their old keys back (the deleting items wait until the apps run them, ``StepBehavior/undoPreflight(_:in:)``).
    private mutating func computeUndoPlan() {
        undoOrder = []
        let reversed = plan.steps.reversed()
        let ordered =
            reversed.filter { $0.undoKind == .restoreTargets } + reversed.filter { $0.undoKind == .deleteCreated }
        for step in ordered {
            for item in step.items.reversed() {
                let ref = ItemRef(step: step.id, item: item.id)
                switch items[ref] {
                case .pending, nil: continue
                default:
                    undoOrder.append(ref)
                    undo[ref] = .pending
                }
            }
        }
    }

    private func knownStep(_ record: JournalRecord) throws(TransitionError) -> StepID {
        guard let step = record.step, plan.step(step) != nil else {
            throw fail(record, "\(record.type.rawValue) for a step that is not in the plan")
        }
        return step
    }

    /// The item of `record` and its slot in `items` (valid until `items` gains or loses a key, which
    /// never happens after `init`).
    private func knownItemSlot(_ record: JournalRecord) throws(TransitionError) -> (
        ItemRef, Dictionary<ItemRef, ItemStatus>.Index
    ) {
        let step = try knownStep(record)
        let ref = ItemRef(step: step, item: record.item ?? "")
        guard record.item != nil, let slot = items.index(forKey: ref) else {
            throw fail(record, "\(record.type.rawValue) for an item that is not in step \(step)")
        }
        return (ref, slot)
    }

    private func knownItem(_ record: JournalRecord) throws(TransitionError) -> ItemRef {
        let step = try knownStep(record)
        guard let item = record.item, items[ItemRef(step: step, item: item)] != nil else {
            throw fail(record, "\(record.type.rawValue) for an item that is not in step \(step)")
        }
        return ItemRef(step: step, item: item)
    }

    private func fail(_ record: JournalRecord, _ reason: String) -> TransitionError {
        TransitionError(seq: record.seq, reason: reason)
    }
}

/// One item of one step.
public struct ItemRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var step: StepID
    public var item: String

    public init(step: StepID, item: String) {
        self.step = step
        self.item = item
    }

    public var description: String { "\(step)/\(item)" }
}
