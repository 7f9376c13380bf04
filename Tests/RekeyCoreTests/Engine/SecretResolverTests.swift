import Synchronization
import Testing

@testable import RekeyCore

/// Listings shared between the items of a fan-out, without ever giving a caller a listing older than it
/// asked for.
@Suite struct SecretResolverTests {
    /// A platform whose event-key listing names the number of writes made before it started, and takes
    /// `delay` to answer.
    final class ListingPlatform: Platform, Sendable {
        struct State {
            var writes = 0
            var started = 0
            var inFlight = 0
            var maxInFlight = 0
            var failNext = false
        }

        let state = Mutex(State())
        let delay: Duration

        init(delay: Duration = .milliseconds(100)) { self.delay = delay }

        var kind: String { "listing-test" }
        var capabilities: PlatformCapabilities { [.listEventKeys] }

        var started: Int { state.withLock { $0.started } }
        var maxInFlight: Int { state.withLock { $0.maxInFlight } }
        func write() { state.withLock { $0.writes += 1 } }

        func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] {
            let (writes, fail) = state.withLock { state in
                state.started += 1
                state.inFlight += 1
                state.maxInFlight = max(state.maxInFlight, state.inFlight)
                defer { state.failNext = false }
                return (state.writes, state.failNext)
            }
            try? await Task.sleep(for: delay)
            state.withLock { $0.inFlight -= 1 }
            if fail { throw PlatformError.transient("listing failed (test)") }
            return [PlatformKey(kind: kind, id: "after-\(writes)-writes")]
        }

