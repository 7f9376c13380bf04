import Foundation

/// The operations the CLI offers over one rotation: plan, start, resume, abort, approve.
///
/// Each mutating operation takes the journal's lock for its whole duration, replays the journal
/// into a fresh ``RotationStateMachine``, and hands over to the ``RotationExecutor``.
public struct RotationSession: Sendable {
    /// Builds platforms, targets and verifiers.
    public var provider: any BackendProvider
    /// Process environment (credentials, CI metadata).
    public var environment: [String: String]
    /// rekey's version, recorded in plans.
    public var toolVersion: String
    /// Progress output.
    public var observer: any RunObserver
    /// Time.
    public var clock: EngineClock
    /// Backoff.
    public var retry: RetryPolicy
    /// Fault injection (testing aid).
    public var faults: FaultInjector
    /// Graceful stop requests (signals).
    public var stop: StopToken
    /// The operator's key for secrets the platform shows once (`REKEY_SEAL_KEY`, `--seal-key-file`).
    public var sealKey: SealKey?
    /// `--force`: start despite an unfinished rotation of the environment, adopting an existing
    /// inactive signing key.
    public var force = false
    /// `--no-wait` (0) or another bound on how long a run waits for redeploys and people, overriding
    /// the playbook's `confirmRedeploy.timeout`.
    public var waitTimeout: Double?
    /// Where each environment's lock and its started rotations are kept, whatever the journal's path
    /// (``EnvironmentRegistry``); `nil`: no environment lock (tests of one session).
    public var registry: EnvironmentRegistry?

    public init(
        provider: any BackendProvider,
        environment: [String: String],
        toolVersion: String,
        observer: any RunObserver = SilentObserver(),
        clock: EngineClock = .system,
        retry: RetryPolicy = RetryPolicy(),
        faults: FaultInjector = .none,
        stop: StopToken = StopToken(),
        sealKey: SealKey? = nil
    ) {
        self.stop = stop
        self.sealKey = sealKey
        self.provider = provider
        self.environment = environment
        self.toolVersion = toolVersion
        self.observer = observer
        self.clock = clock
        self.retry = retry
        self.faults = faults
    }

    /// The result of a session command.
    public struct Outcome: Sendable {
        /// How the run ended.
        public var result: RunResult
        /// The journal path.
        public var journal: String
        /// The plan.
        public var plan: RotationPlan
        /// The state after the run.
        public var machine: RotationStateMachine
    }

    // MARK: - Plan

    /// Loads a playbook and plans a rotation from live state, changing nothing.
    public func plan(playbookPath: String, rotationID: String? = nil) async throws -> (Playbook, RotationPlan) {
        let playbook = try PlaybookLoader.load(path: playbookPath)
        let backends = try provider.backends(for: playbook, environment: environment)
        let planner = RotationPlanner(
            playbook: playbook,
            platform: RetryingReads(backends.platform, retry: retry, clock: clock, observer: observer),
            targets: backends.targets,
            toolVersion: toolVersion,
            clock: clock
        )
        return (playbook, try await planner.makePlan(rotationID: rotationID))
    }

    /// The default journal path for a plan: `<playbook dir>/.rekey/<rotation id>.jsonl`.
    public static func defaultJournalPath(for plan: RotationPlan) -> String {
        let directory = FileIO.parentDirectory(of: plan.playbook.path)
        return "\(directory)/.rekey/\(plan.rotationID).jsonl"
    }

    // MARK: - Start

