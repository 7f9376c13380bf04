import Foundation

/// One line of the journal.
///
/// Every record carries the format version, its position, its time, what happened, where, and the
/// SHA-256 of the previous line, so that truncation, reordering and edits are detected. No record
/// ever holds key material in the clear: only key ids, names, filters and ``Fingerprint``s, and, where
/// a platform shows a new secret only once, that secret sealed (``ItemOutcome/sealed``).
public struct JournalRecord: Sendable, Equatable, Codable {
    /// The journal format version this type writes and reads.
    public static let formatVersion = 1

    /// Format version (`v`).
    public var version: Int
    /// Position in the journal, from 0 (the plan).
    public var seq: Int
    /// When the record was written (UTC, millisecond precision).
    public var at: Timestamp
    /// What happened.
    public var type: RecordType
    /// The step concerned, if any.
    public var step: StepID?
    /// The item within the step (an app name, an event key id), if any.
    public var item: String?
    /// Details.
    public var data: RecordData
    /// SHA-256 (hex) of the previous line's bytes; `nil` for the first record.
    public var prev: String?

    public init(
        seq: Int,
        at: Timestamp,
        type: RecordType,
        step: StepID? = nil,
        item: String? = nil,
        data: RecordData = RecordData(),
        prev: String?
    ) {
        self.version = Self.formatVersion
        self.seq = seq
        self.at = at
        self.type = type
        self.step = step
        self.item = item
        self.data = data
        self.prev = prev
    }

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case seq, at, type, step, item, data, prev
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        seq = try container.decode(Int.self, forKey: .seq)
        at = try container.decode(Timestamp.self, forKey: .at)
        type = try container.decode(RecordType.self, forKey: .type)
        step = try container.decodeIfPresent(StepID.self, forKey: .step)
        item = try container.decodeIfPresent(String.self, forKey: .item)
        data = try container.decodeIfPresent(RecordData.self, forKey: .data) ?? RecordData()
        prev = try container.decodeIfPresent(String.self, forKey: .prev)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(seq, forKey: .seq)
        try container.encode(at, forKey: .at)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(step, forKey: .step)
        try container.encodeIfPresent(item, forKey: .item)
        try container.encode(data, forKey: .data)
        // `prev` is always written (null for the first record) so every line has the same shape.
        try container.encode(prev, forKey: .prev)
    }
}

/// What a record says happened.
public enum RecordType: String, Sendable, Codable, CaseIterable {
    /// The frozen plan (always and only record 0).
    case plan
    /// A step began.
    case stepStarted = "step-started"
    /// A side effect is about to happen (written and fsynced before it starts).
    case intent
    /// An item's outcome, after its side effect (or after observing it had already happened).
    case done
    /// An item failed; the run stopped; `resume` starts the item again at observe.
    case failed
    /// A step's items are all done.
    case stepDone = "step-done"
    /// A human (or CI, by flag) approved a step.
    case approval
    /// The run paused (a gate, an approval, a guided action) and exited 3.
    case paused
    /// `abort` began rolling back.
    case abortRequested = "abort-requested"
    /// A rollback action is about to happen.
    case undoIntent = "undo-intent"
    /// A rollback action completed.
    case undone
    /// Rollback finished: the platform and targets are back to their state before the run.
    case aborted
    /// Every step is done.
    case finished
    /// Something worth keeping in the history (a dropped torn line, a hazard); no state change.
    case note
    /// A person was shown a secret by `rekey reveal`: who, when, which app and variable, the value's
    /// fingerprint (never the value); no state change.
    case reveal
    /// A safety check rekey made before an irreversible or outage-capable action, or at a gate: what it
    /// read and its verdict (`check`, `verdict`, `message`, `outcome.observed`); no state change.
    case check
    /// A person overrode a failed check, naming it and giving a reason (`check`, `reason`, `by`, `via`).
    case override
}

