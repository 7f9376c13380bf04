import Foundation
import RekeyCore
import RekeySandbox
import Synchronization

/// A model-based test of the whole system: a seeded generator of schedules that interleave what operators
/// do (run, resume, approve, override, abort, `--until`, a crash at any instant) with what the world does
/// (an app redeploys, restarts with its old configuration or goes down; a key is deleted or its filters
/// edited in the dashboard; a storm of HTTP 429s), on an in-process sandbox. After every event, and after
/// every change the platform commits, ``SafetyInvariants`` reads the sandbox and the apps' files (never
/// the engine) and records what it finds.
///
/// A world event is applied only when it keeps the invariants itself (the world may be hostile, but an
/// outage it causes on its own is not rekey's): a key an app holds is never deleted, an app rolls back
/// only to a configuration the platform still accepts. Every violation is then rekey's. An outage that
/// follows an explicit override is the override's, and counted apart.
///
/// Each schedule ends with a drain: a diligent operator redeploys the apps and resumes until the rotation
/// finishes (then nothing replaced may remain) or, before the point of no return, aborts (then nothing it
/// created may remain).
public enum SafetyModel {
    /// What one schedule did and found.
    public struct Report: Sendable {
        /// The seed that replays it.
        public var seed: UInt64
        /// The events, in order, in words.
        public var events: [String] = []
        /// Broken invariants.
        public var violations: [SafetyInvariants.Violation] = []
        /// Outages after an explicit override (the person accepted the risk).
        public var excused = 0
        /// `finished`, `aborted`, `not started`, or `stuck: …`.
        public var outcome = "not started"
        /// Counts of what was exercised.
        public var operatorActions = 0
        public var worldEvents = 0
        public var overrides = 0
        public var aborts = 0
        public var crashes = 0
        public var approvals = 0
        public var refusedStarts = 0

        /// Whether the schedule broke no invariant.
        public var passed: Bool { violations.isEmpty }

        /// The schedule, for a failure message: seed, events, violations.
        public var story: String {
            "seed \(seed) (replay: REKEY_MODEL_SEED=\(seed)):\n  "
                + events.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n  ")
                + "\nviolations:\n  " + violations.map(\.description).joined(separator: "\n  ")
        }
    }

    /// Runs the schedule of `seed` in a fresh sandbox under `root` (removed afterwards).
    public static func run(seed: UInt64, root: String) async -> Report {
        var report = Report(seed: seed)
        let directory = root + "/schedule-\(String(seed, radix: 16))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let world = try World(directory: directory, seed: seed)
            try await world.play(&report)
        } catch {
            report.violations.append(.init(invariant: "model", detail: "the schedule could not run: \(error)"))
        }
        return report
    }

    /// A directory for schedules: memory-backed when the system has one (fsync is then free).
    public static func scratchDirectory() -> String {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return base + "/rekey-model-\(getpid())-\(UUID().uuidString.prefix(8))"
    }
}

// MARK: - The world of one schedule

/// One schedule's sandbox, its apps, its operator and its generator.
final class World: @unchecked Sendable {
    // Invariant: the mutable state below is only touched by the schedule's own task (one event at a time);
    // the hooks the platform calls concurrently use the Mutex/Atomic fields only.
    let directory: String
    let scaffold: SandboxScaffold.Result
    var random: SplitMix64
    let storm = Atomic<Int>(0)
    let instant = Mutex<[SafetyInvariants.Violation]>([])
    /// The running configuration of each app before its last redeploy (for "restarts with its old one").
    var previous: [String: SandboxState.Running] = [:]
    /// The journals of the rotations started, in order.
    var journals: [String] = []
    var nextJournal = 0

