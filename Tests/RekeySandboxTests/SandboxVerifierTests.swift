import Foundation
import RekeyCore
import RekeyCrypto
import RekeySandbox
import Testing

/// The sandbox's `RolloutVerifier` answers as a Python SDK app in cloud mode does (reference §2b–2d, §6).
@Suite struct SandboxVerifierTests {
    @Test func inspectReportsTheHashesOfWhatTheAppRuns() async throws {
        try await TestSandbox.with { sandbox in
            let active = try sandbox.activeKey()
            let eventKey = try #require(try sandbox.state().apps[0].running.eventKey)
            let inspection = try await sandbox.platform.inspect(app: sandbox.spec("api"), signedWith: active)
            #expect(
                inspection
                    == AppIntrospection(
                        mode: "cloud",
                        authenticated: true,
                        hasSigningKey: true,
                        signingKeyHash: InngestSigningKey.hashed(active),
                        hasSigningKeyFallback: false,
                        signingKeyFallbackHash: nil,
                        hasEventKey: true,
                        eventKeyHash: SHA256.hex(eventKey.exposeValue())
                    )
            )
        }
    }

    @Test func aRequestSignedWithAKeyTheAppDoesNotHoldIsUnauthenticated() async throws {
        try await TestSandbox.with { sandbox in
            let stranger = InngestSigningKey.generate(environmentWord: "prod")
            let inspection = try await sandbox.platform.inspect(app: sandbox.spec("api"), signedWith: stranger)
            #expect(inspection == AppIntrospection(mode: "cloud", authenticated: false))
            #expect(try await !sandbox.platform.accepts(app: sandbox.spec("api"), signedWith: stranger))
            #expect(try await !sandbox.platform.accepts(app: sandbox.spec("api"), signedWith: Secret("")))
        }
    }

    @Test func duringTheWindowBothKeysAreAcceptedAndReported() async throws {
        try await TestSandbox.with { sandbox in
            let old = try sandbox.activeKey()
            let new = try #require(try await sandbox.platform.createKey(NewKeyRequest(kind: .signing)).secret)
            try sandbox.stage(primary: new, fallback: old)
            for key in [old, new] {
                let inspection = try await sandbox.platform.inspect(app: sandbox.spec("worker"), signedWith: key)
                #expect(inspection.authenticated)
                #expect(inspection.signingKeyHash == InngestSigningKey.hashed(new))
                #expect(inspection.hasSigningKeyFallback == true)
                #expect(inspection.signingKeyFallbackHash == InngestSigningKey.hashed(old))
                #expect(try await sandbox.platform.accepts(app: sandbox.spec("worker"), signedWith: key))
            }

            // After drop-fallback the old key is refused.
            try sandbox.setEnv("worker", "INNGEST_SIGNING_KEY_FALLBACK", nil)
            #expect(try await !sandbox.platform.accepts(app: sandbox.spec("worker"), signedWith: old))
            #expect(try await sandbox.platform.accepts(app: sandbox.spec("worker"), signedWith: new))
        }
    }

    @Test func anEmptyFallbackAcceptsTheEmptyKey() async throws {
        try await TestSandbox.with { sandbox in
            let active = try sandbox.activeKey()
            try sandbox.setEnv("api", "INNGEST_SIGNING_KEY_FALLBACK", "")
            #expect(try await sandbox.platform.accepts(app: sandbox.spec("api"), signedWith: Secret("")))
            let inspection = try await sandbox.platform.inspect(app: sandbox.spec("api"), signedWith: active)
            #expect(inspection.hasSigningKeyFallback == true)
            #expect(inspection.signingKeyFallbackHash == nil)
            let viaEmpty = try await sandbox.platform.inspect(app: sandbox.spec("api"), signedWith: Secret(""))
            #expect(viaEmpty.authenticated)
            // Another app without the hazard refuses the empty key.
            #expect(try await !sandbox.platform.accepts(app: sandbox.spec("worker"), signedWith: Secret("")))
        }
    }

    @Test func anEmptyPrimaryReportsAKeyWithoutAHash() async throws {
        try await TestSandbox.with { sandbox in
            try sandbox.setEnv("billing", "INNGEST_SIGNING_KEY", "")
            #expect(try await sandbox.platform.accepts(app: sandbox.spec("billing"), signedWith: Secret("")))
            let inspection = try await sandbox.platform.inspect(app: sandbox.spec("billing"), signedWith: Secret(""))
            #expect(inspection.authenticated)
            #expect(inspection.hasSigningKey == true)
            #expect(inspection.signingKeyHash == nil)
        }
    }

    @Test func anEmptyEventKeyIsReportedWithoutAHashAndAnAbsentOneAsMissing() async throws {
        try await TestSandbox.with { sandbox in
            let active = try sandbox.activeKey()
            try sandbox.setEnv("api", "INNGEST_EVENT_KEY", "")
            try sandbox.setEnv("worker", "INNGEST_EVENT_KEY", nil)
            let empty = try await sandbox.platform.inspect(app: sandbox.spec("api"), signedWith: active)
            #expect(empty.hasEventKey == true)
            #expect(empty.eventKeyHash == nil)
            let absent = try await sandbox.platform.inspect(app: sandbox.spec("worker"), signedWith: active)
            #expect(absent.hasEventKey == false)
            #expect(absent.eventKeyHash == nil)
        }
    }

    @Test func theKeyPrefixDoesNotMatterToTheSignature() async throws {
        try await TestSandbox.with { sandbox in
            let active = try sandbox.activeKey().exposeValue()
            let otherPrefix = Secret("signkey-test-" + InngestSigningKey.stripPrefix(active))
            #expect(try await sandbox.platform.accepts(app: sandbox.spec("api"), signedWith: otherPrefix))
        }
    }

    @Test func appsAreFoundByPlatformIDThenName() async throws {
        try await TestSandbox.with { sandbox in
            let active = try sandbox.activeKey()
            let byID = AppSpec(name: "renamed", platformID: "worker", target: .dotenv(path: sandbox.envPath("worker")))
            #expect(try await sandbox.platform.inspect(app: byID, signedWith: active).authenticated)
            let missing = AppSpec(name: "ghost", target: .dotenv(path: "/nonexistent"))
            let error = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.inspect(app: missing, signedWith: active)
            }
            guard case .notFound = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
        }
    }
}
