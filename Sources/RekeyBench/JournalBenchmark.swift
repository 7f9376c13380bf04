import Foundation
import RekeyCore
import RekeySandbox

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The journal: durable appends under fan-out against a raw write+fsync loop, and reading a large journal.
struct JournalBenchmark {
    /// Durable appends.
    struct Appends: Codable {
        var records: Int
        var writers: Int
        /// Records per second through ``JournalWriter`` with `writers` concurrent appenders.
        var groupCommitPerSecond: Double
        /// Records per second through ``JournalWriter`` with one appender at a time.
        var sequentialPerSecond: Double
        /// Records per second of a raw `write` + `fsync` loop over the same lines.
        var rawPerSecond: Double
        /// `groupCommitPerSecond / rawPerSecond`.
        var ratio: Double
        /// Mean bytes per record.
        var meanRecordBytes: Int
    }

    /// Reading a large journal.
    struct LargeJournal: Codable {
        var records: Int
        var bytes: Int
        var generateSeconds: Double
        /// Read, verify (JSON, hash chain, plan hash) and replay through the state machine, in process.
        var replaySeconds: Double
        /// `rekey status JOURNAL`, the whole process.
        var statusSeconds: Double
    }

    let rekey: String
    let scratch: String
    let log: (String) -> Void

    // MARK: - Appends

