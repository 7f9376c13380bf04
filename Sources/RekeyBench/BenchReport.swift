import Foundation
import RekeyCore

/// Everything one `rekey-bench` run measured, its table, and its verdicts on the targets.
struct BenchReport: Codable {
    struct Machine: Codable {
        var cpus: Int
        var rekeyVersion: String
        var latency: Double
        var concurrency: Int
        var runs: Int
    }

    /// The journal's share of the rotation: the same rotation with the journal on disk and on tmpfs.
    struct JournalOverhead: Codable {
        var scale: String
        var diskWall: Double
        var tmpfsWall: Double
        /// The median difference of paired runs (disk minus tmpfs): what fsync costs the rotation.
        var fsyncShare: Double
        /// Records the rotation journals, times the writer's cost per record without fsync.
        var records: Int
        var encodeSeconds: Double
        /// `max(0, fsyncShare) + encodeSeconds`.
        var seconds: Double
        /// `seconds / diskWall`.
        var fraction: Double
    }

    /// One target of issue 8.
    struct Target: Codable {
        var name: String
        var measured: String
        var met: Bool?
        var note: String
    }

    var machine: Machine
    var rotations: [RotationBenchmark.ScaleResult] = []
    var appends: JournalBenchmark.Appends?
    var perRecordSeconds: Double?
    var journalOverhead: JournalOverhead?
    var largeJournal: JournalBenchmark.LargeJournal?
    var startup: StartupBenchmark.Result?
    var peakRSS: Int?
    var peakRSSScale: String?
    var targets: [Target] = []

    // MARK: - Targets

    mutating func judge() {
        targets = []
        let mib = 1024.0 * 1024.0
        if let rotation = rotations.first(where: { $0.apps == 50 && $0.eventKeys == 200 }) {
            targets.append(
                Target(
                    name: "50×200: wall ≤ 1.5 × critical-path bound",
                    measured: String(
                        format: "%.2f × (%.2f s ÷ %.2f s)", rotation.ratioToBound, rotation.wall, rotation.boundSeconds),
                    met: rotation.ratioToBound <= 1.5,
                    note: rotation.latency == 0.020 ? "" : "measured at another latency than the target's 20 ms"
                )
            )
            if let speedup = rotation.speedup {
                targets.append(
                    Target(
                        name: "50×200: ≥ 10× faster than concurrency 1",
                        measured: String(format: "%.1f×", speedup) + (rotation.serialEstimated ? " (estimate)" : ""),
                        met: speedup >= 10,
                        note: ""
                    )
                )
            }
        }
        if let overhead = journalOverhead {
            targets.append(
                Target(
                    name: "journal overhead ≤ 10% of the \(overhead.scale) rotation",
                    measured: String(
                        format: "%.1f%% (%.3f s of %.2f s)", overhead.fraction * 100, overhead.seconds,
                        overhead.diskWall),
                    met: overhead.fraction <= 0.10,
                    note: ""
                )
            )
        }
        if let journal = largeJournal {
            let label = "\(journal.records.formatted())-record journal"
            targets.append(
                Target(
                    name: "replay of a \(label) < 300 ms",
                    measured: String(format: "%.0f ms", journal.replaySeconds * 1000),
                    met: journal.records >= 100_000 ? journal.replaySeconds < 0.3 : nil,
                    note: journal.records >= 100_000 ? "" : "smaller than the target's 100,000 records"
                )
            )
            targets.append(
                Target(
                    name: "rekey status of a \(label) < 300 ms",
                    measured: String(format: "%.0f ms", journal.statusSeconds * 1000),
                    met: journal.records >= 100_000 ? journal.statusSeconds < 0.3 : nil,
                    note: journal.records >= 100_000 ? "" : "smaller than the target's 100,000 records"
                )
            )
        }
        if let peakRSS, let scale = peakRSSScale {
            targets.append(
                Target(
                    name: "peak memory of the \(scale) rotation < 64 MiB",
                    measured: String(format: "%.1f MiB", Double(peakRSS) / mib),
                    met: scale == "200×1000" ? Double(peakRSS) < 64 * mib : nil,
                    note: scale == "200×1000" ? "" : "the target is for 200×1000"
                )
            )
        }
        if let startup {
            targets.append(
                Target(
                    name: "rekey --version < 25 ms (median)",
                    measured: String(format: "%.1f ms", startup.version * 1000),
                    met: startup.version < 0.025,
                    note: ""
                )
            )
        }
    }

    // MARK: - Table

