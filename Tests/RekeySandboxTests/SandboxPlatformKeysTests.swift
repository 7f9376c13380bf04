import Foundation
import RekeyCore
import RekeyCrypto
import RekeySandbox
import Testing

@Suite struct SandboxPlatformKeysTests {
    // MARK: - Signing keys

    @Test func listsTheActiveSigningKeyWithItsSecret() async throws {
        try await TestSandbox.with { sandbox in
            let keys = try await sandbox.platform.listKeys(.signing)
            #expect(keys.count == 1)
            let key = try #require(keys.first)
            #expect(key.kind == .signing)
            #expect(key.isActive == true)
            #expect(key.id.hasPrefix("sk_") && key.id.count == 15)
            #expect(key.secret == (try sandbox.activeKey()))
            #expect(key.fingerprint == InngestSigningKey.fingerprint(try sandbox.activeKey()))
        }
    }

    @Test func createsAnInactiveSigningKeyOfTheEnvironmentsForm() async throws {
        try await TestSandbox.with { sandbox in
            let created = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            #expect(created.isActive == false)
            let secret = try #require(created.secret).exposeValue()
            #expect(InngestSigningKey.isValid(secret))
            #expect(secret.hasPrefix("signkey-prod-"))
            #expect(created.secret != (try sandbox.activeKey()))
            let listed = try await sandbox.platform.listKeys(.signing)
            #expect(listed.map(\.id).sorted() == ([created.id] + [try sandbox.state().signingKeys[0].id]).sorted())
            #expect(listed.first { $0.id == created.id }?.secret == created.secret)
        }
    }

