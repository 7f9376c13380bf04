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

    /// The app named `name`.
    public func app(_ name: String) throws(StepError) -> AppSpec {
        guard let app = playbook.apps.first(where: { $0.name == name }) else {
            throw .precondition("app '\(name)' is in the plan but not in the playbook; the playbook snapshot is damaged")
        }
        return app
    }

    /// The target of app `name`.
    public func target(_ name: String) throws(StepError) -> any SecretTarget {
        guard let target = targets[name] else { throw .precondition("no configuration target for app '\(name)'") }
        return target
    }

    // MARK: - Keys of this rotation

    /// The signing key that was active when the plan was made.
    public func oldSigningKey() throws(StepError) -> KeySnapshot {
        guard let key = plan.baseline.activeSigningKey else {
            throw .precondition("the plan recorded no active signing key")
        }
        return key
    }

    /// The signing key created by `create-signing-key`.
    public func newSigningKey() throws(StepError) -> (id: String, fingerprint: Fingerprint?) {
        guard let outcome = outcomes[ItemRef(step: .createSigningKey, item: SigningKeyItem.id)], let id = outcome.keyID
        else {
            throw .precondition("no new signing key is recorded; 'create-signing-key' must be done first")
        }
        return (id, outcome.fingerprint)
    }

    /// The event key created to replace old key `oldID`.
    public func newEventKey(replacing oldID: String) throws(StepError) -> (id: String, fingerprint: Fingerprint?) {
        guard let outcome = outcomes[ItemRef(step: .createEventKeys, item: oldID)], let id = outcome.keyID else {
            throw .precondition("no replacement is recorded for event key \(oldID); 'create-event-keys' must be done first")
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

    /// Runs a read-only platform call, retrying transient failures with backoff.
    public func read<T: Sendable>(_ what: String, _ operation: @Sendable () async throws -> T) async throws -> T {
        var retry = 1
        while true {
            do {
                let result = try await operation()
                governor?.succeeded()
                return result
            } catch let error as PlatformError where error.isRetryable {
                guard retry < self.retry.maxAttempts else {
                    throw PlatformError.unavailable("\(what): gave up after \(retry) attempts: \(error)")
                }
                try await backoff(error, retry: retry)
                retry += 1
            }
        }
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
        var retry = 1
        while true {
            do {
                let result = try await perform()
                governor?.succeeded()
                return result
            } catch let error as PlatformError where error.isRetryable {
                guard retry < self.retry.maxAttempts else {
                    throw PlatformError.unavailable("\(what): gave up after \(retry) attempts: \(error)")
                }
                try await backoff(error, retry: retry)
                if let found = try await read("check whether '\(what)' happened", reconcile) {
                    observer.handle(.note("\(item): the platform had applied '\(what)' before the error; adopted it"))
                    return found
                }
                retry += 1
            }
        }
    }

    private func backoff(_ error: PlatformError, retry: Int) async throws {
        if case .rateLimited = error { governor?.throttled() }
        let delay = self.retry.delay(forRetry: retry, retryAfter: error.retryAfter)
        observer.handle(.retrying(item, error: error.description, delaySeconds: delay, attempt: retry))
        try await clock.sleep(delay)
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
        let deadline = clock.now().millisecondsSinceEpoch + Int64(options.timeout * 1000)
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