    init(directory: String, seed: UInt64) throws {
        self.directory = directory
        random = SplitMix64(seed: seed)
        let apps = 2 + random.below(2)
        let eventKeys = 1 + random.below(2)
        scaffold = try SandboxScaffold.create(
            directory: directory + "/sandbox", apps: apps, eventKeys: eventKeys, autoRedeploy: false)
        // Mostly the whole procedure; sometimes the signing key or the event keys alone.
        let procedure = random.pick([
            "inngest", "inngest", "inngest", "inngest", "inngest-signing-key", "inngest-event-keys",
        ])
        if procedure != "inngest" {
            var text = try FileIO.readText(scaffold.playbookPath)
            text = text.replacingOccurrences(of: #""procedure": "inngest""#, with: #""procedure": "\#(procedure)""#)
            let ponr = procedure == "inngest-event-keys" ? "delete-old-event-keys" : "rotate-signing-key"
            text = text.replacingOccurrences(
                of: #""requireApproval": \[[^\]]*\]"#, with: #""requireApproval": ["\#(ponr)"]"#,
                options: .regularExpression)
            try FileIO.writeAtomically(Array(text.utf8), to: scaffold.playbookPath)
        }
    }

    var store: SandboxStore { SandboxStore(path: scaffold.statePath) }
    var sandboxDirectory: String { scaffold.directory }
    var journal: String? { journals.last }

    // MARK: - The schedule

    func play(_ report: inout Report) async throws {
        let length = 6 + random.below(18)
        for _ in 0..<length {
            let event = try await step(&report)
            report.events.append(event)
            try check(&report, after: event)
        }
        try await drain(&report)
    }

    typealias Report = SafetyModel.Report

    /// One event, chosen by weight among those that make sense now.
    private func step(_ report: inout Report) async throws -> String {
        // Most schedules start a rotation early: a schedule that never starts one checks little.
        let roll = journal == nil && random.chance(0.6) ? 0 : random.below(100)
        switch roll {
        case 0..<14:
            report.operatorActions += 1
            return try await start(&report)
        case 14..<36:
            report.operatorActions += 1
            return try await resume(&report, crash: false)
        case 36..<44:
            report.operatorActions += 1
            report.crashes += 1
            return try await resume(&report, crash: true)
        case 44..<49:
            report.operatorActions += 1
            return try await approve(&report)
        case 49..<52:
            report.operatorActions += 1
            return try await override(&report)
        case 52..<57:
            report.operatorActions += 1
            report.aborts += 1
            return try await abort(&report)
        default:
            report.worldEvents += 1
            return try await worldEvent()
        }
    }

    // MARK: - Operators

    private func session(crashAt: Int? = nil) -> RotationSession {
        let counter = Atomic<Int>(0)
        let faults = FaultInjector { point in
            guard let crashAt else { return }
            if case .journalWrite = point { return }
            if counter.wrappingAdd(1, ordering: .relaxed).newValue == crashAt { throw SimulatedCrash(point: point) }
        }
        var session = RotationSession(
            provider: ModelProvider(world: self),
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
            toolVersion: "model",
            retry: RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0),
            faults: faults
        )
        session.waitTimeout = 0
        session.registry = EnvironmentRegistry(directory: directory + "/state")
        return session
    }

    private func approvals() -> ApprovalSource {
        var steps: Set<StepID> = []
        if random.chance(0.7) { steps.insert(.rotateSigningKey) }
        if random.chance(0.7) { steps.insert(.deleteOldEventKeys) }
        if random.chance(0.3) { steps.insert(.confirmRedeploy) }
        return ApprovalSource(preApproved: steps, actor: "model")
    }

    private func until(_ plan: [StepID]) -> StepID? {
        random.chance(0.3) ? random.pick(plan) : nil
    }

    private func start(_ report: inout Report) async throws -> String {
        let open = try journal.map { try JournalReader.read(path: $0) }.flatMap { try? RotationSession.replay($0) }
        let unfinished = open.map { $0.mode == .forward || $0.mode == .aborting } ?? false
        let path = directory + "/rotation-\(nextJournal).jsonl"
        nextJournal += 1
        let playbook = try PlaybookLoader.load(path: scaffold.playbookPath)
        let until = until(playbook.steps)
        var approvals = approvals()
        approvals.preApproved = approvals.preApproved.filter(playbook.steps.contains)
        let keysBefore = try store.snapshot()
        let result = await outcome {
            try await self.unlocked {
                try await self.session().start(
                    playbookPath: self.scaffold.playbookPath, journalPath: path, approvals: approvals, until: until)
            }
        }
        if FileIO.exists(path) {
            if unfinished {
                // One rotation per environment: a start beside an unfinished rotation must change nothing.
                let state = try store.snapshot()
                if state.signingKeys.count > keysBefore.signingKeys.count
                    || state.eventKeys.count > keysBefore.eventKeys.count
                {
                    report.violations.append(
                        .init(
                            invariant: "one rotation per environment",
                            detail: "a second rotation started beside an unfinished one and created keys"))
                }
            }
            journals.append(path)
        } else {
            report.refusedStarts += 1
        }
        return "run\(until.map { " --until \($0)" } ?? "") approving \(approvals.preApproved.sorted()): \(result)"
    }

