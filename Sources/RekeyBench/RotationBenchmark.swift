import Foundation
import RekeyCore

/// Full rotations: the built `rekey run` as a child process against a served sandbox with latency.
struct RotationBenchmark {
    /// One rotation run.
    struct Run: Codable {
        var concurrency: Int
        var journalOn: String
        var wall: Double
        var cpu: Double
        var maxRSS: Int
        var requests: Int
        var records: Int
    }

    /// Everything measured at one scale.
    struct ScaleResult: Codable {
        var scale: String
        var apps: Int
        var eventKeys: Int
        var concurrency: Int
        var latency: Double
        /// The critical-path lower bound at `concurrency`, in round trips and seconds.
        var boundRoundTrips: Int
        var boundSeconds: Double
        /// The median run at `concurrency`.
        var wall: Double
        var runs: [Run]
        /// `wall / boundSeconds`.
        var ratioToBound: Double
        /// Concurrency 1: measured, or estimated (see ``serialEstimated``).
        var serialWall: Double?
        var serialEstimated: Bool
        var serialBoundSeconds: Double
        /// `serialWall / wall`.
        var speedup: Double?
        /// The journal on tmpfs (fsync nearly free), median, when measured.
        var tmpfsWall: Double?
        var tmpfsRuns: [Run]?
        /// The median difference of paired runs, journal on disk minus journal on tmpfs.
        var fsyncShare: Double?
        /// The same rotation with no latency, when measured: all the CPU and fsync time of rekey and the
        /// sandbox server, which the bound counts as free.
        var zeroLatencyWall: Double?
    }

    let rekey: String
    let options: BenchOptions
    let scratch: String
    let log: (String) -> Void

    /// Measures one scale: `runs` rotations at the configured concurrency, one at concurrency 1 (or an
    /// estimate from `serialSample`), and, when asked, `runs` more with the journal on tmpfs.
    func measure(
        _ scale: BenchOptions.Scale,
        runs: Int,
        serial: SerialMode,
        journalAB: Bool,
        keepJournal: String? = nil
    ) throws -> ScaleResult {
        var measured: [Run] = []
        var plan: RotationPlan?
        for index in 0..<runs {
            log("rotation \(scale) concurrency \(options.concurrency) run \(index + 1)/\(runs)")
            let (run, runPlan) = try rotate(
                scale, concurrency: options.concurrency, journalDirectory: scratch,
                keepJournal: index == 0 ? keepJournal : nil)
            measured.append(run)
            plan = runPlan
        }
        guard let plan else { throw BenchError("no rotation ran at \(scale)") }
        let median = measured.sorted { $0.wall < $1.wall }[measured.count / 2]
        let bound = CriticalPath(plan: plan, concurrency: options.concurrency)
        let serialBound = CriticalPath(plan: plan, concurrency: 1)

        var serialWall: Double?
        var estimated = false
        switch serial {
        case .measure:
            log("rotation \(scale) concurrency 1")
            serialWall = try rotate(scale, concurrency: 1, journalDirectory: scratch).run.wall
        case .estimate(let efficiency):
            // Concurrency 1 takes minutes here: its wall time relative to its own bound, measured at a
            // smaller scale, times this scale's bound.
            serialWall = efficiency * serialBound.seconds(latency: options.latency)
            estimated = true
        case .skip:
            break
        }

        var tmpfsRuns: [Run]?
        var zeroLatencyWall: Double?
        var fsyncShare: Double?
        if journalAB {
            log("rotation \(scale) concurrency \(options.concurrency), no latency")
            zeroLatencyWall = try rotate(
                scale, concurrency: options.concurrency, journalDirectory: scratch, latency: 0
            ).run.wall
            // Pairs run back to back, tmpfs then disk: the median of the pairs' differences is the journal's
            // fsync share, without the drift of a loaded machine between two separate series.
            var runsOnTmpfs: [Run] = []
            var differences: [Double] = []
            for index in 0..<max(3, runs) {
                log(
                    "rotation \(scale) concurrency \(options.concurrency), journal on tmpfs then disk, pair \(index + 1)"
                )
                let tmpfs = try Self.tmpfsDirectory()
                defer { try? FileManager.default.removeItem(atPath: tmpfs) }
                let onTmpfs = try rotate(scale, concurrency: options.concurrency, journalDirectory: tmpfs).run
                let onDisk = try rotate(scale, concurrency: options.concurrency, journalDirectory: scratch).run
                runsOnTmpfs.append(onTmpfs)
                differences.append(onDisk.wall - onTmpfs.wall)
            }
            tmpfsRuns = runsOnTmpfs
            fsyncShare = differences.sorted()[differences.count / 2]
        }
        let boundSeconds = bound.seconds(latency: options.latency)
        return ScaleResult(
            scale: scale.description,
            apps: scale.apps,
            eventKeys: scale.eventKeys,
            concurrency: options.concurrency,
            latency: options.latency,
            boundRoundTrips: bound.roundTrips,
            boundSeconds: boundSeconds,
            wall: median.wall,
            runs: measured,
            ratioToBound: boundSeconds > 0 ? median.wall / boundSeconds : 0,
            serialWall: serialWall,
            serialEstimated: estimated,
            serialBoundSeconds: serialBound.seconds(latency: options.latency),
            speedup: serialWall.map { $0 / median.wall },
            tmpfsWall: tmpfsRuns.map { runs in runs.map(\.wall).sorted()[runs.count / 2] },
            tmpfsRuns: tmpfsRuns,
            fsyncShare: fsyncShare,
            zeroLatencyWall: zeroLatencyWall
        )
    }

