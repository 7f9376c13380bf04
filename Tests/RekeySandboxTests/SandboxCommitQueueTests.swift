import Foundation
import RekeyCore
import Testing

@testable import RekeySandbox

/// Group commit in the store of a served sandbox: concurrent mutations are saved together, each
/// returning only once it is on disk, and nothing is lost or half-written.
@Suite struct SandboxCommitQueueTests {
    static func groupedPlatform(_ sandbox: TestSandbox) -> SandboxPlatform {
        var store = SandboxStore(path: sandbox.scaffold.statePath)
        store.groupCommit = true
        return SandboxPlatform(store: store)
    }

    @Test func everyConcurrentMutationIsOnDiskWhenItReturns() async throws {
        try await TestSandbox.with(eventKeys: 1) { sandbox in
            let platform = Self.groupedPlatform(sandbox)
            let path = sandbox.scaffold.statePath
            let created = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        let key = try await platform.createKey(NewKeyRequest(kind: .event, name: "key \(index)"))
                        // Read by another store, from the file: the change must be there already.
                        let onDisk = try SandboxStore(path: path).snapshot()
                        #expect(
                            onDisk.eventKeys.contains { $0.id == key.id }, "key \(index) returned before it was saved")
                        return key.id
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            let state = try sandbox.state()
            #expect(Set(created).isSubset(of: Set(state.eventKeys.map(\.id))))
            #expect(state.eventKeys.count == 61)
        }
    }

    @Test func aFailingMutationChangesNothingAndTheOthersAreSaved() async throws {
        try await TestSandbox.with(eventKeys: 1) { sandbox in
            let platform = Self.groupedPlatform(sandbox)
            struct Boom: Error {}
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            switch index % 5 {
                            case 1:
                                try await platform.store.mutate { state in
                                    state.environment = "changed"
                                    throw Boom()
                                }
                            case 2:
                                // Breaks an invariant (two active signing keys): refused, never written.
                                try await platform.store.mutate { state in
                                    state.signingKeys.append(state.signingKeys[0])
                                    state.signingKeys[1].id = "sk_twin_\(index)"
                                }
                            default:
                                _ = try await platform.createKey(NewKeyRequest(kind: .event, name: "ok \(index)"))
                            }
                            return "saved"
                        } catch is Boom {
                            return "boom"
                        } catch {
                            return (error as? SandboxError).map { "\($0)".contains("invariant") ? "refused" : "?" }
                                ?? "?"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "saved" }.count == 12)
            #expect(outcomes.filter { $0 == "boom" }.count == 4)
            #expect(outcomes.filter { $0 == "refused" }.count == 4)
            let state = try sandbox.state()
            #expect(state.environment == "production")
            #expect(state.signingKeys.count == 1)
            #expect(state.eventKeys.count == 13)
        }
    }

    @Test func aGroupedStoreAndAPlainOneNeverLoseAnUpdate() async throws {
        try await TestSandbox.with(eventKeys: 0) { sandbox in
            let grouped = Self.groupedPlatform(sandbox)
            let plain = SandboxPlatform(statePath: sandbox.scaffold.statePath)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let platform = index.isMultiple(of: 2) ? grouped : plain
                        _ = try await platform.createKey(NewKeyRequest(kind: .event, name: "key \(index)"))
                    }
                }
                try await group.waitForAll()
            }
            #expect(Set(try sandbox.state().eventKeys.map(\.name)) == Set((0..<40).map { "key \($0)" }))
        }
    }

    @Test func releasesTheLockOnceEverythingIsSaved() async throws {
        try await TestSandbox.with(eventKeys: 0) { sandbox in
            let grouped = Self.groupedPlatform(sandbox)
            for index in 0..<5 {
                _ = try await grouped.createKey(NewKeyRequest(kind: .event, name: "key \(index)"))
            }
            // Another store must get the lock at once, not after the grouped store's timeout.
            let other = SandboxStore(path: sandbox.scaffold.statePath, lockTimeout: 0.5)
            try await other.mutate { $0.environment = "staging" }
            #expect(try await grouped.store.read { $0.environment } == "staging")
        }
    }

    @Test func aStoreSeesWhatAnotherWriterSaved() async throws {
        try await TestSandbox.with(eventKeys: 1) { sandbox in
            let grouped = Self.groupedPlatform(sandbox)
            #expect(try await grouped.listKeys(.event).count == 1)
            _ = try await SandboxPlatform(statePath: sandbox.scaffold.statePath).createKey(
                NewKeyRequest(kind: .event, name: "from elsewhere"))
            #expect(try await grouped.listKeys(.event).count == 2, "a cached state must not hide the new file")
        }
    }
}
