/// `rekey reveal`: finds the value a manual target was asked to hold, journals that a person saw it,
/// and hands it over, in two phases so that the caller can ask for a confirmation in between.
///
/// ``prepare(journalPath:app:variable:provider:environment:sealKey:)`` takes the journal's lock (a run
/// can't append meanwhile), reads it, and finds the latest request for that app that names the
/// variable (``ManualRequest``, journaled when the item paused): the value is identified by its
/// fingerprint. ``reveal(by:)`` then finds the secret (listed by the platform, or sealed in the
/// journal), checks its fingerprint, appends a `reveal` record (who, when, app, variable, fingerprint:
/// never the value) durably, and only then returns it.
public struct SecretReveal: Sendable {
    /// The journal.
    public let journal: String
    /// The app.
    public let app: String
    /// The variable.
    public let variable: String
    /// The fingerprint of the value to show.
    public let fingerprint: Fingerprint
    /// The step that asked for it.
    public let step: StepID
    /// Where the person sets it (the manual target's `where`).
    public let location: String

    private let lock: JournalLock
    private let contents: JournalContents
    private let machine: RotationStateMachine
    private let platform: any Platform
    private let sealKey: SealKey?

    /// Locks and reads the journal and finds what `app` was asked to set `variable` to.
    ///
    /// - Throws: ``JournalError`` (locked, damaged), ``RevealError`` (unknown app, not a manual target, no
    ///   such request), backend errors.
    public static func prepare(
        journalPath: String,
        app: String,
        variable: String,
        provider: any BackendProvider,
        environment: [String: String],
        sealKey: SealKey?
    ) throws -> SecretReveal {
        let lock = try JournalLock.acquire(existingJournal: journalPath, command: "reveal")
        let contents = try JournalReader.read(path: journalPath)
        let machine = try RotationSession.replay(contents)
        let playbook = try RotationSession.playbook(from: machine.plan)
        guard let spec = playbook.apps.first(where: { $0.name == app }) else {
            throw RevealError.unknownApp(app, known: playbook.apps.map(\.name))
        }
        guard case .manual(let location) = spec.target else {
            throw RevealError.notManual(app: app, kind: spec.target.kind)
        }
        var found: (StepID, Fingerprint)?
        for record in contents.records.reversed() where record.type == .paused || record.type == .failed {
            guard record.item == app, let step = record.step,
                case .some(.some(let fingerprint)) = record.data.outcome?.variables?[variable]
            else { continue }
            found = (step, fingerprint)
            break
        }
        guard let (step, fingerprint) = found else {
            throw RevealError.nothingRequested(app: app, variable: variable)
        }
        let backends = try provider.backends(for: playbook, environment: environment)
        return SecretReveal(
            journal: journalPath, app: app, variable: variable, fingerprint: fingerprint, step: step,
            location: location, lock: lock, contents: contents, machine: machine, platform: backends.platform,
            sealKey: sealKey)
    }

    /// Finds the secret, journals the reveal, and returns the secret.
    ///
    /// - Parameter actor: Who is shown the value (recorded).
    /// - Throws: ``RevealError/secretUnavailable(app:variable:fingerprint:)`` when neither the platform nor
    ///   the journal holds it; ``SealError`` for a missing or wrong seal key; journal errors (then nothing is
    ///   shown).
    public func reveal(by actor: String) async throws -> Secret {
        let secret = try await find()
        let writer = try await JournalWriter.open(contents, lock: lock)
        _ = try await writer.append(
            JournalEntry(
                type: .reveal,
                step: step,
                item: app,
                data: RecordData(
                    by: actor, via: "tty", message: "value shown on a terminal", variable: variable,
                    fingerprint: fingerprint)
            )
        )
        return secret
    }

    // MARK: - Finding the value

    private func find() async throws -> Secret {
        let resolver = SecretResolver(platform: platform) { _, operation in try await operation() }
        let kinds: [KeyKind] = KeyFormat.isSigningKeyVariable(variable) ? [.signing] : [.event, .api]
        for kind in kinds where platform.secretsAreReadable(kind) {
            if let secret = try await resolver.secret(kind, fingerprint: fingerprint), matches(secret) { return secret }
        }
        let plan = machine.plan
        for step in plan.steps {
            for item in step.items {
                let ref = ItemRef(step: step.id, item: item.id)
                guard let outcome = machine.outcome(ref), outcome.fingerprint == fingerprint,
                    let sealed = outcome.sealed
                else { continue }
                guard let sealKey else {
                    throw SealError.keyMissing(steps: [ref.step], platform: platform.kind)
                }
                let secret = try sealed.open(with: sealKey, binding: SealBinding(rotationID: plan.rotationID, ref: ref))
                if matches(secret) { return secret }
            }
        }
        throw RevealError.secretUnavailable(app: app, variable: variable, fingerprint: fingerprint)
    }

    private func matches(_ secret: Secret) -> Bool {
        InngestVariables.fingerprint(of: secret, variable: variable) == fingerprint
    }
}

/// Why `rekey reveal` shows nothing. Descriptions name the app and variable, never a value.
public enum RevealError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The playbook has no such app.
    case unknownApp(String, known: [String])
    /// The app's target is written by rekey itself.
    case notManual(app: String, kind: String)
    /// The rotation has not asked a person to set this variable of this app.
    case nothingRequested(app: String, variable: String)
    /// No key with the requested fingerprint can be found (deleted, or sealed elsewhere).
    case secretUnavailable(app: String, variable: String, fingerprint: Fingerprint)
    /// Standard input or output is not a terminal.
    case notATerminal(stream: String)
    /// The person did not confirm.
    case declined

    public var description: String {
        switch self {
        case .unknownApp(let app, let known):
            "the playbook of this rotation has no app '\(app)'; its apps are: \(known.joined(separator: ", "))"
        case .notManual(let app, let kind):
            "app '\(app)' has a \(kind) target: rekey writes its values itself and never shows them; reveal is for "
                + "apps with a manual target"
        case .nothingRequested(let app, let variable):
            "this rotation has not asked anyone to set \(variable) of app '\(app)'; reveal shows a value only once the "
                + "rotation pauses and lists it ('rekey status JOURNAL' says where it stands)"
        case .secretUnavailable(let app, let variable, let fingerprint):
            "the value of \(variable) for app '\(app)' (fingerprint \(fingerprint)) is neither listed by the platform "
                + "nor sealed in the journal; the key may have been deleted: 'rekey explain JOURNAL' says what happened"
        case .notATerminal(let stream):
            "rekey reveal shows a secret only on a terminal, and standard \(stream) is not one (a pipe or a file "
                + "would keep the value); run it in an interactive terminal"
        case .declined:
            "nothing was shown: the confirmation was not given"
        }
    }
}
