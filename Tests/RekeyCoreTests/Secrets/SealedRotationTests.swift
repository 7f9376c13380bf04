import Foundation
import RekeySandbox
import Testing

@testable import RekeyCore

/// Rotations on a platform that shows new event keys once: the secrets travel sealed in the journal.
@Suite struct SealedRotationTests {
    private static let onceShown: @Sendable (SandboxPlatform) -> any Platform = { OnceShownPlatform(base: $0) }

    @Test func sealsWhatThePlatformShowsOnceAndFinishes() async throws {
        let harness = try RotationHarness(kinds: ["worker": .exec])
        defer { harness.remove() }
        let key = SealKey.random()
        let outcome = try await harness.start(harness.session(platform: Self.onceShown, sealKey: key))
        #expect(outcome.result == .finished)

        let records = try harness.records()
        let sealed = records.filter { $0.data.outcome?.sealed != nil }
        #expect(sealed.count == 2)
        #expect(sealed.allSatisfy { $0.type == .done && $0.step == .createEventKeys })
        #expect(!SecretScrubber(try harness.secrets()).appears(in: try harness.journalBytes()))
        // Every app, dotenv and exec alike, got the key that was only ever shown at creation.
        let state = try SandboxStore(path: harness.scaffold.statePath).snapshot()
        for app in harness.scaffold.appNames {
            let text = try harness.envText(app)
            #expect(state.eventKeys.contains { text.contains("INNGEST_EVENT_KEY=\($0.key.exposeValue())") }, "\(app)")
        }
    }

    @Test func readablePlatformsGetNothingSealedAndNeedNoKey() async throws {
        let harness = try RotationHarness()
        defer { harness.remove() }
        let outcome = try await harness.start(harness.session())
        #expect(outcome.result == .finished)
        #expect(try harness.records().allSatisfy { $0.data.outcome?.sealed == nil })
    }

    @Test func aMissingKeyStopsTheRunBeforeAnythingHappens() async throws {
        let harness = try RotationHarness()
        defer { harness.remove() }
        let before = try SandboxStore(path: harness.scaffold.statePath).snapshot()
        await #expect(throws: SealError.keyMissing(steps: [.createEventKeys], platform: "once-shown")) {
            try await harness.start(harness.session(platform: Self.onceShown))
        }
        #expect(!FileIO.exists(harness.journal))
        #expect(try SandboxStore(path: harness.scaffold.statePath).snapshot() == before)
    }

    @Test func resumeChecksTheKeyBeforeTheStepThatOpensIt() async throws {
        let harness = try RotationHarness()
        defer { harness.remove() }
        let key = SealKey.random()
        let first = try await harness.start(
            harness.session(platform: Self.onceShown, sealKey: key), until: .stageEventKeys)
        #expect(first.result == .reachedUntil(.stageEventKeys))
        let journal = try harness.journalBytes()

        let wrong = SealKey.random()
        do {
            _ = try await harness.resume(harness.session(platform: Self.onceShown, sealKey: wrong))
            Issue.record("resumed with the wrong key")
        } catch let error as SealError {
            guard case .wrongKey(let item, let sealedWith, let given) = error else {
                Issue.record("expected wrongKey, got \(error)")
                return
            }
            #expect(item.hasPrefix("create-event-keys/"))
            #expect(sealedWith == key.id)
            #expect(given == wrong.id)
        }
        await #expect(throws: SealError.keyMissing(steps: [.createEventKeys], platform: "once-shown")) {
            try await harness.resume(harness.session(platform: Self.onceShown))
        }
        #expect(try harness.journalBytes() == journal, "a refused resume changed the journal")

        let last = try await harness.resume(harness.session(platform: Self.onceShown, sealKey: key))
        #expect(last.result == .finished)
    }

    @Test func aKeyWhoseSecretWasLostInACrashIsReplacedNotAdopted() async throws {
        let harness = try RotationHarness()
        defer { harness.remove() }
        let key = SealKey.random()
        let state = try SandboxStore(path: harness.scaffold.statePath).snapshot()
        let victim = try #require(state.eventKeys.first).id
        await #expect(throws: SimulatedCrash.self) {
            try await harness.start(
                harness.session(
                    platform: Self.onceShown, sealKey: key,
                    faults: FaultInjector { point in
                        if point == .afterEffect(step: .createEventKeys, item: victim) {
                            throw SimulatedCrash(point: point)
                        }
                    }))
        }
        // The platform holds a key for `victim` whose secret nobody kept.
        let orphaned = try SandboxStore(path: harness.scaffold.statePath).snapshot().eventKeys.count
        #expect(orphaned > state.eventKeys.count)

        let outcome = try await harness.resume(harness.session(platform: Self.onceShown, sealKey: key))
        #expect(outcome.result == .finished)
        let after = try SandboxStore(path: harness.scaffold.statePath).snapshot()
        #expect(after.eventKeys.count == state.eventKeys.count)
        let names = after.eventKeys.map(\.name)
        #expect(Set(names).count == names.count, "two keys share a name: \(names)")
    }
}
