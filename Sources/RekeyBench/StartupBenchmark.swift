import Foundation

/// Start-up: whole-process wall times, median of many runs, next to `/bin/true` (what spawning and
/// reaping any process costs here).
struct StartupBenchmark {
    struct Result: Codable {
        var runs: Int
        var binTrue: Double
        var version: Double
        var status: Double?
        var statusRecords: Int?
    }

    let rekey: String
    let scratch: String
    let log: (String) -> Void

    func measure(runs: Int, smallJournal: String?, smallJournalRecords: Int?) throws -> Result {
        log("start-up: /bin/true, rekey --version\(smallJournal == nil ? "" : ", rekey status"), \(runs) runs each")
        let output = scratch + "/startup.out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        func median(_ program: String, _ arguments: [String]) throws -> Double {
            var walls: [Double] = []
            // One untimed run first, so every program starts with warm caches.
            for index in 0...runs {
                try? FileManager.default.removeItem(atPath: output)
                let result = try BenchProcess.run(program, arguments, output: output)
                guard result.status == 0 else {
                    throw BenchError("\(([program] + arguments).joined(separator: " ")) exited \(result.status)")
                }
                if index > 0 { walls.append(result.wall) }
            }
            return walls.sorted()[walls.count / 2]
        }
        return Result(
            runs: runs,
            binTrue: try median("/bin/true", []),
            version: try median(rekey, ["--version"]),
            status: try smallJournal.map { try median(rekey, ["status", $0]) },
            statusRecords: smallJournalRecords
        )
    }
}
