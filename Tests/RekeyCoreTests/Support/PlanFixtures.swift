@testable import RekeyCore

/// Small plans for state-machine and journal tests.
enum PlanFixtures {
    static let oldSigning = Fingerprint(hex: "aaaaaaaaaaaa")!

    /// A plan with the nine Inngest steps over `apps` and `eventKeys`.
    static func inngest(apps: [String] = ["api", "worker"], eventKeys: [String] = ["ek_1"]) -> RotationPlan {
        let steps: [PlannedStep] = StepID.inngestProcedure.map { step in
            let items: [PlannedItem]
            switch step {
            case .createSigningKey, .rotateSigningKey: items = [PlannedItem(id: SigningKeyItem.id, summary: "")]
            case .createEventKeys, .deleteOldEventKeys: items = eventKeys.map { PlannedItem(id: $0, summary: "") }
            default: items = apps.map { PlannedItem(id: $0, summary: "") }
            }
            return PlannedStep(
                id: step,
                title: step.rawValue,
                items: items,
                pointOfNoReturn: step == .rotateSigningKey,
                requiresApproval: step == .rotateSigningKey,
                automatic: true,
                gate: StepCatalog.behavior(for: step).isGate,
                undo: StepCatalog.behavior(for: step).undo
            )
        }
        return RotationPlan(
            rotationID: "rot-test",
            createdAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000),
            toolVersion: "test",
            playbook: PlaybookSnapshot(path: "/tmp/p.json", contentHash: "h", text: "{}"),
            baseline: LiveState(
                signingKeys: [KeySnapshot(id: "sk_old", fingerprint: oldSigning, active: true)],
                eventKeys: eventKeys.map { KeySnapshot(id: $0, name: $0) },
                apps: apps.map {
                    AppSnapshot(
                        name: $0,
                        signingKey: .present(oldSigning),
                        signingKeyFallback: .absent,
                        eventKey: .absent,
                        eventKeyID: eventKeys.first
                    )
                }
            ),
            steps: steps,
            eventKeyReplacements: eventKeys.map {
                EventKeyReplacement(
                    oldID: $0, oldName: $0, oldFingerprint: nil, newName: "\($0) new", filter: .unrestricted)
            },
            warnings: []
        )
    }
}

/// Builds journal records with consecutive sequence numbers (hash links are not checked by the machine).
struct RecordBuilder {
    private(set) var seq = 0

    mutating func next(
        _ type: RecordType,
        _ step: StepID? = nil,
        _ item: String? = nil,
        data: RecordData = RecordData()
    ) -> JournalRecord {
        seq += 1
        return JournalRecord(
            seq: seq,
            at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(seq)),
            type: type,
            step: step,
            item: item,
            data: data,
            prev: nil
        )
    }
}
