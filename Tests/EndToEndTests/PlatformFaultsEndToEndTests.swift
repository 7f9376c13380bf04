import Foundation
import RekeyCore
import Testing

/// Platform faults: transient errors are retried, a lost response never creates a second key,
/// non-retryable errors and exhausted retries stop the run cleanly and resumably.
@Suite struct PlatformFaultsEndToEndTests {
    static let fastRetries = ["REKEY_RETRY_BASE_DELAY": "0.002"]

    /// Runs (or resumes) until exit 0, at most `attempts` times; returns every result.
    private func runToCompletion(
        _ sandbox: SandboxFixture,
        environment: [String: String],
        attempts: Int = 6
    ) async throws -> [RekeyProcess.Result] {
        var results: [RekeyProcess.Result] = []
        for _ in 0..<attempts {
            let started = FileManager.default.fileExists(atPath: sandbox.journal)
            let arguments =
                started
                ? ["resume", sandbox.journal, "--approve", "rotate-signing-key"]
                : ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"]
            let result = try await RekeyProcess.run(arguments, environment: environment)
            results.append(result)
            if result.status == 0 { break }
        }
        return results
    }

    private func faultLog(_ sandbox: SandboxFixture) -> [String] {
        ((try? String(contentsOfFile: sandbox.statePath + ".faults.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    @Test func soakWithTwentyPercentFaultsConverges() async throws {
        var totalFaults = 0
        var lost = 0
        var runs = 0
        for seed in 1...12 {
            let sandbox = try SandboxFixture(apps: 3, eventKeys: 2)
            defer { sandbox.remove() }
            let invariants = try RotationInvariants(fixture: sandbox)
            let environment = Self.fastRetries.merging(["REKEY_SANDBOX_FAULTS": "rate=0.2,seed=\(seed)"]) { $1 }
            let results = try await runToCompletion(sandbox, environment: environment)
            runs += results.count
            #expect(results.last?.status == 0, "seed \(seed): \(results.map(\.description).joined(separator: "\n"))")
            #expect(try invariants.violations(fixture: sandbox) == [], "seed \(seed)")
            #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"]).status == 0)
            let log = faultLog(sandbox)
            totalFaults += log.count
            lost += log.filter { $0.hasSuffix(" lost") }.count
        }
        print("soak: 12 rotations, \(runs) processes, \(totalFaults) faults injected (\(lost) lost responses)")
        #expect(totalFaults >= 30)
        #expect(lost > 0)
    }

    @Test func lostCreateResponsesAreAdoptedNotDuplicated() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 2)
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        let environment = Self.fastRetries.merging(["REKEY_SANDBOX_FAULTS": "rate=1,kinds=lost,ops=createKey"]) { $1 }
        let results = try await runToCompletion(sandbox, environment: environment, attempts: 1)
        #expect(results.last?.status == 0, "\(results)")
        #expect(results.last?.stdout.contains("had applied") == true, "the adoption is reported")
        // One signing key and one replacement per event key: the lost responses created no duplicates.
        #expect(try invariants.violations(fixture: sandbox) == [])
        #expect(faultLog(sandbox).count == 3)
    }

    @Test func nonRetryableErrorStopsWithExit1AndResumes() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        let refused = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"],
            environment: Self.fastRetries.merging(["REKEY_SANDBOX_FAULTS": "rate=1,kinds=400,ops=deleteKey"]) { $1 }
        )
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.contains("the sandbox refused deleteKey"), "the platform's message is shown")
        #expect(refused.stdout.contains("rekey resume"))
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"]).status == 0)
        let status = try await RekeyProcess.run(["status", sandbox.journal])
        #expect(status.stdout.contains("failed"))
        let resumed = try await RekeyProcess.run(["resume", sandbox.journal])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try invariants.violations(fixture: sandbox) == [])
    }

    @Test func exhaustedRetriesExit69AndResume() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        let unavailable = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"],
            environment: Self.fastRetries.merging(["REKEY_SANDBOX_FAULTS": "rate=1,kinds=503,ops=promoteSigningKey"]) {
                $1
            }
        )
        #expect(unavailable.status == 69, "\(unavailable)")
        #expect(unavailable.stdout.contains("gave up after"))
        let resumed = try await RekeyProcess.run(["resume", sandbox.journal])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try invariants.violations(fixture: sandbox) == [])
    }

    @Test func rateLimitsAreRetriedHonouringRetryAfter() async throws {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        let results = try await runToCompletion(
            sandbox,
            environment: ["REKEY_SANDBOX_FAULTS": "rate=0.25,seed=3,kinds=429"],
            attempts: 1
        )
        #expect(results.last?.status == 0, "\(results)")
        // The sandbox asks for Retry-After 0.02 s; the printed delay is that, not the default backoff.
        #expect(results.last?.stdout.contains("retry 1 in 20 ms") == true, "\(results.last?.stdout ?? "")")
    }
}
