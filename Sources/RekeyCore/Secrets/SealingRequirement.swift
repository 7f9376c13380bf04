/// When a rotation needs the operator's seal key, checked before anything runs: a missing key is reported
/// before the step that would seal, and a wrong key before the step that would open.
///
/// A step that creates a key of a kind the platform shows only once (``Platform/secretsAreReadable(_:)`` is
/// `false`) must seal the secret into its `done` record, and every later step that distributes it must
/// open it. Platforms whose secrets can be read again need no key at all.
public enum SealingRequirement {
    /// The kind of key `step` creates on the platform, if it creates one (as the step declares,
    /// ``StepBehavior/sealing``).
    public static func createdKind(_ step: StepID) -> KeyKind? {
        if case .whenShownOnce(let kind) = StepCatalog.behavior(for: step).sealing { return kind }
        return nil
    }

    /// The steps among `steps` that will seal a secret: those that generate one themselves, and those
    /// whose new secret `platform` shows only once.
    public static func sealingSteps(_ steps: [StepID], platform: any Platform) -> [StepID] {
        steps.filter { step in
            switch StepCatalog.behavior(for: step).sealing {
            case .always: true
            case .whenShownOnce(let kind): !platform.secretsAreReadable(kind)
            case .never: false
            }
        }
    }

    /// Before a new run: a key is required when a step will seal.
    ///
    /// - Throws: ``SealError/keyMissing(steps:platform:)``.
    public static func check(steps: [StepID], platform: any Platform, key: SealKey?) throws(SealError) {
        let sealing = sealingSteps(steps, platform: platform)
        if !sealing.isEmpty, key == nil { throw .keyMissing(steps: sealing, platform: platform.kind) }
    }

    /// Before a resume: a key is required while a sealing step is not done, or while sealed secrets are
    /// journaled and the rotation still moves forward (a later step may distribute them). The key given
    /// must then open every sealed secret of the journal.
    ///
    /// - Throws: ``SealError/keyMissing(steps:platform:)``, ``SealError/wrongKey(item:sealedWith:given:)``,
    ///   ``SealError/tampered(item:)``.
    public static func check(machine: RotationStateMachine, platform: any Platform, key: SealKey?) throws(SealError) {
        guard machine.mode == .forward else { return }
        let plan = machine.plan
        let pending = sealingSteps(plan.steps.map(\.id), platform: platform).filter { machine.finished($0) == nil }
        var sealed: [(ItemRef, SealedSecret)] = []
        for step in plan.steps {
            for item in step.items {
                let ref = ItemRef(step: step.id, item: item.id)
                if let secret = machine.outcome(ref)?.sealed { sealed.append((ref, secret)) }
            }
        }
        guard !pending.isEmpty || (!sealed.isEmpty && machine.currentStep != nil) else { return }
        guard let key else {
            let steps = pending.isEmpty ? Array(Set(sealed.map(\.0.step))).sorted() : pending
            throw .keyMissing(steps: steps, platform: platform.kind)
        }
        for (ref, secret) in sealed {
            _ = try secret.open(with: key, binding: SealBinding(rotationID: plan.rotationID, ref: ref))
        }
    }
}
