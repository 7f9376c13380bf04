/// Everything a step needs to observe, act, verify and undo one item.
public struct StepContext: Sendable {
    /// The frozen plan.
    public let plan: RotationPlan
    /// The playbook the plan was made from.
    public let playbook: Playbook
    /// The platform backend.
    public let platform: any Platform
    /// Each app's configuration target, by app name.
    public let targets: [String: any SecretTarget]
    /// Each app's rollout verifier, by app name (absent: the app is confirmed by approval).
    public let verifiers: [String: any RolloutVerifier]
    /// Key material by id or fingerprint.
    public let secrets: SecretResolver
    /// Outcomes of the items done so far.
    public let outcomes: [ItemRef: ItemOutcome]
    /// Time.
    public let clock: EngineClock
    /// Progress output.
    public let observer: any RunObserver
    /// Backoff for transient platform errors.
    public let retry: RetryPolicy
    /// The item being worked on.
    public let item: ItemRef
    /// The operator's key for secrets the platform shows once (``SealedSecret``), if one was given.
    public var sealKey: SealKey? = nil
    /// What the operator confirmed for manual targets in this run (`--approve STEP`).
    public var manual = ManualConfirmations()
    /// The journal's path, for the commands shown to a person.
    public var journalPath = "JOURNAL"
    /// Whether the item is being rolled back (`rekey abort`) rather than run.
    public var isUndo = false
    /// Adaptive concurrency: told about rate limits and successes.
    public var governor: ConcurrencyGovernor? = nil
    /// Whether the item's side effect was announced by an intent before this attempt: only then can a key
    /// found on the platform that the plan did not see be this rotation's own (``foreignKeys(_:kind:)``).
    public var intentJournaled = false
    /// The approvals in the journal when the item started, by step.
    public var approvals: [StepID: JournalRecord] = [:]
    /// The overrides in the journal when the item started, by check name (``checkName``).
    public var overrides: [String: JournalRecord] = [:]
    /// Journals the item's `check` records; `nil` outside a run (tests of a single phase).
    public var checkRecorder: CheckRecorder? = nil
    /// How recent the key listings of ``keys(_:)`` must be: a listing started after the call, except for
    /// the first observe of an item with no intent in the journal, which the executor lets reuse any
    /// listing of this run (see ``SecretResolver/Freshness/takenThisRun``).
    public var listings: SecretResolver.Freshness = .startedNow

    /// The app named `name`.
    public func app(_ name: String) throws(StepError) -> AppSpec {
        guard let app = playbook.apps.first(where: { $0.name == name }) else {
            throw .precondition(
                "app '\(name)' is in the plan but not in the playbook; the playbook snapshot is damaged")
        }
        return app
    }

    /// The target of app `name`.
    public func target(_ name: String) throws(StepError) -> any SecretTarget {
        guard let target = targets[name] else { throw .precondition("no configuration target for app '\(name)'") }
        return target
    }

    // MARK: - Keys of this rotation

    /// The platform's keys of `kind`, from a listing as recent as ``listings`` requires (shared with the
    /// other items of the fan-out).
    public func keys(_ kind: KeyKind) async throws -> [PlatformKey] {
        try await secrets.keys(kind, freshness: listings)
    }

    /// Refuses when `found` (keys the plan did not see, matching what this item creates) can't be this
    /// rotation's: no intent was ever journaled for the item, so rekey never asked for them. They belong to
    /// another rotation or a person; adopting (or deleting) them would mix two rotations.
    public func refuseForeign(_ found: [PlatformKey], kind: KeyKind) throws {
        guard !intentJournaled, !found.isEmpty else { return }
        let list = found.map { "\($0.id)\($0.name.map { " '\($0)'" } ?? "")" }.joined(separator: ", ")
        throw StepError.unsafe(
            check: checkName,
            problems: [
                "the platform has the \(kind.rawValue) key \(list), which the plan did not see and this rotation never "
                    + "asked for: another rotation (or a person) made it; rekey will not adopt it. Find out who did, "
                    + "and delete it or finish that rotation"
            ],
            journal: journalPath)
    }

    /// The signing key that was active when the plan was made.
    public func oldSigningKey() throws(StepError) -> KeySnapshot {
        guard let key = plan.baseline.activeSigningKey else {
            throw .precondition("the plan recorded no active signing key")
        }
        return key
    }

    /// The signing key created by `create-signing-key`.
    public func newSigningKey() throws(StepError) -> (id: String, fingerprint: Fingerprint?) {
        // Created on the platform (Inngest), or generated by rekey (self-hosted).
        guard
            let outcome = outcomes[ItemRef(step: .createSigningKey, item: SigningKeyItem.id)]
                ?? outcomes[ItemRef(step: .generateSigningKey, item: SigningKeyItem.id)],
            let id = outcome.keyID
        else {
            throw .precondition("no new signing key is recorded; 'create-signing-key' must be done first")
        }
        return (id, outcome.fingerprint)
    }

