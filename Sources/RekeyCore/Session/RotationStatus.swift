/// Where a rotation stands, derived from its journal: for `status`, `explain`, `gate` and CI summaries.
public struct RotationStatus: Sendable, Equatable, Codable {
    /// The JSON schema identifier of ``RotationStatus`` output.
    public static let schema = "rekey.status/v1"

    /// The overall state.
    public enum State: String, Sendable, Codable {
        case inProgress = "in-progress"
        case finished
        case aborting
        case aborted
    }

    /// A step's state.
    public enum StepState: String, Sendable, Codable {
        case pending
        case running
        case waiting
        case failed
        case done
    }

    /// One step.
    public struct Step: Sendable, Equatable, Codable {
        public var id: StepID
        public var title: String
        public var state: StepState
        public var itemsTotal: Int
        public var itemsDone: Int
        public var itemsFailed: Int
        public var pointOfNoReturn: Bool
        public var requiresApproval: Bool
        public var approvedBy: String?
        /// When the approval was recorded, and how it was given (`flag`, `prompt`, `approve-command`).
        public var approvedAt: Timestamp?
        public var approvedVia: String?
        public var startedAt: Timestamp?
        public var finishedAt: Timestamp?
        /// From start to done, across resumes (so it includes any wait in between).
        public var durationMs: Int?
        /// The latest error or waiting reason of an item, if any.
        public var problem: String?
    }

    public var schema: String
    public var journal: String
    public var rotationID: String
    public var environment: String
    public var platform: String
    public var planHash: String
    public var state: State
    public var steps: [Step]
    /// The point of no return and whether it has started.
    public var pointOfNoReturn: StepID?
    public var pointOfNoReturnPassed: Bool
    /// The step the rotation is at (first not done).
    public var currentStep: StepID?
    /// Why it is not moving, when it isn't.
    public var blockedBy: String?
    /// Who or what it waits for, when it waits (an approver, the apps' redeploy, a person in the dashboard).
    public var waitingOn: String?
    /// The exact command that continues.
    public var next: String?
    /// The last record's time.
    public var updatedAt: Timestamp
    /// Warnings recorded in the plan.
    public var warnings: [String]
    /// Every override of a failed check, in journal order: a person passed the check explicitly.
    public var overrides: [Override]

    /// A person's override of a failed check.
    public struct Override: Sendable, Equatable, Codable {
        /// The check (`confirm-redeploy/billing`).
        public var check: String
        /// Who, how (`override-command`, `flag`), when, and why.
        public var by: String
        public var via: String
        public var at: Timestamp
        public var reason: String
        /// Whether an action went ahead on it (a check journaled as overridden).
        public var used: Bool
    }