    @Test func refusesASecondInactiveSigningKey() async throws {
        try await TestSandbox.with { sandbox in
            _ = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            await #expect(
                throws: PlatformError.rejected(
                    "the environment already has an inactive signing key; rotate or delete it first"
                )
            ) {
                try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            }
            #expect(try sandbox.state().signingKeys.count == 2)
        }
    }

    @Test func promotingActivatesTheNewKeyAndDeletesTheOldOne() async throws {
        try await TestSandbox.with { sandbox in
            let old = try await sandbox.platform.listKeys(.signing)[0]
            let new = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            try await sandbox.platform.promoteSigningKey(id: new.id)
            let keys = try await sandbox.platform.listKeys(.signing)
            #expect(keys.map(\.id) == [new.id])
            #expect(keys[0].isActive == true)
            #expect(keys[0].secret == new.secret)
            #expect(!keys.contains { $0.id == old.id })
        }
    }

    @Test func promotingRefusesTheActiveKeyAndUnknownIDs() async throws {
        try await TestSandbox.with { sandbox in
            let active = try await sandbox.platform.listKeys(.signing)[0]
            let activeError = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.promoteSigningKey(id: active.id)
            }
            guard case .rejected = activeError else {
                Issue.record("expected rejected, got \(String(describing: activeError))")
                return
            }
            let unknownError = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.promoteSigningKey(id: "sk_000000000000")
            }
            guard case .notFound = unknownError else {
                Issue.record("expected notFound, got \(String(describing: unknownError))")
                return
            }
            #expect(try sandbox.state().signingKeys.map(\.id) == [active.id])
        }
    }

    @Test func deletingRefusesTheActiveKeyAndRemovesAnInactiveOne() async throws {
        try await TestSandbox.with { sandbox in
            let active = try await sandbox.platform.listKeys(.signing)[0]
            await #expect(throws: PlatformError.rejected("the active signing key can't be deleted; rotate first")) {
                try await sandbox.platform.deleteKey(.signing, id: active.id)
            }
            let new = try await sandbox.platform.createKey(NewKeyRequest(kind: .signing))
            try await sandbox.platform.deleteKey(.signing, id: new.id)
            #expect(try await sandbox.platform.listKeys(.signing).map(\.id) == [active.id])
            let again = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.deleteKey(.signing, id: new.id)
            }
            guard case .notFound = again else {
                Issue.record("expected notFound, got \(String(describing: again))")
                return
            }
        }
    }

    // MARK: - Event keys

    static let filters: [KeyFilter] = [
        KeyFilter(
            mode: .allow, events: ["orders/*", "payments/charge.succeeded"], ips: ["10.0.0.0/8", "203.0.113.7"]),
        KeyFilter(mode: .deny, events: ["internal/*"], ips: ["2001:db8::/32"]),
        KeyFilter(mode: .deny),
        KeyFilter(mode: .allow, ips: ["::1", "::ffff:192.0.2.1", "0.0.0.0/0", "fe80::/10"]),
        KeyFilter(mode: .allow, events: ["b/*", "a/x", "b/*"]),
    ]

    @Test(arguments: filters)
    func createsEventKeysWithTheFilterCopiedExactly(filter: KeyFilter) async throws {
        try await TestSandbox.with { sandbox in
            let created = try await sandbox.platform.createKey(
                NewKeyRequest(kind: .event, name: "Orders (rotated 2025-01-01)", filter: filter)
            )
            #expect(created.filter == filter)
            #expect(created.name == "Orders (rotated 2025-01-01)")
            #expect(created.id.hasPrefix("ek_"))
            let secret = try #require(created.secret).exposeValue()
            #expect(secret.count == 64 && Hex.decode(secret) != nil)
            let listed = try #require(try await sandbox.platform.listKeys(.event).first { $0.id == created.id })
            #expect(listed.filter == filter)
            #expect(listed.secret == created.secret)
            #expect(listed.name == created.name)
        }
    }

    @Test func eventKeysWithoutAFilterGetNoFilter() async throws {
        try await TestSandbox.with { sandbox in
            let created = try await sandbox.platform.createKey(NewKeyRequest(kind: .event, name: "plain"))
            #expect(created.filter == KeyFilter.unrestricted)
        }
    }

    @Test func rejectsAnEmptyAllowList() async throws {
        try await TestSandbox.with { sandbox in
            let before = try sandbox.state().eventKeys
            let error = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.createKey(
                    NewKeyRequest(kind: .event, name: "x", filter: KeyFilter(mode: .allow))
                )
            }
            guard case .rejected(let message) = error else {
                Issue.record("expected rejected, got \(String(describing: error))")
                return
            }
            #expect(message.contains("allow filter needs at least one event or IP"))
            #expect(try sandbox.state().eventKeys == before)
        }
    }

    @Test(arguments: [
        "10.0.0.256", "10.0.0.0/33", "2001:db8::/129", "not-an-ip", "10.0.0.1/", "10.0.0.1/-1", "fe80::1%eth0",
        " 10.0.0.1", "2001:db8:::1", "10.0.0", "", "10.0.0.0/8/8", "10.0.0.0/+8",
    ])
    func rejectsABadIPWithTheOffendingValue(ip: String) async throws {
        try await TestSandbox.with { sandbox in
            let before = try sandbox.state().eventKeys
            let error = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.createKey(
                    NewKeyRequest(kind: .event, name: "x", filter: KeyFilter(mode: .deny, ips: ["10.1.0.0/16", ip]))
                )
            }
            guard case .rejected(let message) = error else {
                Issue.record("expected rejected, got \(String(describing: error))")
                return
            }
            #expect(message.contains("'\(ip)'"))
            #expect(try sandbox.state().eventKeys == before)
        }
    }

    @Test func rejectsAnEventKeyWithoutAName() async throws {
        try await TestSandbox.with { sandbox in
            await #expect(throws: PlatformError.rejected("an event key needs a name")) {
                try await sandbox.platform.createKey(NewKeyRequest(kind: .event, name: " "))
            }
        }
    }

    @Test func deletesEventKeysAndReportsMissingOnes() async throws {
        try await TestSandbox.with { sandbox in
            let keys = try await sandbox.platform.listKeys(.event)
            try await sandbox.platform.deleteKey(.event, id: keys[0].id)
            #expect(try await sandbox.platform.listKeys(.event).map(\.id) == [keys[1].id])
            let error = await #expect(throws: PlatformError.self) {
                try await sandbox.platform.deleteKey(.event, id: keys[0].id)
            }
            guard case .notFound = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
        }
    }

    // MARK: - Capabilities

    @Test func apiKeysAreUnsupported() async throws {
        try await TestSandbox.with { sandbox in
            #expect(sandbox.platform.kind == "sandbox")
            #expect(sandbox.platform.capabilities == .inngest)
            #expect(sandbox.platform.secretsAreReadable(.signing))
            #expect(sandbox.platform.secretsAreReadable(.event))
            #expect(!sandbox.platform.secretsAreReadable(.api))
            for attempt in [
                { _ = try await sandbox.platform.listKeys(.api) },
                { _ = try await sandbox.platform.createKey(NewKeyRequest(kind: .api, name: "x")) },
                { try await sandbox.platform.deleteKey(.api, id: "x") },
            ] as [() async throws -> Void] {
                let error = await #expect(throws: PlatformError.self) { try await attempt() }
                guard case .unsupported = error else {
                    Issue.record("expected unsupported, got \(String(describing: error))")
                    continue
                }
            }
        }
    }

    @Test(arguments: ["createSigningKey", "promoteSigningKey", "deleteEventKey", "listEventKeys", "resyncApp"])
    func disabledCapabilitiesAreMissingAndTheirCallsUnsupported(name: String) async throws {
        try await TestSandbox.with { sandbox in
            try await sandbox.setOptions(disabled: [name])
            let capability = try #require(SandboxCapabilityName.capability(named: name))
            #expect(sandbox.platform.capabilities == PlatformCapabilities.inngest.subtracting(capability))
            let before = try sandbox.state()
            let platform = sandbox.platform
            let eventKeyID = before.eventKeys[0].id
            let call: () async throws -> Void =
                switch name {
                case "createSigningKey": { _ = try await platform.createKey(NewKeyRequest(kind: .signing)) }
                case "promoteSigningKey": { try await platform.promoteSigningKey(id: "sk_000000000000") }
                case "deleteEventKey": { try await platform.deleteKey(.event, id: eventKeyID) }
                case "listEventKeys": { _ = try await platform.listKeys(.event) }
                default: { _ = try await platform.resyncApp(id: "api", url: nil) }
                }
            let error = await #expect(throws: PlatformError.self) { try await call() }
            guard case .unsupported(let message) = error else {
                Issue.record("expected unsupported, got \(String(describing: error))")
                return
            }
            #expect(message.contains(name))
            #expect(try sandbox.state() == before)
            // Other capabilities keep working.
            #expect(try await platform.listKeys(.signing).count == 1)
        }
    }

    @Test func aHumanCanPerformADisabledOperationInTheDashboard() async throws {
        try await TestSandbox.with { sandbox in
            try await sandbox.setOptions(disabled: ["createSigningKey"])
            let instructions = sandbox.platform.instructions(for: .createSigningKey)
            #expect(instructions.contains { $0.contains("Create new signing key") })
            #expect(instructions.contains { $0.contains("'production'") })
            try await sandbox.store.mutate { state in _ = try state.createSigningKey() }
            #expect(try await sandbox.platform.listKeys(.signing).filter { $0.isActive == false }.count == 1)
        }
    }

    @Test func instructionsFollowTheDashboardWording() async throws {
        try await TestSandbox.with { sandbox in
            let platform = sandbox.platform
            #expect(platform.instructions(for: .promoteSigningKey(id: "sk_1")).contains { $0.contains("Rotate key") })
            let filter = KeyFilter(mode: .allow, events: ["orders/*"])
            let create = platform.instructions(for: .createEventKey(name: "Orders", filter: filter))
            #expect(create.contains { $0.contains("Create event key") })
            #expect(create.contains { $0.contains(filter.summary) })
            let delete = platform.instructions(for: .deleteEventKey(id: "ek_1", name: "Orders"))
            #expect(delete.contains { $0.contains("3-dot menu") && $0.contains("'Orders'") })
            #expect(platform.instructions(for: .resyncApp(name: "api")).contains { $0.contains("\"Apps\" tab") })
        }
    }
}