    /// Plans from live state, creates the journal, and runs.
    ///
    /// - Parameters:
    ///   - playbookPath: The playbook.
    ///   - journalPath: Where to create the journal (default: ``defaultJournalPath(for:)``).
    ///   - approvals: Approvals available to this run.
    ///   - limits: `--until` and concurrency (concurrency `nil`: the playbook's).
    ///   - prepared: A plan made earlier (a saved plan); when given, it is used instead of planning.
    public func start(
        playbookPath: String,
        journalPath: String?,
        approvals: ApprovalSource,
        until: StepID?,
        prepared: (Playbook, RotationPlan)? = nil
    ) async throws -> Outcome {
        // Validate everything that needs no lock first: bad input must leave no file behind.
        let playbook = try prepared?.0 ?? PlaybookLoader.load(path: playbookPath)
        let backends = try provider.backends(for: playbook, environment: environment)
        if let until, !playbook.steps.contains(until) { throw SessionError.unknownStep(until, known: playbook.steps) }
        for step in approvals.preApproved where !playbook.steps.contains(step) {
            throw SessionError.unknownStep(step, known: playbook.steps)
        }
        // Double rotation: refuse while an earlier rotation of this environment is open.
        if !force, prepared == nil,
            let open = EarlierRotations.unfinished(
                near: playbook.path,
                environment: playbook.environment,
                excluding: journalPath
            ).first
        {
            throw SessionError.unfinishedRotation(open.warning)
        }
        // A step that will seal a once-shown secret needs the seal key: refuse now, before any change.
        try SealingRequirement.check(steps: playbook.steps, platform: backends.platform, key: sealKey)
        // One rotation per environment: held from before planning until this command ends, so that two
        // starts race safely, and checked against every rotation started on it wherever its journal is.
        let identity = backends.environmentIdentity(playbook)
        let environmentLock = try registry?.lock(identity, command: "run", journal: journalPath)
        defer { environmentLock?.release() }
        if !force, let open = unfinishedRegistered(identity, excluding: journalPath) {
            throw SessionError.unfinishedRotation(open.warning)
        }

        // Lock an explicit path before touching the platform, so a second run fails at once.
        var lock: JournalLock?
        defer { lock?.release() }
        var createdLockFile: String?
        if let journalPath {
            // What can never become this rotation's journal is refused now, before anything is created; a
            // stillborn journal of this playbook is replaced only once planning succeeded (JournalWriter).
            _ = try JournalReader.checkNewJournalPath(
                journalPath, playbookPath: playbook.path, contentHash: playbook.contentHash)
            try ensureDirectory(of: journalPath)
            let lockPath = JournalLock.path(forJournal: journalPath)
            let existed = FileIO.exists(lockPath)
            lock = try JournalLock.acquire(journal: journalPath, command: "run")
            if !existed { createdLockFile = lockPath }
            // A journal a killed run was creating (a temporary file beside its path).
            FileIO.removeStaleTemporaries(of: journalPath)
        }
        StaleTemporaries.remove(near: playbook)
        do {
            let plan: RotationPlan
            if let prepared {
                plan = prepared.1
            } else {
                var planner = RotationPlanner(
                    playbook: playbook,
                    platform: RetryingReads(backends.platform, retry: retry, clock: clock, observer: observer),
                    targets: backends.targets,
                    toolVersion: toolVersion,
                    clock: clock
                )
                planner.force = force
                plan = try await planner.makePlan()
            }
            try validate(until: until, approvals: approvals, plan: plan)
            let path = journalPath ?? Self.defaultJournalPath(for: plan)
            if lock == nil {
                try ensureDirectory(of: path)
                lock = try JournalLock.acquire(journal: path, command: "run")
            }
            guard let lock else { preconditionFailure("lock acquired above") }
            for warning in plan.warnings { observer.handle(.warning(warning)) }
            let writer = try await JournalWriter.create(path: path, plan: plan, lock: lock, faults: faults)
            createdLockFile = nil
            try registry?.register(identity, rotationID: plan.rotationID, journal: path)
            observer.handle(.began(plan, journal: path, resumed: false))
            var machine = RotationStateMachine(plan: plan)
            for record in await writer.allRecords { try machine.apply(record) }
            return try await execute(playbook, backends, writer, &machine, approvals, until, path)
        } catch {
            // Planning failed before the journal existed: leave no lock file behind either.
            if let createdLockFile { try? FileIO.remove(createdLockFile) }
            throw error
        }
    }

