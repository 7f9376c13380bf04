import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Kills `rekey run` with SIGKILL at every fault point of a full rotation (3 apps, 2 event keys with
/// allow and deny filters of events and IPs), resumes until done, and checks the end state.
@Suite(.serialized) struct CrashMatrixEndToEndTests {
    /// The fault points of the reference rotation, computed from a complete run's journal. Items are
    /// kept by position: event key ids are random per sandbox and are resolved for each fresh one. A failed
    /// reference run is a failure of ``theReferenceRotationHasItsFaultPoints()``, not a crash of the tests.
    static let reference: Result<[String], FixtureError> = {
        do {
            let sandbox = try SandboxFixture(apps: 3, eventKeys: 2)
            defer { sandbox.remove() }
            let run = try RekeyProcess.runBlocking(
                ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"]
            )
            guard run.status == 0 else { return .failure(FixtureError(message: "reference run failed: \(run)")) }
            let contents = try JournalReader.read(path: sandbox.journal)
            var points: [String] = []
            for seq in 0..<contents.records.count {
                points.append("before-record:\(seq)")
                points.append("after-record:\(seq)")
            }
            for step in contents.plan.steps where step.id != .confirmRedeploy {
                for index in step.items.indices {
                    points.append("before-effect:\(step.id)/#\(index)")
                    points.append("after-effect:\(step.id)/#\(index)")
                }
            }
            return .success(points)
        } catch {
            return .failure(FixtureError(message: "reference run failed: \(error)"))
        }
    }()

    static var points: [String] { (try? reference.get()) ?? [] }

    @Test func theReferenceRotationHasItsFaultPoints() throws {
        let points = try Self.reference.get()
        #expect(points.count > 100, "\(points.count) fault points")
    }

    /// The concrete fault point for `template` in `sandbox`: `#i` becomes the i-th item of the step.
    static func resolve(_ template: String, in sandbox: SandboxFixture) throws -> String {
        guard let hash = template.firstIndex(of: "#") else { return template }
        let index = Int(template[template.index(after: hash)...])!
        let step = template[template.index(after: template.firstIndex(of: ":")!)..<template.index(before: hash)]
        let state = try sandbox.state()
        let item: String
        switch StepID(String(step)) {
        case .createSigningKey, .rotateSigningKey: item = "signing-key"
        case .createEventKeys, .deleteOldEventKeys: item = state.eventKeys[index].id
        default: item = state.apps[index].name
        }
        return String(template[..<hash]) + item
    }

    /// Covers every point; a tenth of them crash a second time during the first resume.
    @Test(arguments: 0..<points.count)
    func killAtEveryFaultPointThenResumeConverges(index: Int) async throws {
        let sandbox = try SandboxFixture(apps: 3, eventKeys: 2)
        defer { sandbox.remove() }
        let point = try Self.resolve(Self.points[index], in: sandbox)
        let invariants = try RotationInvariants(fixture: sandbox)

        let crashed = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"],
            environment: ["REKEY_FAULT_POINT": point]
        )
        #expect(crashed.signaled && crashed.status == SIGKILL, "\(point) was never reached: \(crashed)")

        var secondFault: [String: String] = [:]
        if index % 10 == 3, case let parts = point.split(separator: ":"), parts[0].hasSuffix("record"),
            let seq = Int(parts[1])
        {
            secondFault["REKEY_FAULT_POINT"] = "after-record:\(seq + 5)"
        }
        var attempts = 0
        var last: RekeyProcess.Result?
        while attempts < 4 {
            attempts += 1
            let journalUsable =
                FileManager.default.fileExists(atPath: sandbox.journal)
                && !JournalReader.isStillborn(path: sandbox.journal)
            let arguments =
                journalUsable
                ? ["resume", sandbox.journal, "--approve", "rotate-signing-key"]
                : ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"]
            let result = try await RekeyProcess.run(arguments, environment: attempts == 1 ? secondFault : [:])
            last = result
            if result.status == 0, !result.signaled { break }
        }
        #expect(last?.status == 0 && last?.signaled == false, "\(point): never converged: \(String(describing: last))")
        #expect(try invariants.violations(fixture: sandbox) == [], "\(point)")
        let verify = try await RekeyProcess.run(["log", sandbox.journal, "--verify"])
        #expect(verify.status == 0, "\(point): \(verify)")
        let status = try JSONDecoder().decode(
            RotationStatus.self,
            from: Data(try await RekeyProcess.run(["status", sandbox.journal, "--json"]).stdout.utf8)
        )
        #expect(status.state == .finished, "\(point)")
    }

    @Test func matrixCoversHundredsOfPoints() {
        print("crash matrix: \(Self.points.count) fault points")
        #expect(Self.points.count >= 100)
    }

    /// Kills at arbitrary instants (not at named points), repeatedly, until the rotation completes.
    @Test(arguments: 0..<12)
    func killAtRandomInstantsThenResumeConverges(seed: Int) async throws {
        let sandbox = try SandboxFixture(apps: 3, eventKeys: 2)
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        var generator = SplitMix64(seed: UInt64(seed) &+ 0x5eed)
        var finished = false
        for round in 0..<30 where !finished {
            let journalUsable =
                FileManager.default.fileExists(atPath: sandbox.journal)
                && !JournalReader.isStillborn(path: sandbox.journal)
            let arguments =
                journalUsable
                ? ["resume", sandbox.journal, "--approve", "rotate-signing-key"]
                : ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"]
            let running = try RekeyProcess.start(arguments)
            if round < 6 {
                usleep(useconds_t(generator.next() % 60_000))
                running.kill()
            }
            let result = try await running.finish()
            finished = result.status == 0 && !result.signaled
        }
        #expect(finished)
        #expect(try invariants.violations(fixture: sandbox) == [])
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"]).status == 0)
    }
}

/// A tiny deterministic generator for reproducible test schedules.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
