import Foundation
import RekeySandbox
import Synchronization
import Testing

@testable import RekeyCore

/// The planner reads every app's target at once, up to the playbook's concurrency (a deployment tool behind
/// an `exec` target can take a second per call), and reports problems in playbook order.
@Suite struct RotationPlannerTests {
    /// Reads in flight now, and the most at once.
    final class Counter: Sendable {
        let state = Mutex((now: 0, most: 0))
        var most: Int { state.withLock { $0.most } }
    }

    /// A dotenv target that takes `delay` per read and counts the reads in flight.
    final class SlowTarget: SecretTarget {
        let base: DotenvTarget
        let delay: Duration
        let inFlight: Counter
        let failing: Bool

        init(path: String, delay: Duration, inFlight: Counter, failing: Bool = false) {
            base = DotenvTarget(path: path)
            self.delay = delay
            self.inFlight = inFlight
            self.failing = failing
        }

        var summary: String { base.summary }
        func read(_ names: [String]) async throws -> [String: VariableState] {
            inFlight.state.withLock { count in
                count.now += 1
                count.most = max(count.most, count.now)
            }
            defer { inFlight.state.withLock { $0.now -= 1 } }
            try await Task.sleep(for: delay)
            if failing { throw StepError.precondition("the tool exited 1 (test)") }
            return try await base.read(names)
        }
        func apply(_ changes: [VariableChange]) async throws { try await base.apply(changes) }
    }

    static func planner(apps: Int, concurrency: Int, failing: Set<String> = [], counter: Counter)
        throws -> (RotationPlanner, String)
    {
        let directory = FileManager.default.temporaryDirectory.path + "/rekey-planner-\(UUID().uuidString.prefix(8))"
        let scaffold = try SandboxScaffold.create(directory: directory, apps: apps, eventKeys: 1)
        var playbook = try PlaybookLoader.load(path: scaffold.playbookPath)
        playbook.options.concurrency = concurrency
        var targets: [String: any SecretTarget] = [:]
        for (app, file) in zip(playbook.apps, scaffold.envFiles) {
            targets[app.name] = SlowTarget(
                path: file, delay: .milliseconds(40), inFlight: counter, failing: failing.contains(app.name))
        }
        let planner = RotationPlanner(
            playbook: playbook, platform: SandboxPlatform(statePath: scaffold.statePath), targets: targets,
            toolVersion: "test")
        return (planner, directory)
    }

    @Test func readsTargetsConcurrentlyUpToTheConcurrency() async throws {
        let counter = Counter()
        let (planner, directory) = try Self.planner(apps: 8, concurrency: 3, counter: counter)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plan = try await planner.makePlan()
        #expect(plan.baseline.apps.map(\.name) == planner.playbook.apps.map(\.name), "in playbook order")
        let most = counter.most
        #expect(most > 1, "one read at a time")
        #expect(most <= 3, "\(most) reads at once, above the concurrency")
    }

    @Test func reportsTheFirstUnreadableTargetInPlaybookOrder() async throws {
        let counter = Counter()
        let (setup, directory) = try Self.planner(apps: 6, concurrency: 6, counter: counter)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let names = setup.playbook.apps.map(\.name)
        let (planner, other) = try Self.planner(
            apps: 6, concurrency: 6, failing: [names[2], names[4]], counter: counter)
        defer { try? FileManager.default.removeItem(atPath: other) }
        await #expect {
            _ = try await planner.makePlan()
        } throws: { error in
            guard case .targetUnreadable(let app, _)? = error as? PlanningError else { return false }
            return app == names[2]
        }
    }
}
