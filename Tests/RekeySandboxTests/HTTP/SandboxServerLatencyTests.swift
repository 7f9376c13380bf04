import Foundation
import RekeyCore
import RekeyPlatforms
import Testing

@testable import RekeySandbox

/// A served sandbox adds its latency once per request, and requests wait for it concurrently, as over a
/// network: a benchmark against it measures the client, not the server.
@Suite struct SandboxServerLatencyTests {
    @Test func concurrentRequestsWaitTheirLatencyTogether() async throws {
        try await TestSandbox.with { sandbox in
            var store = SandboxStore(path: sandbox.scaffold.statePath)
            store.groupCommit = true
            let server = try SandboxServer(store: store, latency: 2)
            defer { server.stop() }
            let transport = LoopbackTransport.make()
            let url = server.url.appendingPathComponent("health")
            let exchanges = try await withThrowingTaskGroup(
                of: (Int, ContinuousClock.Instant, ContinuousClock.Instant).self
            ) {
                group in
                for _ in 0..<12 {
                    group.addTask {
                        let sent = ContinuousClock.now
                        let status = try await transport(HTTPRequest(method: "GET", url: url)).status
                        return (status, sent, ContinuousClock.now)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(exchanges.map(\.0) == Array(repeating: 200, count: 12))
            #expect(exchanges.allSatisfy { $0.2 - $0.1 >= .seconds(2) }, "each request waits the latency")
            // Waiting together, not one after another: the answers came within one latency of each other (one
            // after another they would spread over 22 s). A spread, not a wall-clock total: a loaded machine
            // that starts the requests late does not break it.
            let answers = exchanges.map(\.2)
            #expect(answers.max()! - answers.min()! < .seconds(2), "the requests waited their latency together")
        }
    }

    @Test func theStoreOfAServedSandboxInjectsFaultsButNotTheLatency() async throws {
        let faults = SandboxFaults(profile: SandboxFaults.Profile(rate: 0, latency: 60), logPath: nil)
        let operation = SandboxOperation(name: "listKeys", isMutation: false)
        let first = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                try await faults.faultsOnly(operation)
                return "returned"
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return "waited"
            }
            defer { group.cancelAll() }
            return try await group.next()
        }
        #expect(first == "returned", "the latency is the HTTP server's to add, once per request")
    }
}