    private func resume(_ report: inout Report, crash: Bool) async throws -> String {
        guard let journal else { return "resume: no journal" }
        let plan = try JournalReader.read(path: journal).plan
        let until = until(plan.steps.map(\.id))
        var approvals = approvals()
        approvals.preApproved = approvals.preApproved.filter { plan.step($0) != nil }
        let crashAt = crash ? 1 + random.below(30) : nil
        let result = await outcome {
            try await self.unlocked {
                try await self.session(crashAt: crashAt).resume(
                    journalPath: journal, approvals: approvals, until: until)
            }
        }
        let verb = crash ? "resume, killed at fault point \(crashAt ?? 0)," : "resume"
        return "\(verb)\(until.map { " --until \($0)" } ?? "") approving \(approvals.preApproved.sorted()): \(result)"
    }

    private func approve(_ report: inout Report) async throws -> String {
        guard let journal else { return "approve: no journal" }
        let plan = try JournalReader.read(path: journal).plan
        let step = random.pick([StepID.confirmRedeploy, plan.pointOfNoReturn ?? .rotateSigningKey])
        let result = await describe {
            try await self.unlocked {
                _ = try await self.session().approve(journalPath: journal, step: step, by: "model", planHash: nil)
            }
            return "recorded"
        }
        if result == "recorded" { report.approvals += 1 }
        return "approve \(step): \(result)"
    }

    private func override(_ report: inout Report) async throws -> String {
        guard let journal, let machine = try? RotationSession.replay(JournalReader.read(path: journal)),
            !machine.failedChecks.isEmpty
        else { return "override: no failed check" }
        let check = random.pick(machine.failedChecks.sorted())
        let result = await describe {
            try await self.unlocked {
                _ = try await self.session().override(
                    journalPath: journal, check: check, reason: "model: accepted risk", by: "model")
            }
            return "recorded"
        }
        if result == "recorded" { report.overrides += 1 }
        return "override \(check): \(result)"
    }

    private func abort(_ report: inout Report) async throws -> String {
        guard let journal else { return "abort: no journal" }
        let result = await outcome {
            try await self.unlocked {
                try await self.session().abort(journalPath: journal, by: "model")
            }
        }
        return "abort: \(result)"
    }

    /// Runs an operator command, retrying while the previous in-process command's writer still holds the
    /// journal's lock (a moment after it returned; separate processes never see this).
    private func unlocked<T>(_ body: () async throws -> T) async throws -> T {
        for _ in 0..<100 {
            do {
                return try await body()
            } catch JournalError.locked {
                try await Task.sleep(nanoseconds: 5_000_000)
            }
        }
        return try await body()
    }

    /// What a command ended with, in words.
    private func describe(_ body: () async throws -> String) async -> String {
        do {
            return try await body()
        } catch is SimulatedCrash {
            return "killed"
        } catch {
            return "refused (\(String(describing: error).prefix(100)))"
        }
    }

    private func outcome(of body: () async throws -> RotationSession.Outcome) async -> String {
        await describe { () async throws -> String in
            switch try await body().result {
            case .finished: "finished"
            case .aborted: "aborted"
            case .reachedUntil(let step): "stopped before \(step)"
            case .paused(let step, _): "paused at \(step)"
            case .failed(let ref, _, let kind): "\(ref) failed (\(kind.rawValue))"
            case .interrupted: "interrupted"
            }
        }
    }

    // MARK: - The world

