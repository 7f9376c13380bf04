import Foundation
import RekeyCore
import Testing

/// A journal that can't be written stops the run before the side effect whose intent it could not
/// record; once there is space again, resume converges.
@Suite struct DiskFullEndToEndTests {
    /// The seq of each intent record in a reference rotation of the same shape (a failed reference run fails
    /// ``theReferenceRotationHasIntents()``, instead of crashing the test process).
    static let reference: Result<[Intent], FixtureError> = {
        do {
            let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
            defer { sandbox.remove() }
            let run = try RekeyProcess.runBlocking(
                ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"]
            )
            guard run.status == 0 else { return .failure(FixtureError(message: "reference run failed: \(run)")) }
            return .success(
                try JournalReader.read(path: sandbox.journal).records.compactMap { record in
                    guard record.type == .intent, let step = record.step, let item = record.item else { return nil }
                    return Intent(seq: record.seq, step: step, item: item)
                })
        } catch {
            return .failure(FixtureError(message: "reference run failed: \(error)"))
        }
    }()

    struct Intent: Sendable {
        var seq: Int
        var step: StepID
        var item: String
    }

    static var intents: [Intent] { (try? reference.get()) ?? [] }

    @Test func theReferenceRotationHasIntents() throws {
        #expect(try Self.reference.get().count > 5)
    }

    @Test(arguments: [StepID.createSigningKey, .createEventKeys, .rotateSigningKey, .deleteOldEventKeys])
    func fullDiskAtAnIntentPreventsItsSideEffect(step: StepID) async throws {
        let intent = try #require(Self.intents.first { $0.step == step })
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)
        let before = try sandbox.state()
        let full = try await RekeyProcess.run(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"],
            environment: ["REKEY_FAULT_POINT": "disk-full:\(intent.seq)"]
        )
        #expect(full.status == 1, "\(full)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
        let after = try sandbox.state()
        switch step {
        case .createSigningKey:
            #expect(after.signingKeys == before.signingKeys, "a signing key was created without a durable intent")
        case .createEventKeys:
            #expect(after.eventKeys == before.eventKeys, "an event key was created without a durable intent")
        case .rotateSigningKey:
            #expect(after.signingKeys.count == 2, "the key was promoted without a durable intent")
        default:
            #expect(
                after.eventKeys.count == 2 * before.eventKeys.count,
                "an old event key was deleted without a durable intent")
        }
        #expect(try await RekeyProcess.run(["log", sandbox.journal, "--verify"]).status == 0)
        let resumed = try await RekeyProcess.run(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try invariants.violations(fixture: sandbox) == [])
    }

    @Test func fullDiskAtAnyRecordIsResumable() async throws {
        for seq in stride(from: 1, through: Self.intents.last?.seq ?? 1, by: 4) {
            let sandbox = try SandboxFixture(apps: 2, eventKeys: 1)
            defer { sandbox.remove() }
            let invariants = try RotationInvariants(fixture: sandbox)
            let full = try await RekeyProcess.run(
                ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"],
                environment: ["REKEY_FAULT_POINT": "disk-full:\(seq)"]
            )
            #expect(full.status == 1, "disk-full:\(seq): \(full)")
            let resumed = try await RekeyProcess.run(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
            #expect(resumed.status == 0, "disk-full:\(seq): \(resumed)")
            #expect(try invariants.violations(fixture: sandbox) == [], "disk-full:\(seq)")
        }
    }
}
