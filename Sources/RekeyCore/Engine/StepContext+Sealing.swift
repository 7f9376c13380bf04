extension StepContext {
    /// What a secret created by the current item is sealed to: this rotation, step and item.
    public var sealBinding: SealBinding {
        SealBinding(rotationID: plan.rotationID, ref: item)
    }

    /// Seals a secret the platform showed once (at creation), for the current item's `done` record.
    ///
    /// A step that creates a key on a platform whose ``Platform/secretsAreReadable(_:)`` is `false` puts
    /// the result in ``ItemOutcome/sealed``; later steps get the secret back through ``secret(_:id:fingerprint:)``.
    ///
    /// - Throws: ``StepError/precondition(_:)`` when no seal key was given (the session checks this before
    ///   the run starts, so it means a caller skipped that check), or a sealing failure.
    public func seal(_ secret: Secret) throws -> SealedSecret {
        guard let sealKey else {
            throw StepError.precondition(
                SealError.keyMissing(steps: [item.step], platform: platform.kind).description)
        }
        do {
            return try SealedSecret.seal(secret, with: sealKey, binding: sealBinding)
        } catch {
            throw StepError.precondition(error.description)
        }
    }

    /// The secret of key `id` as sealed by the item that created it, or `nil` when no outcome of this
    /// rotation holds a sealed secret for that key.
    ///
    /// - Throws: ``StepError/precondition(_:)`` when the secret is sealed but there is no key, or the key
    ///   is wrong, or the sealed value was altered (the message says which).
    public func unsealedSecret(keyID id: String) throws -> Secret? {
        guard
            let (ref, sealed) = outcomes.lazy.compactMap({ ref, outcome in
                outcome.keyID == id ? outcome.sealed.map { (ref, $0) } : nil
            }).first
        else { return nil }
        guard let sealKey else {
            throw StepError.precondition(SealError.keyMissing(steps: [ref.step], platform: platform.kind).description)
        }
        do {
            return try sealed.open(with: sealKey, binding: SealBinding(rotationID: plan.rotationID, ref: ref))
        } catch {
            throw StepError.precondition(error.description)
        }
    }

    /// Whether a key of `kind` created now must be sealed: the platform won't show its secret again.
    public func mustSeal(_ kind: KeyKind) -> Bool {
        !platform.secretsAreReadable(kind)
    }
}
