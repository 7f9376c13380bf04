import Foundation
import RekeyCore
import Testing

/// Platform faults on the wire: `rekey sandbox serve` answers 429/5xx, drops connections, stalls past
/// the client's timeout, and drops the response of a change it applied; the `inngest` platform
/// over HTTP still converges to the right end state, without duplicate keys.
@Suite struct HTTPFaultsEndToEndTests {
    @Test func rotationOverHTTPConvergesThroughWireFaults() async throws {
        let served = try await InngestLocalPlaybookEndToEndTests.Served.start(
            serverEnvironment: ["REKEY_SANDBOX_FAULTS": "rate=0.2,seed=11,stall=3s"],
            options: #""requestTimeout": "1s", "#
        )
        defer { served.stop() }
        let invariants = try RotationInvariants(fixture: served.sandbox)
        let environment = served.credentials.merging(["REKEY_RETRY_BASE_DELAY": "0.01"]) { $1 }
        let journal = served.sandbox.journal
        var results: [RekeyProcess.Result] = []
        for _ in 0..<6 {
            let started = FileManager.default.fileExists(atPath: journal)
            let arguments =
                started
                ? ["resume", journal, "--approve", "rotate-signing-key"]
                : ["run", served.playbook, "--journal", journal, "--approve", "rotate-signing-key"]
            let result = try await RekeyProcess.run(arguments, environment: environment)
            results.append(result)
            if result.status == 0 { break }
            #expect([1, 69].contains(result.status), "only a failure or an outage may stop it: \(result)")
        }
        #expect(results.last?.status == 0, "\(results.map(\.description).joined(separator: "\n"))")
        #expect(try invariants.violations(fixture: served.sandbox) == [])
        #expect(try await RekeyProcess.run(["log", journal, "--verify"]).status == 0)

        // The server acted out several kinds of fault on the wire.
        let log = served.server.output
        let kinds = Set(
            log.split(separator: "\n").compactMap { line -> String? in
                guard let range = line.range(of: "fault: ") else { return nil }
                return line[range.upperBound...].split(separator: " ").first.map(String.init)
            }
        )
        print("http faults: \(log.components(separatedBy: "fault: ").count - 1) injected, kinds \(kinds.sorted())")
        #expect(kinds.count >= 3, "\(kinds)")
        #expect(results.flatMap { $0.stdout.split(separator: "\n") }.contains { $0.contains("retry") })
    }
}