    private func worldEvent() async throws -> String {
        let state = try store.snapshot()
        let app = random.pick(state.apps)
        switch random.below(9) {
        case 0, 1, 2:
            return try await redeploy(app.name)
        case 3:
            for app in state.apps { _ = try await redeploy(app.name) }
            return "every app redeploys"
        case 4:
            guard let old = previous[app.name], old != app.running else { return "\(app.name) restarts (no change)" }
            return try await ifSafe("\(app.name) restarts with its previous configuration") { state in
                let index = state.apps.firstIndex { $0.name == app.name }!
                state.apps[index].running = old
            }
        case 5:
            try await store.mutate { state in
                let index = state.apps.firstIndex { $0.name == app.name }!
                state.apps[index].down.toggle()
            }
            return "\(app.name) goes \(app.down ? "up" : "down")"
        case 6:
            let candidates =
                state.eventKeys.map { ($0.id, KeyKind.event) }
                + state.signingKeys.filter { !$0.active }.map { ($0.id, KeyKind.signing) }
            guard !candidates.isEmpty else { return "nothing to delete" }
            let (id, kind) = random.pick(candidates)
            return try await ifSafe("someone deletes the \(kind.rawValue) key \(id) in the dashboard") { state in
                if kind == .event { try state.deleteEventKey(id: id) } else { try state.deleteSigningKey(id: id) }
            }
        case 7:
            guard !state.eventKeys.isEmpty else { return "no event key to edit" }
            let key = random.pick(state.eventKeys)
            let events = ["model/edited-\(random.below(1000))"]
            try await store.mutate { state in
                let index = state.eventKeys.firstIndex { $0.id == key.id }!
                state.eventKeys[index].filter = KeyFilter(mode: .allow, events: events, ips: [])
            }
            return "someone edits the filters of \(key.id) in the dashboard"
        default:
            let count = 3 + random.below(20)
            storm.store(count, ordering: .relaxed)
            return "a storm of \(count) HTTP 429s"
        }
    }

    private func redeploy(_ app: String) async throws -> String {
        let running = try store.snapshot().apps.first { $0.name == app }?.running
        _ = try await SandboxPlatform(store: store).redeploy(app)
        if let running, try store.snapshot().apps.first(where: { $0.name == app })?.running != running {
            previous[app] = running
        }
        return "\(app) redeploys"
    }

    /// Applies a change the world makes, if it keeps the invariants on its own.
    private func ifSafe(_ what: String, _ change: @escaping @Sendable (inout SandboxState) throws -> Void)
        async throws -> String
    {
        var copy = try store.snapshot()
        try change(&copy)
        guard SafetyInvariants.outages(copy, directory: sandboxDirectory).isEmpty else {
            return what + " (skipped: it would cause an outage by itself)"
        }
        try await store.mutate { state in try change(&state) }
        return what
    }

    /// A platform call fails while a storm lasts.
    func intercept(_ operation: SandboxOperation) throws {
        guard storm.load(ordering: .relaxed) > 0 else { return }
        if storm.wrappingSubtract(1, ordering: .relaxed).oldValue > 0 {
            throw PlatformError.rateLimited("HTTP 429 (model storm)", retryAfter: 0)
        }
    }

    /// After every change the platform commits: what the invariants say at that instant.
    func committed() {
        guard let state = try? store.snapshot() else { return }
        let found = SafetyInvariants.outages(state, directory: sandboxDirectory)
        guard !found.isEmpty else { return }
        instant.withLock { $0 += found }
    }

    // MARK: - Checking

    private func overridden() throws -> Bool {
        try journals.contains { path in
            try JournalReader.read(path: path).records.contains {
                $0.type == .check && $0.data.verdict == CheckVerdict.overridden.rawValue
                    || $0.type == .done && $0.data.outcome?.detail?.contains("overridden by") == true
            }
        }
    }

    private func check(_ report: inout Report, after event: String) throws {
        var found = instant.withLock { found in
            defer { found = [] }
            return found
        }
        found += SafetyInvariants.outages(try store.snapshot(), directory: sandboxDirectory)
        var unique: [SafetyInvariants.Violation] = []
        for violation in found where !unique.contains(violation) { unique.append(violation) }
        if !unique.isEmpty {
            if try overridden() {
                report.excused += unique.count
            } else {
                report.violations += unique.map {
                    .init(invariant: $0.invariant, detail: "after '\(event)': \($0.detail)")
                }
            }
        }
        for path in journals {
            report.violations += SafetyInvariants.silentOverrides(try JournalReader.read(path: path).records)
        }
    }