    /// Derives the status from verified journal contents.
    public init(contents: JournalContents, machine: RotationStateMachine) {
        let plan = machine.plan
        let records = contents.records
        self.schema = Self.schema
        self.journal = contents.path
        self.rotationID = plan.rotationID
        self.environment = plan.playbook.environment ?? "?"
        self.platform = plan.playbook.platformKind ?? "?"
        self.planHash = plan.hash
        self.pointOfNoReturn = plan.pointOfNoReturn
        self.pointOfNoReturnPassed = machine.pointOfNoReturnStarted
        self.currentStep = machine.currentStep
        self.updatedAt = records.last?.at ?? plan.createdAt
        self.warnings = plan.warnings

        // The latest problem per step, from this journal's last `failed` / `paused` records that are
        // not followed by a `done` of the same item.
        var problems: [StepID: String] = [:]
        var lastPauseIndex: Int?
        // By index, reading fields in place: a long journal's records are not copied one by one.
        for index in records.indices {
            switch records[index].type {
            case .failed, .paused:
                if let step = records[index].step {
                    problems[step] = records[index].data.error ?? records[index].data.message
                }
                if records[index].type == .paused { lastPauseIndex = index }
            case .stepDone, .stepStarted:
                if let step = records[index].step { problems[step] = nil }
                lastPauseIndex = nil
            case .approval:
                lastPauseIndex = nil
            default:
                break
            }
        }
        let lastPause = lastPauseIndex.map { records[$0] }
        var overrides: [Override] = []
        var used: Set<String> = []
        for record in records {
            if record.type == .override, let check = record.data.check {
                overrides.append(
                    Override(
                        check: check, by: record.data.by ?? "?", via: record.data.via ?? "?", at: record.at,
                        reason: record.data.reason ?? "", used: false))
            } else if record.type == .check, record.data.verdict == CheckVerdict.overridden.rawValue,
                let check = record.data.check
            {
                used.insert(check)
            } else if record.type == .done, record.data.outcome?.detail?.contains("overridden by") == true,
                let step = record.step, let item = record.item
            {
                used.insert("\(step)/\(item)")
            }
        }
        self.overrides = overrides.map { override in
            var override = override
            override.used = used.contains(override.check)
            return override
        }

        self.steps = plan.steps.map { planned in
            let refs = planned.items.map { ItemRef(step: planned.id, item: $0.id) }
            let done = refs.filter { machine.status(of: $0)?.isDone == true }.count
            let failed = refs.filter {
                if case .failed = machine.status(of: $0) { return true }
                return false
            }.count
            let state: StepState
            if machine.finished(planned.id) != nil {
                state = .done
            } else if failed > 0 {
                state = .failed
            } else if problems[planned.id] != nil || (machine.currentStep == planned.id && lastPause != nil) {
                state = .waiting
            } else if machine.started(planned.id) != nil {
                state = .running
            } else {
                state = .pending
            }
            return Step(
                id: planned.id,
                title: planned.title,
                state: state,
                itemsTotal: refs.count,
                itemsDone: done,
                itemsFailed: failed,
                pointOfNoReturn: planned.pointOfNoReturn,
                requiresApproval: planned.requiresApproval,
                approvedBy: machine.approval(of: planned.id)?.data.by,
                approvedAt: machine.approval(of: planned.id)?.at,
                approvedVia: machine.approval(of: planned.id)?.data.via,
                startedAt: machine.started(planned.id),
                finishedAt: machine.finished(planned.id),
                durationMs: machine.started(planned.id).flatMap { started in
                    machine.finished(planned.id).map { Int(started.milliseconds(to: $0)) }
                },
                problem: problems[planned.id]
            )
        }

        let path = contents.path
        waitingOn = nil
        switch machine.mode {
        case .finished:
            state = .finished
            blockedBy = nil
            next = nil
        case .aborted:
            state = .aborted
            blockedBy = nil
            next = nil
        case .aborting:
            state = .aborting
            blockedBy = "the rollback is not complete"
            next = "rekey abort \(path)"
        case .forward:
            state = .inProgress
            let current = machine.currentStep
            let step = current.flatMap { id in steps.first { $0.id == id } }
            if let step, step.state == .failed {
                blockedBy = "\(step.id) failed: \(step.problem ?? "see 'rekey log \(path)'")"
                next = "rekey resume \(path)"
            } else if let step, machine.started(step.id) == nil, step.requiresApproval, step.approvedBy == nil {
                blockedBy = "\(step.id) needs an approval" + (step.pointOfNoReturn ? " (the point of no return)" : "")
                // Bound to the plan: the approval can't be replayed against another rotation's plan.
                next = "rekey resume \(path) --approve \(step.id) --plan-hash \(plan.hash.prefix(12))"
                let what = step.pointOfNoReturn ? "is the point of no return" : "needs an approval"
                waitingOn =
                    "an approver: \(step.id) \(what) (or 'rekey approve \(path) \(step.id) --plan-hash "
                    + "\(plan.hash.prefix(12))', then resume)"
            } else if let step, step.state == .waiting {
                blockedBy = "\(step.id) is waiting: \(step.problem ?? lastPause?.data.message ?? "see the log")"
                next = "rekey resume \(path)"
                if machine.isGate(step.id) {
                    waitingOn =
                        "the apps' redeploy: each app must run with the new keys (redeploy, then resume); an app rekey "
                        + "can't check needs an approver ('rekey approve \(path) \(step.id)'), and one whose check "
                        + "says no passes only by an explicit override ('rekey override \(path) \(step.id)/APP "
                        + "--reason …')"
                } else if step.id == .dropFallback {
                    waitingOn =
                        "the apps' redeploy: each app must restart without INNGEST_SIGNING_KEY_FALLBACK (redeploy, then "
                        + "resume)"
                } else if plan.step(step.id)?.automatic == false {
                    waitingOn = "a person: \(step.id) is guided; do what the instructions say, then resume"
                } else {
                    waitingOn = "the condition above; resume once it holds"
                }
            } else {
                blockedBy = nil
                next = "rekey resume \(path)"
            }
        }
    }
}
