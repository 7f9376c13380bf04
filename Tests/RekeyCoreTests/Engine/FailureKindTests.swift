import Foundation
import RekeySandbox
import Testing

@testable import RekeyCore

@Suite struct FailureKindTests {
    @Test(
        arguments: [
            (PlatformError.transient("x"), FailureKind.transient),
            (.rateLimited("x", retryAfter: nil), .rateLimited),
            (.unavailable("x"), .unavailable),
            (.rejected("x"), .refused),
            (.unauthorized("x"), .refused),
            (.notFound("x"), .invalid),
            (.invalidResponse("x"), .invalid),
        ] as [(PlatformError, FailureKind)])
    func platformErrorsHaveAKind(error: PlatformError, kind: FailureKind) {
        #expect(error.failureKind == kind)
        #expect(StepError.platform(error).failureKind == kind)
    }

    @Test func stepErrorsHaveAKind() {
        #expect(StepError.hazard("x").failureKind == .unsafe)
        #expect(StepError.verificationFailed("x").failureKind == .invalid)
        #expect(StepError.pause("x").failureKind == .needsPerson)
        #expect(StepError.target("x").failureKind == .refused)
        #expect(!StepError.hazard("x").isRetryable)
        #expect(StepError.platform(.unavailable("x")).isRetryable, "resume once the platform is back")
    }

    @Test func aFailedRecordWithoutAKindIsReadAsItsFlagsImply() {
        #expect(RecordData(error: "platform unavailable: gave up", retryable: false).failureKind == .unavailable)
        #expect(RecordData(error: "HTTP 503", retryable: true).failureKind == .transient)
        #expect(RecordData(error: "nope", retryable: false).failureKind == .invalid)
        #expect(RecordData(error: "platform unavailable: x", kind: .refused).failureKind == .refused)
    }

    /// The run's result and the `failed` record carry the kind of the error, whatever its wording.
    @Test func theKindTravelsFromTheErrorToTheJournalAndTheResult() async throws {
        let harness = try RotationHarness(apps: 1, eventKeys: 1)
        defer { harness.remove() }
        // An unavailable platform whose message does not start with the words the old code looked for.
        let session = harness.session(platform: { FailingCreations(base: $0, error: .unavailable("the API is down")) })
        let outcome = try await harness.start(session)
        guard case .failed(let ref, let error, let kind) = outcome.result else {
            Issue.record("expected a failure, got \(outcome.result)")
            return
        }
        #expect(ref.step == .createSigningKey)
        #expect(kind == .unavailable, "\(error)")
        let failed = try #require(try harness.records().last { $0.type == .failed })
        #expect(failed.data.kind == .unavailable)
        #expect(failed.data.retryable == true)

        let refused = try RotationHarness(apps: 1, eventKeys: 1)
        defer { refused.remove() }
        let refusing = refused.session(platform: { FailingCreations(base: $0, error: .rejected("quota exceeded")) })
        guard case .failed(_, _, let second) = try await refused.start(refusing).result else {
            Issue.record("expected a failure")
            return
        }
        #expect(second == .refused)
        #expect(try refused.records().last { $0.type == .failed }?.data.retryable == false)
    }
}

/// A sandbox whose key creations fail with `error`.
private struct FailingCreations: Platform {
    let base: SandboxPlatform
    let error: PlatformError

    var kind: String { base.kind }
    var capabilities: PlatformCapabilities { base.capabilities }
    func listKeys(_ kind: KeyKind) async throws -> [PlatformKey] { try await base.listKeys(kind) }
    func createKey(_ request: NewKeyRequest) async throws -> PlatformKey { throw error }
    func promoteSigningKey(id: String) async throws { try await base.promoteSigningKey(id: id) }
    func deleteKey(_ kind: KeyKind, id: String) async throws { try await base.deleteKey(kind, id: id) }
    func listApps() async throws -> [PlatformApp] { try await base.listApps() }
    func resyncApp(id: String, url: String?) async throws -> SyncResult { try await base.resyncApp(id: id, url: url) }
}