    var table: String {
        var lines: [String] = []
        let ms = { (seconds: Double) in String(format: "%.0f ms", seconds * 1000) }
        let s = { (seconds: Double) in
            seconds >= 10 ? String(format: "%.1f s", seconds) : String(format: "%.2f s", seconds)
        }
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1024 / 1024) }
        lines.append(
            "rekey-bench: rekey \(machine.rekeyVersion), \(machine.cpus) CPUs, sandbox latency \(ms(machine.latency)) per "
                + "request, concurrency \(machine.concurrency), median of \(machine.runs) run(s)")
        if !rotations.isEmpty {
            lines.append("")
            lines.append("Rotation: rekey run (inngest platform over HTTP) against rekey sandbox serve")
            lines.append(
                pad(
                    ["scale", "requests", "bound", "wall", "÷ bound", "concurrency 1", "÷ wall", "CPU", "peak RSS"],
                    [10, 9, 16, 9, 8, 22, 8, 8, 10]))
            for rotation in rotations {
                let run = rotation.runs.sorted { $0.wall < $1.wall }[rotation.runs.count / 2]
                let serial = rotation.serialWall.map { s($0) + (rotation.serialEstimated ? " (estimate)" : "") } ?? "-"
                lines.append(
                    pad(
                        [
                            rotation.scale, "\(run.requests)",
                            "\(rotation.boundRoundTrips) RT \(s(rotation.boundSeconds))", s(rotation.wall),
                            String(format: "%.2f", rotation.ratioToBound), serial,
                            rotation.speedup.map { String(format: "%.1f×", $0) } ?? "-", s(run.cpu),
                            mib(rotation.runs.map(\.maxRSS).max() ?? 0),
                        ],
                        [10, 9, 16, 9, 8, 22, 8, 8, 10]))
            }
            for rotation in rotations {
                guard let zero = rotation.zeroLatencyWall else { continue }
                lines.append(
                    "  \(rotation.scale) with no latency (CPU and fsync of rekey and the server, free in the bound): "
                        + "\(s(zero)); wall − that = "
                        + String(format: "%.2f × bound", (rotation.wall - zero) / max(0.001, rotation.boundSeconds)))
            }
        }
        if let appends {
            lines.append("")
            lines.append("Journal")
            lines.append(
                String(
                    format:
                        "  durable appends, %d concurrent appenders (group commit): %.0f records/s; one at a time: %.0f records/s",
                    appends.writers, appends.groupCommitPerSecond, appends.sequentialPerSecond))
            lines.append(
                String(
                    format:
                        "  raw write+fsync loop over the same %d-byte lines: %.0f records/s; group commit ÷ raw: %.1f×",
                    appends.meanRecordBytes, appends.rawPerSecond, appends.ratio))
        }
        if let overhead = journalOverhead {
            lines.append(
                "  overhead in the \(overhead.scale) rotation: "
                    + String(
                        format:
                            "fsync %.3f s (median of paired runs, journal on disk − on tmpfs) + %d records × %.0f µs "
                            + "= %.3f s (%.1f%%)",
                        overhead.fsyncShare, overhead.records,
                        overhead.records > 0 ? overhead.encodeSeconds / Double(overhead.records) * 1e6 : 0,
                        overhead.seconds, overhead.fraction * 100))
        }
        if let journal = largeJournal {
            lines.append(
                "  \(journal.records.formatted())-record journal "
                    + String(
                        format: "(%.1f MB, written in %.1f s)", Double(journal.bytes) / 1e6, journal.generateSeconds)
                    + ": read+verify+replay \(ms(journal.replaySeconds)), rekey status \(ms(journal.statusSeconds))")
        }
        if let peakRSS, let scale = peakRSSScale {
            lines.append("")
            lines.append("Memory: peak resident set size of the \(scale) rotation: \(mib(peakRSS))")
        }
        if let startup {
            lines.append("")
            var text =
                "Start-up (median of \(startup.runs)): /bin/true \(String(format: "%.1f ms", startup.binTrue * 1000)), "
                + "rekey --version \(String(format: "%.1f ms", startup.version * 1000))"
            if let status = startup.status {
                text +=
                    ", rekey status (\(startup.statusRecords ?? 0)-record journal) \(String(format: "%.1f ms", status * 1000))"
            }
            lines.append(text)
        }
        if !targets.isEmpty {
            lines.append("")
            lines.append("Targets")
            for target in targets {
                let mark = target.met.map { $0 ? "met   " : "MISSED" } ?? "n/a   "
                lines.append(
                    "  \(mark) \(target.name): \(target.measured)\(target.note.isEmpty ? "" : " (\(target.note))")")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ cells: [String], _ widths: [Int]) -> String {
        "  "
            + zip(cells, widths).map { cell, width in
                cell.count >= width ? cell + " " : cell + String(repeating: " ", count: width - cell.count)
            }.joined()
    }
}