    /// How concurrency 1 is measured at a scale.
    enum SerialMode {
        case measure
        /// Estimated as `efficiency` (wall ÷ bound, measured at concurrency 1 elsewhere) × this scale's bound.
        case estimate(efficiency: Double)
        case skip
    }

    // MARK: - One rotation

    /// Scaffolds, serves and rotates `scale` once; the journal goes to `journalDirectory` (and a copy to
    /// `keepJournal`, when given).
    ///
    /// - Returns: The run, and the plan read back from its journal.
    func rotate(
        _ scale: BenchOptions.Scale,
        concurrency: Int,
        journalDirectory: String,
        keepJournal: String? = nil,
        latency: Double? = nil
    ) throws -> (run: Run, plan: RotationPlan) {
        let directory = scratch + "/sandbox-\(UUID().uuidString.prefix(8))"
        let served = try ServedSandbox.start(
            rekey: rekey, directory: directory, scale: scale, concurrency: concurrency,
            latency: latency ?? options.latency)
        let journal = journalDirectory + "/rotation-\(UUID().uuidString.prefix(8)).jsonl"
        defer {
            served.stop()
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: journal)
            try? FileManager.default.removeItem(atPath: journal + ".lock")
        }
        let output = directory + "/run.log"
        let result = try BenchProcess.run(
            rekey,
            ["run", served.playbook, "--journal", journal, "--approve", "rotate-signing-key", "--non-interactive"],
            environment: served.credentials,
            output: output
        )
        guard result.status == 0 else {
            let tail = ((try? FileIO.readText(output)) ?? "").split(separator: "\n").suffix(15).joined(separator: "\n")
            throw BenchError("rekey run exited \(result.status) at \(scale), concurrency \(concurrency):\n\(tail)")
        }
        let contents = try JournalReader.read(path: journal)
        if let keepJournal { try FileIO.writeAtomically(try FileIO.read(journal), to: keepJournal) }
        let run = Run(
            concurrency: concurrency,
            journalOn: journalDirectory == scratch ? "disk" : "tmpfs",
            wall: result.wall,
            cpu: result.cpu,
            maxRSS: result.maxRSS,
            requests: served.requestCount(),
            records: contents.records.count
        )
        return (run, contents.plan)
    }

    /// A fresh directory on tmpfs (`/dev/shm`), where fsync costs next to nothing.
    static func tmpfsDirectory() throws -> String {
        let path = "/dev/shm/rekey-bench-\(getpid())"
        try FileIO.makeDirectory(path)
        return path
    }
}
