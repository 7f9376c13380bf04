import Foundation
import RekeyTesting
import Testing

/// The model-based test of the whole system (``SafetyModel``): seeded schedules of operator actions and
/// world events on an in-process sandbox, with the safety invariants checked after every event and every
/// platform change, by a checker that reads the sandbox, not the engine.
///
/// `REKEY_MODEL_SCHEDULES=N` runs N schedules (default 500); `REKEY_MODEL_SEED=S` replays one schedule.
/// For a soak, `swift run -c release rekey-soak --schedules 10000`.
@Suite struct ModelBasedSafetyTests {
    @Test func everyScheduleKeepsTheSafetyInvariants() async throws {
        let environment = ProcessInfo.processInfo.environment
        if let seed = environment["REKEY_MODEL_SEED"].flatMap({ UInt64($0) }) {
            let report = await SafetyModel.run(seed: seed, root: SafetyModel.scratchDirectory())
            print(report.story + "\noutcome: \(report.outcome)")
            #expect(report.passed, "\(report.story)")
            return
        }
        let count = environment["REKEY_MODEL_SCHEDULES"].flatMap { Int($0) } ?? 500
        let totals = await SafetyModel.run(count: count, base: 0x5AFE_0000, parallel: 2)
        print(totals.summary)
        for stuck in totals.stuck.prefix(3) { print("stuck (liveness, not safety): \(stuck.story)") }
        for failure in totals.failures.prefix(5) {
            Issue.record("\(failure.story)")
        }
        #expect(totals.failures.isEmpty, "\(totals.summary)")
        // The schedules exercised what they are meant to: every kind of event happened.
        #expect(totals.schedules == count)
        #expect(totals.crashes > 0 && totals.overrides > 0 && totals.aborts > 0 && totals.approvals > 0)
        #expect(totals.worldEvents > count && totals.operatorActions > count)
        #expect((totals.outcomes["finished"] ?? 0) > 0 && (totals.outcomes["aborted"] ?? 0) > 0)
    }
}