/// The details of a record. Fields are optional and only those relevant to the record type are set.
public struct RecordData: Sendable, Equatable, Codable {
    /// The frozen plan (type `plan`).
    public var plan: RotationPlan? {
        get { planStorage.first }
        set { planStorage = newValue.map { [$0] } ?? [] }
    }
    /// The outcome of an item (`done`, `undone`).
    public var outcome: ItemOutcome? {
        get { outcomeStorage.first }
        set { outcomeStorage = newValue.map { [$0] } ?? [] }
    }
    // The plan and the outcome are large and mostly absent: kept out of line (an array of zero or one),
    // so that a record is a few hundred bytes smaller and a long journal's records copy cheaply.
    private var planStorage: [RotationPlan] = []
    private var outcomeStorage: [ItemOutcome] = []
    /// A human-readable summary of the action (`intent`, `undo-intent`).
    public var action: String?
    /// The idempotency key of the action (`intent`): how a resumed run recognises its own work.
    public var idempotencyKey: String?
    /// Attempt number of the item, from 1 (`intent`).
    public var attempt: Int?
    /// Whether the outcome was found already in place rather than produced now (`done`).
    public var adopted: Bool?
    /// Error text (`failed`, `paused`), never a secret.
    public var error: String?
    /// Whether the failure may succeed on resume without changing anything (`failed`).
    public var retryable: Bool?
    /// Who approved (`approval`), or who asked (`abort-requested`).
    public var by: String?
    /// How the approval was given: `flag`, `prompt`, `approve-command` (`approval`).
    public var via: String?
    /// The plan hash an approval is bound to (`approval`).
    public var planHash: String?
    /// Free text (`note`, `paused`).
    public var message: String?
    /// Duration of the step or item in milliseconds (`done`, `step-done`).
    public var durationMs: Int?
    /// The variable a secret was shown for (`reveal`).
    public var variable: String?
    /// The fingerprint of the value shown (`reveal`).
    public var fingerprint: Fingerprint?
    /// What kind of failure it was (`failed`); `nil` in journals written before rekey recorded kinds.
    public var kind: FailureKind?
    /// The check concerned (`check`, `override`), e.g. `preflight:rotate-signing-key/signing-key`.
    public var check: String?
    /// The verdict of a check: `pass`, `fail` or `overridden` (`check`).
    public var verdict: String?
    /// Why a person overrode a check (`override`).
    public var reason: String?

    public init(
        plan: RotationPlan? = nil,
        outcome: ItemOutcome? = nil,
        action: String? = nil,
        idempotencyKey: String? = nil,
        attempt: Int? = nil,
        adopted: Bool? = nil,
        error: String? = nil,
        retryable: Bool? = nil,
        by: String? = nil,
        via: String? = nil,
        planHash: String? = nil,
        message: String? = nil,
        durationMs: Int? = nil,
        variable: String? = nil,
        fingerprint: Fingerprint? = nil,
        kind: FailureKind? = nil,
        check: String? = nil,
        verdict: String? = nil,
        reason: String? = nil
    ) {
        self.planStorage = plan.map { [$0] } ?? []
        self.outcomeStorage = outcome.map { [$0] } ?? []
        self.action = action
        self.idempotencyKey = idempotencyKey
        self.attempt = attempt
        self.adopted = adopted
        self.error = error
        self.retryable = retryable
        self.by = by
        self.via = via
        self.planHash = planHash
        self.message = message
        self.durationMs = durationMs
        self.variable = variable
        self.fingerprint = fingerprint
        self.kind = kind
        self.check = check
        self.verdict = verdict
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case plan, outcome, action, idempotencyKey, attempt, adopted, error, retryable, by, via, planHash, message
        case durationMs, variable, fingerprint, kind, check, verdict, reason
    }