    // MARK: - Resume

    /// Continues a rotation from its journal (forward, or an abort in progress).
    public func resume(journalPath: String, approvals: ApprovalSource, until: StepID?) async throws -> Outcome {
        let lock = try JournalLock.acquire(existingJournal: journalPath, command: "resume")
        defer { lock.release() }
        let contents = try JournalReader.read(path: journalPath)
        StaleTemporaries.remove(near: contents.plan)
        var machine = try Self.replay(contents)
        switch machine.mode {
        case .finished: throw SessionError.alreadyFinished(journal: journalPath)
        case .aborted: throw SessionError.alreadyAborted(journal: journalPath)
        case .forward, .aborting: break
        }
        try validate(until: until, approvals: approvals, plan: machine.plan)
        let playbook = try Self.playbook(from: machine.plan)
        let backends = try provider.backends(for: playbook, environment: environment)
        // A missing or wrong seal key stops the resume here, before the step that would seal or open.
        try SealingRequirement.check(machine: machine, platform: backends.platform, key: sealKey)
        let identity = backends.environmentIdentity(playbook)
        let environmentLock = try registry?.lock(identity, command: "resume", journal: journalPath)
        defer { environmentLock?.release() }
        try registry?.register(identity, rotationID: machine.plan.rotationID, journal: journalPath)
        let writer = try await JournalWriter.open(contents, lock: lock, faults: faults)
        observer.handle(.began(machine.plan, journal: journalPath, resumed: true))
        if contents.tornTail != nil, let note = await writer.allRecords.last {
            try machine.apply(note)
            observer.handle(.warning(note.data.message ?? "dropped a torn last line"))
        }
        for (check, reason) in approvals.overrides.sorted(by: { $0.key < $1.key }) {
            let record = try await writer.append(
                try Self.overrideEntry(check, reason: reason, by: approvals.actor, via: "flag", machine: machine))
            try machine.apply(record)
            observer.handle(.warning("\(check): overridden by \(approvals.actor) (\(reason))"))
        }
        return try await execute(playbook, backends, writer, &machine, approvals, until, journalPath)
    }

    // MARK: - Abort

    /// Rolls the rotation back (before the point of no return only).
    ///
    /// - Parameter approvals: `--approve STEP` confirms that a person restored STEP's manual targets as asked.
    ///   - confirm: Asked, with the journal locked, before an abort starts (not when one is under way), with
    ///     what it will undo; `false` changes nothing and throws ``SessionError/abortNotConfirmed(journal:)``.
    public func abort(
        journalPath: String,
        by: String,
        approvals: ApprovalSource = ApprovalSource(),
        confirm: @Sendable (AbortPreview) async throws -> Bool = { _ in true }
    ) async throws -> Outcome {
        let lock = try JournalLock.acquire(existingJournal: journalPath, command: "abort")
        defer { lock.release() }
        let contents = try JournalReader.read(path: journalPath)
        StaleTemporaries.remove(near: contents.plan)
        var machine = try Self.replay(contents)
        switch machine.mode {
        case .finished: throw SessionError.nothingToAbort(journal: journalPath)
        case .aborted: throw SessionError.alreadyAborted(journal: journalPath)
        case .forward, .aborting: break
        }
        if machine.mode == .forward, machine.pointOfNoReturnStarted, let step = machine.plan.pointOfNoReturn {
            throw SessionError.pastPointOfNoReturn(journal: journalPath, step: step)
        }
        let playbook = try Self.playbook(from: machine.plan)
        let backends = try provider.backends(for: playbook, environment: environment)
        let identity = backends.environmentIdentity(playbook)
        let environmentLock = try registry?.lock(identity, command: "abort", journal: journalPath)
        defer { environmentLock?.release() }
        let preview = AbortPreview(machine: machine)
        if !preview.alreadyAborting, try await !confirm(preview) {
            throw SessionError.abortNotConfirmed(journal: journalPath)
        }
        let writer = try await JournalWriter.open(contents, lock: lock, faults: faults)
        observer.handle(.began(machine.plan, journal: journalPath, resumed: true))
        if contents.tornTail != nil, let note = await writer.allRecords.last { try machine.apply(note) }
        if machine.mode == .forward {
            let record = try await writer.append(JournalEntry(type: .abortRequested, data: RecordData(by: by)))
            try machine.apply(record)
        }
        return try await execute(playbook, backends, writer, &machine, approvals, nil, journalPath)
    }

