import Testing

@testable import RekeyCore

@Suite struct PlanDriftTests {
    private static let baseline = PlanFixtures.inngest(apps: ["api", "worker"], eventKeys: ["ek_1"]).baseline

    @Test func identicalStatesHaveNoDrift() {
        #expect(PlanDrift.between(Self.baseline, Self.baseline).isEmpty)
        let plan = PlanFixtures.inngest()
        #expect(PlanDrift.between(steps: plan.steps, plan.steps).isEmpty)
    }

    /// A change to the live state and the one line that must name it.
    struct Change: Sendable, CustomTestStringConvertible {
        var name: String
        var apply: @Sendable (inout LiveState) -> Void
        var expected: String
        var testDescription: String { name }
    }

    static let changes: [Change] = [
        Change(
            name: "a key was added",
            apply: { $0.eventKeys.append(KeySnapshot(id: "ek_2", name: "Late", filter: .unrestricted)) },
            expected: "event key ek_2 was added ('Late', fingerprint unknown, no filters)"
        ),
        Change(
            name: "a key was removed",
            apply: { $0.eventKeys.removeAll() },
            expected: "event key ek_1 was removed ('ek_1', fingerprint unknown)"
        ),
        Change(
            name: "a signing key appeared",
            apply: {
                $0.signingKeys.append(
                    KeySnapshot(id: "sk_new", fingerprint: Fingerprint(hex: "bbbbbbbbbbbb"), active: false))
            },
            expected: "signing key sk_new was added (fingerprint bbbbbbbbbbbb, inactive)"
        ),
        Change(
            name: "the active key changed",
            apply: { $0.signingKeys[0].active = false },
            expected: "signing key sk_old is now inactive"
        ),
        Change(
            name: "a key was renamed",
            apply: { $0.eventKeys[0].name = "Renamed" },
            expected: "event key ek_1 was renamed from 'ek_1' to 'Renamed'"
        ),
        Change(
            name: "filters changed",
            apply: { $0.eventKeys[0].filter = KeyFilter(mode: .allow, events: ["a/*"]) },
            expected: "event key ek_1 has other filters: no filters → allow events [a/*]"
        ),
        Change(
            name: "key material changed",
            apply: { $0.signingKeys[0].fingerprint = Fingerprint(hex: "cccccccccccc") },
            expected: "signing key sk_old has other material: fingerprint aaaaaaaaaaaa → cccccccccccc"
        ),
        Change(
            name: "an app's variable changed",
            apply: { $0.apps[1].signingKeyFallback = .empty },
            expected: "app 'worker': INNGEST_SIGNING_KEY_FALLBACK changed: absent → empty"
        ),
        Change(
            name: "an app uses another event key",
            apply: { $0.apps[0].eventKeyID = nil },
            expected: "app 'api': its event key matches none of the platform's keys any more (it was ek_1)"
        ),
        Change(
            name: "an app left the rotation",
            apply: { $0.apps.removeLast() },
            expected: "app 'worker' was removed from the rotation"
        ),
    ]

    @Test(arguments: changes)
    func everyKindOfDriftIsNamed(change: Change) {
        var live = Self.baseline
        change.apply(&live)
        #expect(PlanDrift.between(Self.baseline, live).differences == [change.expected])
    }

    @Test func registeredAppsAreComparedWhenBothSidesListedThem() {
        var planned = Self.baseline
        planned.registeredApps = ["api", "worker"]
        var live = planned
        live.registeredApps = ["api", "billing"]
        #expect(
            PlanDrift.between(planned, live).differences == [
                "app 'billing' was registered on the platform", "app 'worker' is no longer registered on the platform",
            ]
        )
        // A plan made before apps were listed can't drift on them.
        live.registeredApps = nil
        #expect(PlanDrift.between(planned, live).isEmpty)
    }

    @Test func stepsThatBecameGuidedOrPlanOtherItemsAreNamed() {
        let planned = PlanFixtures.inngest(apps: ["api"], eventKeys: ["ek_1"]).steps
        var now = planned
        now[0].automatic = false
        now[1].items = [PlannedItem(id: "api", summary: "other")]
        now[5].requiresApproval = false
        #expect(
            PlanDrift.between(steps: planned, now).differences == [
                "create-signing-key is now guided (the platform's API can no longer do it)",
                "stage-signing-keys: now plans api: other",
                "stage-signing-keys: no longer plans api: ",
                "rotate-signing-key no longer needs an approval",
            ]
        )
        #expect(
            PlanDrift.between(steps: planned, Array(planned.dropLast())).differences
                == [
                    "the steps changed: " + planned.map(\.id.rawValue).joined(separator: ", ") + " → "
                        + planned.dropLast().map(\.id.rawValue).joined(separator: ", ")
                ]
        )
    }
}
