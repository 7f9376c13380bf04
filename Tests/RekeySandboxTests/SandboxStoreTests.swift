import Foundation
import RekeyCore
import RekeySandbox
import Synchronization
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

@Suite struct SandboxStoreTests {
    @Test func twoPlatformsOnOneStateFileNeverLoseAnUpdate() async throws {
        try await TestSandbox.with(eventKeys: 1) { sandbox in
            let path = sandbox.scaffold.statePath
            let original = try sandbox.state().eventKeys.map(\.name)
            // Each worker creates 50 keys and deletes every other one it created: 50 creates + 25 deletes.
            let survivors = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in ["a", "b"] {
                    group.addTask {
                        let platform = SandboxPlatform(statePath: path)
                        var kept = [String]()
                        for index in 0..<50 {
                            let name = "\(worker)-\(index)"
                            let key = try await platform.createKey(NewKeyRequest(kind: .event, name: name))
                            if index.isMultiple(of: 2) {
                                try await platform.deleteKey(.event, id: key.id)
                            } else {
                                kept.append(name)
                            }
                        }
                        return kept
                    }
                }
                var all = [String]()
                for try await kept in group { all += kept }
                return all
            }
            #expect(survivors.count == 50)
            let names = try sandbox.state().eventKeys.map(\.name)
            #expect(Set(names) == Set(original + survivors))
            #expect(names.count == original.count + 50)
        }
    }

    @Test func theStateFileIsWrittenWithMode0600() async throws {
        try await TestSandbox.with { sandbox in
            let path = sandbox.scaffold.statePath
            #expect(try FileIO.mode(path) == 0o600)
            #expect(chmod(path, 0o644) == 0)
            _ = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            #expect(try FileIO.mode(path) == 0o600)
            #expect(try FileIO.mode(sandbox.store.lockPath) == 0o600)
        }
    }

    @Test func aFailedMutationWritesNothing() async throws {
        try await TestSandbox.with { sandbox in
            let before = try FileIO.read(sandbox.scaffold.statePath)
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await sandbox.store.mutate { state in
                    state.environment = "changed"
                    throw Boom()
                }
            }
            #expect(try FileIO.read(sandbox.scaffold.statePath) == before)
        }
    }

    @Test func aMutationThatChangesNothingDoesNotRewriteTheFile() async throws {
        try await TestSandbox.with { sandbox in
            var before = stat()
            #expect(stat(sandbox.scaffold.statePath, &before) == 0)
            _ = try await sandbox.store.mutate { state in state.apps.count }
            var after = stat()
            #expect(stat(sandbox.scaffold.statePath, &after) == 0)
            #expect(before.st_ino == after.st_ino)
        }
    }

    @Test func aMutationBreakingAnInvariantIsRefused() async throws {
        try await TestSandbox.with { sandbox in
            _ = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            let before = try FileIO.read(sandbox.scaffold.statePath)
            let error = await #expect(throws: SandboxError.self) {
                try await sandbox.store.mutate { state in state.signingKeys[1].active = true }
            }
            guard case .stateCorrupt(_, let detail) = error else {
                Issue.record("expected stateCorrupt, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("2 keys are active"))
            #expect(try FileIO.read(sandbox.scaffold.statePath) == before)
        }
    }

    @Test func everyOperationPassesThroughTheInterceptor() async throws {
        try await TestSandbox.with { sandbox in
            let seen = Mutex<[SandboxOperation]>([])
            let platform = SandboxPlatform(statePath: sandbox.scaffold.statePath) { operation in
                seen.withLock { $0.append(operation) }
            }
            _ = try await platform.listKeys(.signing)
            let key = try await platform.createKey(NewKeyRequest(kind: .signing))
            try await platform.deleteKey(.signing, id: key.id)
            _ = try await platform.resyncApp(id: "api", url: nil)
            _ = try await platform.inspect(app: sandbox.spec("api"), signedWith: try sandbox.activeKey())
            try await platform.redeploy("api")
            #expect(
                seen.withLock { $0 }
                    == [
                        SandboxOperation(name: "listKeys", isMutation: false),
                        SandboxOperation(name: "createKey", isMutation: true),
                        SandboxOperation(name: "deleteKey", isMutation: true),
                        SandboxOperation(name: "resyncApp", isMutation: true),
                        SandboxOperation(name: "inspect", isMutation: true),
                        SandboxOperation(name: "redeploy", isMutation: true),
                    ]
            )
        }
    }

    @Test func aFaultFromTheInterceptorStopsTheOperation() async throws {
        try await TestSandbox.with { sandbox async throws in
            let platform = SandboxPlatform(statePath: sandbox.scaffold.statePath) { operation in
                if operation.name == "createKey" { throw PlatformError.transient("injected 503", retryAfter: 2) }
            }
            await #expect(throws: PlatformError.transient("injected 503", retryAfter: 2)) {
                try await platform.createKey(NewKeyRequest(kind: .signing))
            }
            #expect(try sandbox.state().signingKeys.count == 1)
            #expect(try await platform.listKeys(.signing).count == 1)
        }
    }

    @Test func aLockHeldTooLongIsReportedAsRetryable() async throws {
        try await TestSandbox.with { sandbox async throws in
            let fd = open(sandbox.store.lockPath, O_RDWR | O_CREAT, 0o600)
            #expect(fd >= 0)
            defer { close(fd) }
            #expect(flock(fd, LOCK_EX) == 0)
            let store = SandboxStore(path: sandbox.scaffold.statePath, lockTimeout: 0.2)
            await #expect(throws: SandboxError.stateLocked(path: sandbox.scaffold.statePath, seconds: 0.2)) {
                try await store.read { $0.environment }
            }
            let error = await #expect(throws: PlatformError.self) {
                try await SandboxPlatform(store: store).listApps()
            }
            #expect(error?.isRetryable == true)
            flock(fd, LOCK_UN)
            #expect(try await store.read { $0.environment } == "production")
        }
    }

    @Test func aMissingStateFileIsNamed() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/nothing.json"
            await #expect(throws: SandboxError.stateMissing(path: path)) {
                try await SandboxStore(path: path).read { $0.environment }
            }
            let error = await #expect(throws: PlatformError.self) {
                try await SandboxPlatform(statePath: path).listKeys(.signing)
            }
            #expect(error?.description.contains(path) == true)
            #expect(SandboxPlatform(statePath: path).capabilities.isEmpty)
        }
    }
}
