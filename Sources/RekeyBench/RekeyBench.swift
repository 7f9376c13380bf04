import Foundation
import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `swift run -c release rekey-bench`: performance figures for issue 8, every comparison a ratio measured
/// side by side in the same run. Progress goes to stderr; the table (or `--json`) to stdout.
@main
struct RekeyBench {
    static func main() async {
        do {
            let options = try BenchOptions(Array(CommandLine.arguments.dropFirst()))
            let report = try await run(options)
            if options.json {
                print(String(decoding: JSONCoding.prettyBytes(report), as: UTF8.self), terminator: "")
            } else {
                print(report.table)
            }
        } catch let error as BenchError {
            FileHandle.standardError.write(Data("rekey-bench: \(error)\n".utf8))
            exit(error.description.hasPrefix("Usage:") ? 0 : 1)
        } catch {
            FileHandle.standardError.write(Data("rekey-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: BenchOptions) async throws -> BenchReport {
        let rekey = try locateRekey()
        let scratch = try makeScratch()
        let log = { (line: String) in FileHandle.standardError.write(Data("· \(line)\n".utf8)) }
        defer {
            if options.keep {
                log("kept \(scratch)")
            } else {
                try? FileManager.default.removeItem(atPath: scratch)
            }
        }
        var report = BenchReport(
            machine: BenchReport.Machine(
                cpus: sysconf(Int32(_SC_NPROCESSORS_ONLN)),
                rekeyVersion: try version(of: rekey, scratch: scratch),
                latency: options.latency,
                concurrency: options.concurrency,
                runs: options.runs
            )
        )

        // Rotations, smallest first.
        let rotations = RotationBenchmark(rekey: rekey, options: options, scratch: scratch, log: log)
        let scales = options.scales.sorted { $0.apps * max(1, $0.eventKeys) < $1.apps * max(1, $1.eventKeys) }
        let abScale =
            scales.first { $0 == BenchOptions.Scale(apps: 50, eventKeys: 200) } ?? (options.quick ? scales.last : nil)
        let smallJournal = scratch + "/small.jsonl"
        var serialEfficiency: Double?
        var smallRecords: Int?
        for (index, scale) in scales.enumerated() {
            let largest = scale == options.largest && scales.count > 1
            let runs = largest && !options.full ? 1 : options.runs
            let serialBound = Double(scale.apps * 6 + scale.eventKeys * 4) * options.latency
            let serial: RotationBenchmark.SerialMode
            if options.full || serialBound <= 60 || serialEfficiency == nil {
                serial = .measure
            } else {
                serial = .estimate(efficiency: serialEfficiency ?? 1)
            }
            var result = try rotations.measure(
                scale, runs: runs, serial: serial, journalAB: scale == abScale,
                keepJournal: index == 0 ? smallJournal : nil)
            if case .measure = serial, let wall = result.serialWall, result.serialBoundSeconds > 0 {
                serialEfficiency = wall / result.serialBoundSeconds
            }
            if index == 0 { smallRecords = result.runs.first?.records }
            if let tmpfs = result.tmpfsWall, let share = result.fsyncShare {
                report.journalOverhead = BenchReport.JournalOverhead(
                    scale: scale.description, diskWall: result.wall, tmpfsWall: tmpfs, fsyncShare: share,
                    records: result.runs.first?.records ?? 0, encodeSeconds: 0, seconds: 0, fraction: 0)
            }
            result.runs.sort { $0.wall < $1.wall }
            report.rotations.append(result)
            if scale == options.largest {
                report.peakRSS = result.runs.map(\.maxRSS).max()
                report.peakRSSScale = scale.description
            }
        }

        // The journal.
        let journal = JournalBenchmark(rekey: rekey, scratch: scratch, log: log)
        let plan = try await JournalBenchmark.plan(BenchOptions.Scale(apps: 50, eventKeys: 200), in: scratch + "/plan")
        report.appends = try await journal.appends(
            count: options.quick ? 1_000 : 4_000, writers: options.concurrency, plan: plan)
        let perRecord = try await journal.perRecordSeconds(count: options.quick ? 1_000 : 4_000, plan: plan)
        report.perRecordSeconds = perRecord
        if var overhead = report.journalOverhead {
            overhead.encodeSeconds = Double(overhead.records) * perRecord
            overhead.seconds = max(0, overhead.fsyncShare) + overhead.encodeSeconds
            overhead.fraction = overhead.seconds / overhead.diskWall
            report.journalOverhead = overhead
        }
        report.largeJournal = try await journal.largeJournal(
            records: options.journalRecords,
            scale: options.quick
                ? BenchOptions.Scale(apps: 20, eventKeys: 100) : BenchOptions.Scale(apps: 200, eventKeys: 1000),
            runs: options.runs,
            keep: options.keep
        )

        // Start-up.
        report.startup = try StartupBenchmark(rekey: rekey, scratch: scratch, log: log).measure(
            runs: options.quick ? 10 : 50,
            smallJournal: FileIO.exists(smallJournal) ? smallJournal : nil,
            smallJournalRecords: smallRecords
        )
        report.judge()
        return report
    }

    /// The `rekey` built next to this executable (`swift run -c release rekey-bench` builds both).
    static func locateRekey() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw BenchError("can't find this executable's path") }
        let own = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let rekey = FileIO.parentDirectory(of: own) + "/rekey"
        guard access(rekey, X_OK) == 0 else {
            throw BenchError("no rekey executable next to \(own); build both with 'swift build -c release'")
        }
        return rekey
    }

    static func makeScratch() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/rekey-bench-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw BenchError("can't create a temporary directory")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func version(of rekey: String, scratch: String) throws -> String {
        let output = scratch + "/version.out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        _ = try BenchProcess.run(rekey, ["--version"], output: output)
        return ((try? FileIO.readText(output)) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