    // As the synthesized conformance would be: every field optional, absent when nil.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            plan: try container.decodeIfPresent(RotationPlan.self, forKey: .plan),
            outcome: try container.decodeIfPresent(ItemOutcome.self, forKey: .outcome),
            action: try container.decodeIfPresent(String.self, forKey: .action),
            idempotencyKey: try container.decodeIfPresent(String.self, forKey: .idempotencyKey),
            attempt: try container.decodeIfPresent(Int.self, forKey: .attempt),
            adopted: try container.decodeIfPresent(Bool.self, forKey: .adopted),
            error: try container.decodeIfPresent(String.self, forKey: .error),
            retryable: try container.decodeIfPresent(Bool.self, forKey: .retryable),
            by: try container.decodeIfPresent(String.self, forKey: .by),
            via: try container.decodeIfPresent(String.self, forKey: .via),
            planHash: try container.decodeIfPresent(String.self, forKey: .planHash),
            message: try container.decodeIfPresent(String.self, forKey: .message),
            durationMs: try container.decodeIfPresent(Int.self, forKey: .durationMs),
            variable: try container.decodeIfPresent(String.self, forKey: .variable),
            fingerprint: try container.decodeIfPresent(Fingerprint.self, forKey: .fingerprint),
            kind: try container.decodeIfPresent(FailureKind.self, forKey: .kind),
            check: try container.decodeIfPresent(String.self, forKey: .check),
            verdict: try container.decodeIfPresent(String.self, forKey: .verdict),
            reason: try container.decodeIfPresent(String.self, forKey: .reason)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(plan, forKey: .plan)
        try container.encodeIfPresent(outcome, forKey: .outcome)
        try container.encodeIfPresent(action, forKey: .action)
        try container.encodeIfPresent(idempotencyKey, forKey: .idempotencyKey)
        try container.encodeIfPresent(attempt, forKey: .attempt)
        try container.encodeIfPresent(adopted, forKey: .adopted)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(retryable, forKey: .retryable)
        try container.encodeIfPresent(by, forKey: .by)
        try container.encodeIfPresent(via, forKey: .via)
        try container.encodeIfPresent(planHash, forKey: .planHash)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encodeIfPresent(durationMs, forKey: .durationMs)
        try container.encodeIfPresent(variable, forKey: .variable)
        try container.encodeIfPresent(fingerprint, forKey: .fingerprint)
        try container.encodeIfPresent(kind, forKey: .kind)
        try container.encodeIfPresent(check, forKey: .check)
        try container.encodeIfPresent(verdict, forKey: .verdict)
        try container.encodeIfPresent(reason, forKey: .reason)
    }
}

extension RecordData {
    /// The kind of failure a `failed` record reports (for records written before rekey recorded kinds,
    /// what their `retryable` flag and message imply).
    public var failureKind: FailureKind {
        kind ?? .legacy(error: error, retryable: retryable)
    }
}

/// What an item produced or found: identifiers and fingerprints only.
public struct ItemOutcome: Sendable, Equatable, Codable {
    /// A key's platform id (the key created, promoted, deleted).
    public var keyID: String?
    /// Its fingerprint.
    public var fingerprint: Fingerprint?
    /// Its name.
    public var name: String?
    /// Its filters (event keys).
    public var filter: KeyFilter?
    /// Variables written to a target: name → fingerprint, or `null` for removed.
    public var variables: [String: Fingerprint?]?
    /// Verification result: what the app reported (fingerprints).
    public var observed: [String: String]?
    /// A message from the platform (sync id, status).
    public var detail: String?
    /// The new key's secret, sealed, where the platform shows it only once (``SealedSecret``); `nil`
    /// everywhere else.
    public var sealed: SealedSecret?

    public init(
        keyID: String? = nil,
        fingerprint: Fingerprint? = nil,
        name: String? = nil,
        filter: KeyFilter? = nil,
        variables: [String: Fingerprint?]? = nil,
        observed: [String: String]? = nil,
        detail: String? = nil,
        sealed: SealedSecret? = nil
    ) {
        self.keyID = keyID
        self.fingerprint = fingerprint
        self.name = name
        self.filter = filter
        self.variables = variables
        self.observed = observed
        self.detail = detail
        self.sealed = sealed
    }
}
