import Foundation

extension SafetyModel {
    /// What many schedules exercised and found.
    public struct Totals: Sendable {
        public var schedules = 0
        public var events = 0
        public var operatorActions = 0
        public var worldEvents = 0
        public var overrides = 0
        public var aborts = 0
        public var crashes = 0
        public var approvals = 0
        public var refusedStarts = 0
        public var excused = 0
        public var outcomes: [String: Int] = [:]
        /// The failing schedules.
        public var failures: [Report] = []
        /// Schedules whose drain could not end the rotation (not a safety violation: a liveness question).
        public var stuck: [Report] = []

        public init() {}

        mutating func add(_ report: Report) {
            schedules += 1
            events += report.events.count
            operatorActions += report.operatorActions
            worldEvents += report.worldEvents
            overrides += report.overrides
            aborts += report.aborts
            crashes += report.crashes
            approvals += report.approvals
            refusedStarts += report.refusedStarts
            excused += report.excused
            let outcome = report.outcome.hasPrefix("stuck") ? "stuck" : report.outcome
            outcomes[outcome, default: 0] += 1
            if !report.passed { failures.append(report) }
            if report.outcome.hasPrefix("stuck") { stuck.append(report) }
        }

        /// One paragraph for a test log or the soak command.
        public var summary: String {
            let ends = outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return "model-based safety: \(schedules) schedules, \(events) events (\(operatorActions) operator actions, "
                + "\(worldEvents) world events), \(crashes) crashes, \(approvals) approvals, \(overrides) overrides, "
                + "\(aborts) aborts, \(refusedStarts) starts refused; ends: \(ends); "
                + "\(failures.count) schedules with invariant violations"
                + (excused > 0 ? " (\(excused) outages after an explicit override, counted apart)" : "")
        }
    }

    /// Runs `count` schedules with seeds `base`, `base + 1`, …, `parallel` at a time.
    public static func run(count: Int, base: UInt64, parallel: Int = 1) async -> Totals {
        let root = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var totals = Totals()
        var next = 0
        await withTaskGroup(of: Report.self) { group in
            for _ in 0..<min(max(1, parallel), count) {
                let seed = base &+ UInt64(next)
                next += 1
                group.addTask { await run(seed: seed, root: root) }
            }
            for await report in group {
                totals.add(report)
                if next < count {
                    let seed = base &+ UInt64(next)
                    next += 1
                    group.addTask { await run(seed: seed, root: root) }
                }
            }
        }
        return totals
    }
}