        func createKey(_ request: NewKeyRequest) async throws -> PlatformKey { throw PlatformError.unsupported("test") }
        func promoteSigningKey(id: String) async throws {}
        func deleteKey(_ kind: KeyKind, id: String) async throws {}
        func listApps() async throws -> [PlatformApp] { [] }
        func resyncApp(id: String, url: String?) async throws -> SyncResult { SyncResult(status: .success) }
    }

    static func resolver(
        _ platform: ListingPlatform, gather: Duration = .milliseconds(1), maxGather: Duration = .milliseconds(8),
        flights: Int = 2
    ) -> SecretResolver {
        SecretResolver(platform: platform, gather: gather, maxGather: maxGather, maxFlights: flights) {
            _, operation in try await operation()
        }
    }

    /// Waits until the platform has started `count` listings.
    static func waitForListings(_ platform: ListingPlatform, _ count: Int) async throws {
        for _ in 0..<1_000 where platform.started < count { try await Task.sleep(for: .milliseconds(2)) }
        try #require(platform.started >= count)
    }

    @Test func callersArrivingTogetherShareOneListing() async throws {
        let platform = ListingPlatform()
        // A long gathering window: the callers need not arrive within milliseconds of each other.
        let resolver = Self.resolver(platform, gather: .seconds(2))
        let results = try await withThrowingTaskGroup(of: [PlatformKey].self) { group in
            for _ in 0..<12 { group.addTask { try await resolver.keys(.event, freshness: .startedNow) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 12)
        #expect(platform.started == 1)
    }

    /// A wave of writes answering a little apart: the listing waits while they keep landing, so the
    /// last writer's read-back joins it instead of queueing a second one.
    @Test func writesLandingWhileAListingGathersKeepItOpen() async throws {
        let platform = ListingPlatform(delay: .milliseconds(5))
        let resolver = Self.resolver(platform, gather: .milliseconds(40), maxGather: .seconds(5))
        let first = Task { try await resolver.keys(.event, freshness: .startedNow) }
        // Three writes 25 ms apart: each lands within the 40 ms window the one before reopened.
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(25))
            platform.write()
            await resolver.invalidate(.event)
        }
        let last = try await resolver.keys(.event, freshness: .startedNow)
        #expect(last.map(\.id) == ["after-3-writes"])
        #expect(try await first.value.map(\.id) == ["after-3-writes"])
        #expect(platform.started == 1)
    }

    @Test func aGatheringListingIsSentAfterMaxGatherEvenWhileWritesKeepLanding() async throws {
        let platform = ListingPlatform(delay: .milliseconds(1))
        let resolver = Self.resolver(platform, gather: .milliseconds(10), maxGather: .milliseconds(30))
        let first = Task { try await resolver.keys(.event, freshness: .startedNow) }
        let writer = Task {
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(5))
                platform.write()
                await resolver.invalidate(.event)
            }
        }
        defer { writer.cancel() }
        // Sent after at most 30 ms of gathering (generous bound for a loaded machine), long before the
        // writes stop (500 ms).
        try await Self.waitForListings(platform, 1)
        let written = platform.state.withLock { $0.writes }
        #expect(written < 60, "the listing waited for \(written) writes")
        _ = try await first.value
    }

    @Test func aCallerNeverGetsAListingSentBeforeItAsked() async throws {
        let platform = ListingPlatform()
        let resolver = Self.resolver(platform)
        let first = Task { try await resolver.keys(.event, freshness: .startedNow) }
        try await Self.waitForListings(platform, 1)
        // A write completes while the first listing is in flight; a caller asking now must see it.
        platform.write()
        let second = try await resolver.keys(.event, freshness: .startedNow)
        #expect(second.map(\.id) == ["after-1-writes"])
        #expect(try await first.value.map(\.id) == ["after-0-writes"])
        #expect(platform.started == 2)
    }

    @Test func observingAnItemWithoutIntentReusesAnyListingOfTheRunEvenAfterWrites() async throws {
        let platform = ListingPlatform(delay: .milliseconds(1))
        let resolver = Self.resolver(platform)
        #expect(try await resolver.keys(.event).map(\.id) == ["after-0-writes"])
        platform.write()
        await resolver.invalidate(.event)
        // Stale, but taken after the journal was replayed: enough for an item no run has started.
        #expect(try await resolver.keys(.event, freshness: .takenThisRun).map(\.id) == ["after-0-writes"])
        #expect(platform.started == 1)
        // The cache, though, is gone after the write.
        #expect(try await resolver.keys(.event, freshness: .cached).map(\.id) == ["after-1-writes"])
        #expect(platform.started == 2)
        #expect(try await resolver.keys(.event, freshness: .takenThisRun).map(\.id) == ["after-1-writes"])
    }

    @Test func aListingSentBeforeAWriteDoesNotRefillTheCache() async throws {
        let platform = ListingPlatform()
        let resolver = Self.resolver(platform)
        let first = Task { try await resolver.keys(.event, freshness: .startedNow) }
        try await Self.waitForListings(platform, 1)
        platform.write()
        await resolver.invalidate(.event)
        _ = try await first.value
        #expect(try await resolver.keys(.event, freshness: .cached).map(\.id) == ["after-1-writes"])
        #expect(platform.started == 2)
    }

    @Test func keepsAtMostMaxFlightsListingsInFlight() async throws {
        let platform = ListingPlatform(delay: .milliseconds(60))
        let resolver = Self.resolver(platform, gather: .milliseconds(1), flights: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                group.addTask {
                    try await Task.sleep(for: .milliseconds(8 * index))
                    _ = try await resolver.keys(.event, freshness: .startedNow)
                }
            }
            try await group.waitForAll()
        }
        #expect(platform.maxInFlight <= 2)
    }

    @Test func aFailedListingIsNotKeptAndTheNextCallerListsAgain() async throws {
        let platform = ListingPlatform(delay: .milliseconds(1))
        platform.state.withLock { $0.failNext = true }
        let resolver = Self.resolver(platform)
        await #expect(throws: PlatformError.self) { try await resolver.keys(.event, freshness: .takenThisRun) }
        #expect(try await resolver.keys(.event, freshness: .takenThisRun).map(\.id) == ["after-0-writes"])
        #expect(platform.started == 2)
    }
}