    // MARK: - Approve

    /// Records an approval of `step` in the journal, for a later `resume`.
    public func approve(journalPath: String, step: StepID, by: String, planHash: String?) async throws -> JournalRecord
    {
        let lock = try JournalLock.acquire(existingJournal: journalPath, command: "approve")
        defer { lock.release() }
        let contents = try JournalReader.read(path: journalPath)
        var machine = try Self.replay(contents)
        let plan = machine.plan
        guard let planned = plan.step(step) else {
            throw SessionError.unknownStep(step, known: plan.steps.map(\.id))
        }
        if let planHash, planHash != plan.hash, !(planHash.count >= 12 && plan.hash.hasPrefix(planHash)) {
            throw SessionError.planHashMismatch(expected: plan.hash, given: planHash)
        }
        switch machine.mode {
        case .finished: throw SessionError.alreadyFinished(journal: journalPath)
        case .aborted, .aborting: throw SessionError.alreadyAborted(journal: journalPath)
        case .forward: break
        }
        if machine.finished(step) != nil {
            throw SessionError.nothingToApprove(step, reason: "the step is already done")
        }
        if machine.approval(of: step) != nil {
            throw SessionError.nothingToApprove(step, reason: "it is already approved")
        }
        if !planned.requiresApproval, !machine.isGate(step) {
            throw SessionError.nothingToApprove(step, reason: "the step does not need an approval")
        }
        let writer = try await JournalWriter.open(contents, lock: lock, faults: faults)
        if contents.tornTail != nil, let note = await writer.allRecords.last { try machine.apply(note) }
        let record = try await writer.append(
            JournalEntry(
                type: .approval, step: step, data: RecordData(by: by, via: "approve-command", planHash: plan.hash))
        )
        try machine.apply(record)
        return record
    }

    // MARK: - Override

    /// Records a person's override of a check that failed, with their reason, for a later `resume`.
    ///
    /// - Throws: ``SessionError/nothingToOverride(check:failed:)`` for a check that has not failed (an
    ///   override never comes before the evidence it overrides), ``SessionError/overrideNeedsReason(check:)``.
    public func override(journalPath: String, check: String, reason: String, by: String) async throws -> JournalRecord {
        let lock = try JournalLock.acquire(existingJournal: journalPath, command: "override")
        defer { lock.release() }
        let contents = try JournalReader.read(path: journalPath)
        var machine = try Self.replay(contents)
        switch machine.mode {
        case .finished: throw SessionError.alreadyFinished(journal: journalPath)
        case .aborted: throw SessionError.alreadyAborted(journal: journalPath)
        case .forward, .aborting: break
        }
        let entry = try Self.overrideEntry(check, reason: reason, by: by, via: "override-command", machine: machine)
        let writer = try await JournalWriter.open(contents, lock: lock, faults: faults)
        if contents.tornTail != nil, let note = await writer.allRecords.last { try machine.apply(note) }
        let record = try await writer.append(entry)
        try machine.apply(record)
        return record
    }

