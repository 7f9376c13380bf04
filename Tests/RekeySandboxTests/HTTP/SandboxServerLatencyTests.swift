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
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await transport(HTTPRequest(method: "GET", url: url)).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let elapsed = ContinuousClock.now - started
            #expect(statuses == Array(repeating: 200, count: 12))
            #expect(elapsed >= .seconds(2), "each request waits the latency")
            // Generous for a loaded 2-core machine: one after another, the requests would take 24 s.
            #expect(elapsed < .seconds(18), "12 requests one after another would take 24 s")
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
