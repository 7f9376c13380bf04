import Foundation
import RekeyTesting

/// `rekey-soak`: many more schedules of the model-based safety test than CI runs (``SafetyModel``).
///
///     swift run -c release rekey-soak [--schedules N] [--seed BASE] [--parallel P]
///
/// Prints what the schedules exercised and the story of each failing one (its seed replays it with
/// `REKEY_MODEL_SEED=S swift test --filter ModelBasedSafetyTests`). Exits 1 when an invariant broke.
@main
struct RekeySoak {
    static func main() async {
        var schedules = 10_000
        var base = UInt64.random(in: 1..<UInt64(1) << 48)
        var parallel = 2
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--schedules": schedules = arguments.popFirst().flatMap { Int($0) } ?? schedules
            case "--seed": base = arguments.popFirst().flatMap { UInt64($0) } ?? base
            case "--parallel": parallel = arguments.popFirst().flatMap { Int($0) } ?? parallel
            default:
                FileHandle.standardError.write(
                    Data("usage: rekey-soak [--schedules N] [--seed BASE] [--parallel P]\n".utf8))
                exit(64)
            }
        }
        print("rekey-soak: \(schedules) schedules from seed \(base), \(parallel) at a time")
        let started = Date()
        let totals = await SafetyModel.run(count: schedules, base: base, parallel: parallel)
        print(totals.summary)
        print(String(format: "%.1f s", Date().timeIntervalSince(started)))
        for failure in totals.failures.prefix(20) { print("\n" + failure.story) }
        exit(totals.failures.isEmpty ? 0 : 1)
    }
}
