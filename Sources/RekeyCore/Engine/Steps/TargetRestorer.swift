/// Puts an app's variables back the way the plan found them (abort).
///
/// The journal holds only fingerprints, so a value is restored by finding the platform key with the
/// recorded fingerprint. Before the point of no return every key the apps used still exists.
struct TargetRestorer {
    let context: StepContext

    func restore(app: String, variables: [String]) async throws -> ItemOutcome? {
        guard let baseline = context.plan.baseline.app(app) else { return nil }
        var changes: [VariableChange] = []
        var written: [String: Fingerprint?] = [:]
        for name in variables {
            let before: VariableSnapshot
            switch name {
            case InngestVariables.signingKey: before = baseline.signingKey
            case InngestVariables.signingKeyFallback: before = baseline.signingKeyFallback
            default: before = baseline.eventKey
            }
            switch before {
            case .absent, .empty:
                // Never write `NAME=`: an empty key variable is the hazard we remove, not restore.
                changes.append(.remove(name: name))
                written[name] = .some(nil)
            case .present(let fingerprint):
                let kind: KeyKind = name == InngestVariables.eventKey ? .event : .signing
                guard let secret = try await context.secrets.secret(kind, fingerprint: fingerprint) else {
                    context.observer.handle(
                        .warning(
                            "\(app): can't restore \(name): its original value (fingerprint \(fingerprint)) is not a key "
                                + "of this environment; it keeps the value rekey wrote"
                        )
                    )
                    continue
                }
                changes.append(.set(name: name, value: secret))
                written[name] = fingerprint
            case .unreadable:
                // A write-only target: restore what the platform says the app used.
                if name == InngestVariables.signingKeyFallback {
                    changes.append(.remove(name: name))
                    written[name] = .some(nil)
                } else if name == InngestVariables.signingKey, let old = context.plan.baseline.activeSigningKey,
                    let secret = try await context.secrets.secret(.signing, id: old.id)
                {
                    changes.append(.set(name: name, value: secret))
                    written[name] = old.fingerprint
                } else if name == InngestVariables.eventKey, let id = baseline.eventKeyID,
                    let secret = try await context.secrets.secret(.event, id: id)
                {
                    changes.append(.set(name: name, value: secret))
                    written[name] = secret.utf8Fingerprint
                }
            }
        }
        guard !changes.isEmpty else { return nil }
        let note = try await applyTarget(app, changes, context)
        let values = written.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value?.hex ?? "(removed)")" }
        let restored = "restored \(values.joined(separator: ", ")) in \(try context.target(app).summary)"
        return ItemOutcome(variables: written, detail: note.map { "\(restored); \($0)" } ?? restored)
    }
}