    /// The event key created to replace old key `oldID`.
    public func newEventKey(replacing oldID: String) throws(StepError) -> (id: String, fingerprint: Fingerprint?) {
        guard
            let outcome = outcomes[ItemRef(step: .createEventKeys, item: oldID)]
                ?? outcomes[ItemRef(step: .generateEventKeys, item: oldID)],
            let id = outcome.keyID
        else {
            throw .precondition(
                "no replacement is recorded for event key \(oldID); 'create-event-keys' must be done first")
        }
        return (id, outcome.fingerprint)
    }

    /// The secret of key `id`, checked against `fingerprint` when one was recorded.
    public func secret(_ kind: KeyKind, id: String, fingerprint: Fingerprint?) async throws -> Secret {
        // A platform that shows a secret once lists the key without it: the creating item sealed it.
        let listed = try await secrets.secret(kind, id: id)
        guard let secret = try listed ?? unsealedSecret(keyID: id) else {
            throw StepError.precondition(
                "the \(kind.rawValue) key \(id) is not listed by the platform any more; it was deleted outside rekey"
            )
        }
        if let fingerprint {
            let actual = kind == .signing ? InngestSigningKey.fingerprint(secret) : secret.utf8Fingerprint
            guard actual == fingerprint else {
                throw StepError.verificationFailed(
                    "the \(kind.rawValue) key \(id) has fingerprint \(actual?.hex ?? "?"), the journal recorded \(fingerprint)"
                )
            }
        }
        return secret
    }

    // MARK: - Platform calls

    /// The retrier of this item's platform calls (``Retrier``).
    public var retrier: Retrier {
        Retrier(policy: retry, clock: clock, observer: observer, governor: governor, item: item)
    }

    /// Runs a read-only platform call, retrying transient failures with backoff.
    public func read<T: Sendable>(_ what: String, _ operation: @Sendable () async throws -> T) async throws -> T {
        try await retrier.read(what, operation)
    }

    /// Runs a platform write that must not happen twice.
    ///
    /// When the write fails transiently, its response may have been lost *after* the platform applied
    /// it; before trying again, `reconcile` looks for the result (by the name or id the intent
    /// recorded) and adopts it if it is there.
    public func write<T: Sendable>(
        _ what: String,
        reconcile: @Sendable () async throws -> T?,
        perform: @Sendable () async throws -> T
    ) async throws -> T {
        try await retrier.write(what, reconcile: reconcile, perform: perform)
    }

    // MARK: - Waiting for the platform

    /// Follows a sync the platform answered `pending` until it reports the outcome: checks the app's latest
    /// sync every `interval` (1.5 times longer each time, at most 30 s) until the playbook's gate timeout
    /// (`options.confirmRedeploy`), as the redeploy gate waits.
    ///
    /// - Throws: ``StepError/pause(_:)`` when the platform can't report the sync's outcome, or it is still
    ///   pending at the timeout: resuming resyncs again, which is harmless.
    public func waitForSync(ofApp app: String, appID: String) async throws -> SyncResult {
        let options = playbook.options.confirmRedeploy
        let deadline = DurationParser.deadline(after: options.timeout, from: clock.now().millisecondsSinceEpoch)
        var delay = options.interval
        let platform = self.platform
        observer.handle(
            .waiting(
                item,
                message: "the platform answered 'pending': following the sync until it ends "
                    + "(at most \(Int(options.timeout)) s)"))
        while true {
            try await clock.sleep(delay)
            delay = min(delay * 1.5, 30)
            let latest = try await read("check the sync of app '\(app)'") {
                try await platform.latestSync(appID: appID)
            }
            guard let latest else {
                throw StepError.pause(
                    "app '\(app)': the platform answered the resync with 'pending' and can't report its outcome; "
                        + "check the app's sync in the dashboard, then resume")
            }
            if latest.status != .pending { return latest }
            guard clock.now().millisecondsSinceEpoch < deadline else {
                throw StepError.pause(
                    "app '\(app)': its sync is still pending after \(Int(options.timeout)) s "
                        + "(options.confirmRedeploy.timeout); check the app, then resume (resyncing again is harmless)")
            }
        }
    }

    // MARK: - Guided actions

    /// Guides a human through `action` and waits until `observe` sees it done.
    ///
    /// - Throws: ``StepError/pause(_:)`` when the playbook's gate timeout passes first.
    public func guide(
        _ action: GuidedAction,
        until observe: @Sendable () async throws -> ItemOutcome?
    ) async throws -> ItemOutcome {
        observer.handle(.guided(item, instructions: platform.instructions(for: action)))
        let options = playbook.options.confirmRedeploy
        let deadline = DurationParser.deadline(after: options.timeout, from: clock.now().millisecondsSinceEpoch)
        var delay = options.interval
        while true {
            if let outcome = try await read("observe \(item)", observe) { return outcome }
            guard clock.now().millisecondsSinceEpoch < deadline else {
                throw StepError.pause(
                    "\(item) waits for a human action (\(platform.instructions(for: action).first ?? "see above")); "
                        + "do it, then resume"
                )
            }
            observer.handle(.waiting(item, message: "waiting for the action above to be done on the platform"))
            try await clock.sleep(delay)
            delay = min(delay * 1.5, 30)
        }
    }
}

/// The single item of the signing-key steps.
public enum SigningKeyItem {
    /// Its id.
    public static let id = "signing-key"
}
