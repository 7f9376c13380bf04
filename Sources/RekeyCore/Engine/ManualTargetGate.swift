/// How the engine applies changes to a ``ManualTarget``: a person makes them; rekey asks, pauses, and
/// later accepts them once they are verified or confirmed.
///
/// 1. If the app has a verifier and it reports the requested fingerprints (signed introspection, or the
///    sandbox's view), the change is applied: "verified".
/// 2. Else if the operator passed `--approve STEP` and the journal shows that this very request was
///    made earlier (the person was shown it), the change is applied: "confirmed by NAME".
/// 3. Else the instructions (names, fingerprints, the `rekey reveal` command for each value) are printed
///    and the item pauses with the request journaled (``StepError/awaitingOperator(_:)``; exit 3).
struct ManualTargetGate {
    let context: StepContext
    let app: String
    let target: ManualTarget

    /// Applies `changes` as described above.
    ///
    /// - Returns: How the change was accepted, for the outcome's `detail`.
    /// - Throws: ``StepError/awaitingOperator(_:)`` while the person has not made the change.
    func apply(_ changes: [VariableChange]) async throws -> String {
        var variables: [String: Fingerprint?] = [:]
        for change in changes {
            switch change {
            case .set(let name, let value): variables[name] = InngestVariables.fingerprint(of: value, variable: name)
            case .remove(let name): variables[name] = .some(nil)
            }
        }
        if let verifier = try await verification(variables) {
            return "set by hand in \(target.location); verified by \(verifier)"
        }
        if context.manual.confirms(context.item, variables) {
            return
                "set by hand in \(target.location); confirmed by \(context.manual.actor) (--approve \(context.item.step))"
        }
        let request = ManualRequest(
            app: app,
            item: context.item,
            location: target.location,
            variables: variables,
            journal: context.journalPath,
            isUndo: context.isUndo
        )
        context.observer.handle(.guided(context.item, instructions: request.instructions))
        throw StepError.awaitingOperator(request)
    }

    /// The verify kind when the app's verifier reports exactly `variables`, else `nil`.
    private func verification(_ variables: [String: Fingerprint?]) async throws -> String? {
        guard let verifier = context.verifiers[app], !variables.isEmpty else { return nil }
        let spec = try context.app(app)
        for key in await signingKeys() {
            let report: AppIntrospection
            do {
                report = try await context.read("inspect app '\(app)'") {
                    try await verifier.inspect(app: spec, signedWith: key)
                }
            } catch {
                continue
            }
            guard report.authenticated else { continue }
            return Self.report(report, shows: variables) ? spec.verify.kind : nil
        }
        return nil
    }

    /// The keys a request to the app may be signed with: the new signing key, then the old one.
    private func signingKeys() async -> [Secret] {
        var keys: [Secret] = []
        if let new = try? context.newSigningKey(),
            let secret = try? await context.secret(.signing, id: new.id, fingerprint: new.fingerprint)
        {
            keys.append(secret)
        }
        if let old = try? context.oldSigningKey(),
            let secret = try? await context.secret(.signing, id: old.id, fingerprint: old.fingerprint)
        {
            keys.append(secret)
        }
        return keys
    }

    /// Whether `report` shows every variable of `variables` with the requested fingerprint (or absent).
    /// A variable introspection does not report can't be verified.
    static func report(_ report: AppIntrospection, shows variables: [String: Fingerprint?]) -> Bool {
        variables.allSatisfy { name, fingerprint in
            let has: Bool?
            let hash: String?
            switch name {
            case InngestVariables.signingKey: (has, hash) = (report.hasSigningKey, report.signingKeyHash)
            case InngestVariables.signingKeyFallback:
                (has, hash) = (report.hasSigningKeyFallback, report.signingKeyFallbackHash)
            case InngestVariables.eventKey: (has, hash) = (report.hasEventKey, report.eventKeyHash)
            default: return false
            }
            guard let fingerprint else { return has == false && hash == nil }
            return hash.map(fingerprint.matches(reportedHash:)) ?? false
        }
    }
}