    /// The `override` record of `check`, refused for a check that has not failed or without a reason.
    static func overrideEntry(_ check: String, reason: String, by: String, via: String, machine: RotationStateMachine)
        throws -> JournalEntry
    {
        guard machine.failedChecks.contains(check) else {
            throw SessionError.nothingToOverride(check: check, failed: machine.failedChecks.sorted())
        }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw SessionError.overrideNeedsReason(check: check) }
        return JournalEntry(
            type: .override,
            data: RecordData(by: by, via: via, planHash: machine.plan.hash, check: check, reason: reason))
    }

    // MARK: - Reading

    /// Replays verified journal contents into a state machine.
    public static func replay(_ contents: JournalContents) throws(JournalError) -> RotationStateMachine {
        var machine = RotationStateMachine(plan: contents.plan)
        // By index: each record is passed borrowed, not copied (a long journal has 100,000 of them).
        for index in contents.records.indices.dropFirst() {
            do {
                try machine.apply(contents.records[index])
            } catch {
                throw .corrupt(path: contents.path, line: contents.records[index].seq + 1, reason: error.reason)
            }
        }
        return machine
    }

    /// The playbook recorded in a plan.
    public static func playbook(from plan: RotationPlan) throws -> Playbook {
        do {
            return try PlaybookLoader.load(bytes: Array(plan.playbook.text.utf8), path: plan.playbook.path)
        } catch {
            throw SessionError.snapshotInvalid("\(error)")
        }
    }

    // MARK: - Helpers

    private func execute(
        _ playbook: Playbook,
        _ backends: Backends,
        _ writer: JournalWriter,
        _ machine: inout RotationStateMachine,
        _ approvals: ApprovalSource,
        _ until: StepID?,
        _ path: String
    ) async throws -> Outcome {
        var playbook = playbook
        if let waitTimeout { playbook.options.confirmRedeploy.timeout = waitTimeout }
        let executor = RotationExecutor(
            platform: backends.platform,
            playbook: playbook,
            targets: backends.targets,
            verifiers: backends.verifiers,
            observer: observer,
            approvals: approvals,
            clock: clock,
            retry: retry,
            faults: faults,
            stop: stop,
            sealKey: sealKey
        )
        let limits = RotationStateMachine.RunLimits(until: until, concurrency: playbook.options.concurrency)
        let result = try await executor.run(journal: writer, machine: &machine, limits: limits)
        if result == .finished || result == .aborted {
            registry?.unregister(backends.environmentIdentity(playbook), rotationID: machine.plan.rotationID)
        }
        return Outcome(result: result, journal: path, plan: machine.plan, machine: machine)
    }

    private func validate(until: StepID?, approvals: ApprovalSource, plan: RotationPlan) throws {
        let known = plan.steps.map(\.id)
        if let until, !known.contains(until) { throw SessionError.unknownStep(until, known: known) }
        for step in approvals.preApproved where !known.contains(step) {
            throw SessionError.unknownStep(step, known: known)
        }
    }

    /// The first rotation registered on `identity` whose journal is unfinished (finished, aborted and
    /// vanished journals are forgotten), except `excluding`.
    private func unfinishedRegistered(_ identity: String, excluding: String?) -> EarlierRotations.Unfinished? {
        guard let registry else { return nil }
        for registered in registry.rotations(of: identity) where registered.journal != excluding {
            guard FileIO.exists(registered.journal) else {
                // The journal moved (a CI artifact) or was deleted: the platform's own state still tells
                // (``EarlierRotations/onPlatform(_:template:)``).
                registry.unregister(identity, rotationID: registered.rotationID)
                continue
            }
            guard let found = EarlierRotations.state(of: registered.journal) else {
                registry.unregister(identity, rotationID: registered.rotationID)
                continue
            }
            return found
        }
        return nil
    }

    private func ensureDirectory(of path: String) throws {
        let directory = FileIO.parentDirectory(of: path)
        if !FileIO.isDirectory(directory) { try FileIO.makeDirectory(directory) }
    }
}