    /// Appends `count` realistic records with `writers` concurrent appenders, then with one, then
    /// writes the same lines with a raw loop.
    func appends(count: Int, writers: Int, plan: RotationPlan) async throws -> Appends {
        log("journal: \(count) durable appends, \(writers) concurrent appenders")
        let concurrent = scratch + "/appends-concurrent.jsonl"
        let concurrentSeconds = try await append(count: count, writers: writers, plan: plan, path: concurrent)
        log("journal: \(count) durable appends, one at a time")
        let sequential = scratch + "/appends-sequential.jsonl"
        let sequentialSeconds = try await append(count: count, writers: 1, plan: plan, path: sequential)

        // The same lines (after the plan), written and fsynced one by one.
        let lines = try FileIO.read(concurrent).split(separator: UInt8(ascii: "\n")).dropFirst().map {
            Array($0) + [UInt8(ascii: "\n")]
        }
        log("journal: raw write+fsync loop over the same \(lines.count) lines")
        let raw = scratch + "/appends-raw.jsonl"
        let fd = open(raw, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchError("can't create \(raw)") }
        let started = ContinuousClock.now
        for line in lines {
            try FileIO.writeAll(fd, line, path: raw)
            guard fsync(fd) == 0 else { throw BenchError("fsync \(raw) failed") }
        }
        let rawSeconds = (ContinuousClock.now - started).seconds
        close(fd)
        for path in [concurrent, sequential, raw] {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".lock")
        }
        let groupRate = Double(count) / concurrentSeconds
        let rawRate = Double(lines.count) / rawSeconds
        return Appends(
            records: count,
            writers: writers,
            groupCommitPerSecond: groupRate,
            sequentialPerSecond: Double(count) / sequentialSeconds,
            rawPerSecond: rawRate,
            ratio: groupRate / rawRate,
            meanRecordBytes: lines.reduce(0) { $0 + $1.count } / max(1, lines.count)
        )
    }

    /// Seconds one durable append costs with fsync nearly free (a journal on tmpfs, one appender):
    /// encoding, hashing, the write and the actor's bookkeeping.
    func perRecordSeconds(count: Int, plan: RotationPlan) async throws -> Double {
        let directory = try RotationBenchmark.tmpfsDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        log("journal: \(count) appends on tmpfs, for the cost per record without fsync")
        return try await append(count: count, writers: 1, plan: plan, path: directory + "/per-record.jsonl")
            / Double(count)
    }

    private func append(count: Int, writers: Int, plan: RotationPlan, path: String) async throws -> Double {
        let lock = try JournalLock.acquire(journal: path, command: "bench")
        defer { lock.release() }
        let writer = try await JournalWriter.create(path: path, plan: plan, lock: lock)
        let items = plan.step(.createEventKeys)?.items.map(\.id) ?? []
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<writers {
                group.addTask {
                    var index = worker
                    while index < count {
                        let item = items.isEmpty ? "item-\(index / 2)" : items[(index / 2) % items.count]
                        try await writer.append(Self.entry(index, step: .createEventKeys, item: item, plan: plan))
                        index += writers
                    }
                }
            }
            try await group.waitForAll()
        }
        return (ContinuousClock.now - started).seconds
    }

    /// A realistic record: intents and outcomes alternate.
    static func entry(_ index: Int, step: StepID, item: String, plan: RotationPlan) -> JournalEntry {
        if index.isMultiple(of: 2) {
            return JournalEntry(
                type: .intent, step: step, item: item,
                data: RecordData(
                    action: "create event key '\(item) (rotated)' with an allow-list of 2 events and 2 IP ranges",
                    idempotencyKey: "\(plan.rotationID)/\(step)/\(item)",
                    attempt: 1
                )
            )
        }
        return JournalEntry(
            type: .done, step: step, item: item,
            data: RecordData(
                outcome: ItemOutcome(
                    keyID: "ek_" + String(format: "%012x", index),
                    fingerprint: Fingerprint(ofUTF8: "bench-\(index)"),
                    name: "\(item) (rotated)",
                    filter: KeyFilter(
                        mode: .allow, events: ["orders/*", "payments/charge.succeeded"], ips: ["10.0.0.0/8"])
                ),
                durationMs: 42
            )
        )
    }

    // MARK: - A large journal

    /// Generates a journal of at least `records` records with the real writer, then times reading and
    /// replaying it in process and `rekey status` on it.
    ///
    /// The plan is the real planner's for a sandbox of `scale`; every item is retried (`intent`, then
    /// `failed`, retryable) as many times as it takes to reach `records`, then succeeds: the shape of a
    /// long rotation against a flaky platform, resumed many times.
    func largeJournal(records target: Int, scale: BenchOptions.Scale, runs: Int, keep: Bool) async throws
        -> LargeJournal
    {
        log("journal: planning a \(scale) rotation for a \(target)-record journal")
        let plan = try await Self.plan(scale, in: scratch + "/large-plan")
        let path = scratch + "/large.jsonl"
        let lock = try JournalLock.acquire(journal: path, command: "bench")
        let itemCount = plan.steps.reduce(0) { $0 + $1.items.count }
        let fixed = 2 + plan.steps.count * 2 + plan.steps.filter(\.requiresApproval).count
        let base = plan.steps.reduce(0) { $0 + $1.items.count * (Self.hasIntent($1.id) ? 2 : 1) }
        let retries = max(0, (target - fixed - base + 2 * itemCount - 1) / (2 * itemCount))

        log("journal: writing \(target) records (\(retries) failed attempts per item) with the real writer")
        let started = ContinuousClock.now
        let writer = try await JournalWriter.create(path: path, plan: plan, lock: lock)
        for step in plan.steps {
            if step.requiresApproval {
                try await writer.append(
                    JournalEntry(
                        type: .approval, step: step.id, data: RecordData(by: "bench", via: "flag", planHash: plan.hash))
                )
            }
            try await writer.append(JournalEntry(type: .stepStarted, step: step.id))
            let items = step.items.map(\.id)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let lanes = 64
                for lane in 0..<lanes {
                    group.addTask {
                        var index = lane
                        while index < items.count {
                            try await Self.appendItem(items[index], step: step.id, retries: retries, plan: plan, writer)
                            index += lanes
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await writer.append(JournalEntry(type: .stepDone, step: step.id, data: RecordData(durationMs: 1234)))
        }
        try await writer.append(JournalEntry(type: .finished))
        let generateSeconds = (ContinuousClock.now - started).seconds
        lock.release()

        var replays: [Double] = []
        var count = 0
        for _ in 0..<max(3, runs) {
            let begin = ContinuousClock.now
            let contents = try JournalReader.read(path: path)
            _ = try RotationSession.replay(contents)
            replays.append((ContinuousClock.now - begin).seconds)
            count = contents.records.count
        }
        var statuses: [Double] = []
        let output = scratch + "/status.out"
        for _ in 0..<max(3, runs) {
            try? FileManager.default.removeItem(atPath: output)
            let result = try BenchProcess.run(rekey, ["status", path], output: output)
            guard result.status == 0 else { throw BenchError("rekey status exited \(result.status); see \(output)") }
            statuses.append(result.wall)
        }
        let bytes = (try? FileIO.read(path).count) ?? 0
        for file in keep ? [output] : [path, path + ".lock", output] {
            try? FileManager.default.removeItem(atPath: file)
        }
        return LargeJournal(
            records: count,
            bytes: bytes,
            generateSeconds: generateSeconds,
            replaySeconds: replays.sorted()[replays.count / 2],
            statusSeconds: statuses.sorted()[statuses.count / 2]
        )
    }

    private static func hasIntent(_ step: StepID) -> Bool { step != .confirmRedeploy }

    private static func appendItem(
        _ item: String,
        step: StepID,
        retries: Int,
        plan: RotationPlan,
        _ writer: JournalWriter
    ) async throws {
        let key = "\(plan.rotationID)/\(step)/\(item)"
        for attempt in 0..<retries {
            try await writer.append(
                JournalEntry(
                    type: .intent, step: step, item: item,
                    data: RecordData(action: "\(step) \(item)", idempotencyKey: key, attempt: attempt + 1)))
            try await writer.append(
                JournalEntry(
                    type: .failed, step: step, item: item,
                    data: RecordData(error: "platform unavailable: HTTP 503 (bench)", retryable: true)))
        }
        if hasIntent(step) {
            try await writer.append(
                JournalEntry(
                    type: .intent, step: step, item: item,
                    data: RecordData(action: "\(step) \(item)", idempotencyKey: key, attempt: retries + 1)))
        }
        try await writer.append(
            JournalEntry(
                type: .done, step: step, item: item,
                data: RecordData(
                    outcome: ItemOutcome(keyID: "k-\(item)", fingerprint: Fingerprint(ofUTF8: item), detail: "bench"),
                    durationMs: 42)))
    }

    /// The real planner's plan for a sandbox of `scale` (in process, no latency).
    static func plan(_ scale: BenchOptions.Scale, in directory: String) async throws -> RotationPlan {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scaffold = try SandboxScaffold.create(directory: directory, apps: scale.apps, eventKeys: scale.eventKeys)
        let playbook = try PlaybookLoader.load(path: scaffold.playbookPath)
        var targets: [String: any SecretTarget] = [:]
        for (name, path) in zip(scaffold.appNames, scaffold.envFiles) { targets[name] = DotenvTarget(path: path) }
        let planner = RotationPlanner(
            playbook: playbook,
            platform: SandboxPlatform(statePath: scaffold.statePath),
            targets: targets,
            toolVersion: "bench"
        )
        return try await planner.makePlan()
    }
}