    /// The diligent operator: bring the apps back, redeploy, resume; abort what can't finish before the
    /// point of no return. Then the end state must hold nothing it should not.
    private func drain(_ report: inout Report) async throws {
        guard let journal else {
            report.outcome = "not started"
            return
        }
        var last = ""
        for round in 0..<10 {
            storm.store(0, ordering: .relaxed)
            try await store.mutate { state in
                for index in state.apps.indices { state.apps[index].down = false }
            }
            for app in try store.snapshot().apps { _ = try await redeploy(app.name) }
            let machine = try RotationSession.replay(JournalReader.read(path: journal))
            switch machine.mode {
            case .finished, .aborted:
                break
            case .aborting:
                last = await outcome {
                    try await self.unlocked { try await self.session().abort(journalPath: journal, by: "model") }
                }
                report.events.append("drain: abort again: \(last)")
                continue
            case .forward:
                if round >= 4, !machine.pointOfNoReturnStarted {
                    last = await outcome {
                        try await self.unlocked { try await self.session().abort(journalPath: journal, by: "model") }
                    }
                    report.events.append("drain: abort: \(last)")
                    report.aborts += 1
                    continue
                }
                if round >= 4 {
                    // Past the point of no return and stuck on a check: a person decides, and says why.
                    for check in machine.failedChecks.sorted() where machine.overrides[check] == nil {
                        _ = await describe {
                            try await self.unlocked {
                                _ = try await self.session().override(
                                    journalPath: journal, check: check, reason: "drain: accepted", by: "model")
                            }
                            return "recorded"
                        }
                        report.overrides += 1
                        report.events.append("drain: override \(check)")
                    }
                }
                let approvals = ApprovalSource(
                    preApproved: Set(machine.plan.steps.map(\.id)).intersection([
                        .rotateSigningKey, .deleteOldEventKeys, .confirmRedeploy,
                    ]), actor: "model")
                last = await outcome {
                    try await self.unlocked {
                        try await self.session().resume(journalPath: journal, approvals: approvals, until: nil)
                    }
                }
                report.events.append("drain: resume: \(last)")
                continue
            }
            break
        }
        for app in try store.snapshot().apps { _ = try await redeploy(app.name) }
        try check(&report, after: "drain")
        let machine = try RotationSession.replay(JournalReader.read(path: journal))
        let after = try store.snapshot()
        switch machine.mode {
        case .finished:
            report.outcome = "finished"
            let replaced = SafetyInvariants.replaced(by: machine.plan)
            report.violations += SafetyInvariants.leaks(
                replaced: replaced.ids, rotatedSigningKey: replaced.signingKey, after: after,
                directory: sandboxDirectory)
        case .aborted:
            report.outcome = "aborted"
            // A new key abort kept because the key it replaced was deleted outside rekey is the apps' now.
            let kept = Set(
                try JournalReader.read(path: journal).records.filter {
                    $0.type == .undone && $0.data.outcome?.detail?.hasPrefix("kept") == true
                }.compactMap { $0.data.outcome?.keyID })
            // What this rotation found when it was planned (an earlier rotation of the schedule may have
            // finished and left its new keys).
            // (Only the kinds of keys it rotates: a plan of the signing key alone does not list event keys.)
            let steps = Set(machine.plan.steps.map(\.id))
            var created: [String] = []
            if steps.contains(.createEventKeys) {
                let baseline = Set(machine.plan.baseline.eventKeys.map(\.id))
                created += after.eventKeys.map(\.id).filter { !baseline.contains($0) }
            }
            if steps.contains(.createSigningKey) {
                let baseline = Set(machine.plan.baseline.signingKeys.map(\.id))
                created += after.signingKeys.map(\.id).filter { !baseline.contains($0) }
            }
            created = created.filter { !kept.contains($0) }
            if !created.isEmpty {
                report.violations.append(
                    .init(invariant: "no leak", detail: "the aborted rotation left keys it created: \(created)"))
            }
            report.violations += SafetyInvariants.temporaryFiles(after, directory: sandboxDirectory)
        case .forward, .aborting:
            report.outcome = "stuck: \(last)"
        }
    }
}

/// The sandbox backends of a model schedule: the platform's store goes through the world's storm and its
/// instant checks.
struct ModelProvider: BackendProvider {
    let world: World

    func backends(for playbook: Playbook, environment: [String: String]) throws -> Backends {
        guard case .sandbox(let state) = playbook.platform else { throw PlanningError.noActiveSigningKey }
        let world = self.world
        var store = SandboxStore(path: state) { operation in try world.intercept(operation) }
        store.afterCommit = { _ in world.committed() }
        let sandbox = SandboxPlatform(store: store)
        var targets: [String: any SecretTarget] = [:]
        var verifiers: [String: any RolloutVerifier] = [:]
        for app in playbook.apps {
            if case .dotenv(let path) = app.target { targets[app.name] = DotenvTarget(path: path) }
            if app.verify == .platform { verifiers[app.name] = sandbox }
        }
        return Backends(platform: sandbox, targets: targets, verifiers: verifiers, location: "model \(state)")
    }
}
