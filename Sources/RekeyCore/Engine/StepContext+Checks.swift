// Safety checks: what an item's pre-flight or gate found, journaled as a `check` record, and the explicit
// overrides a person gave for a check that failed.

/// Journals `check` records for the item being worked on (the executor provides it; the records join the
/// item's other records).
public struct CheckRecorder: Sendable {
    let append: @Sendable (RecordData) async throws -> Void

    public init(append: @escaping @Sendable (RecordData) async throws -> Void) {
        self.append = append
    }
}

/// What a check found: the reads it made (fingerprints and ids only) and the differences from what the
/// action needs. No difference means the check passed.
public struct CheckFindings: Sendable, Equatable {
    /// What was read, by name (`platform: active signing key`, `api: running`), for the journal.
    public var reads: [String: String]
    /// Each difference, a sentence naming the object and the way out.
    public var problems: [String]

    public init(reads: [String: String] = [:], problems: [String] = []) {
        self.reads = reads
        self.problems = problems
    }

    /// Whether the check passed.
    public var passed: Bool { problems.isEmpty }

    /// Adds a read.
    public mutating func read(_ name: String, _ value: String) {
        reads[name] = value
    }

    /// Adds a difference.
    public mutating func problem(_ text: String) {
        problems.append(text)
    }
}

/// The verdict journaled for a check.
public enum CheckVerdict: String, Sendable {
    /// The world matched what the action needs.
    case pass
    /// It did not; the action did not happen.
    case fail
    /// It did not, and a person's override (journaled before) let the action go ahead.
    case overridden
}

extension StepContext {
    /// The name of the check that guards this item (`rotate-signing-key/signing-key`; `undo:…` during an
    /// abort): what `rekey override` and `--override` name.
    public var checkName: String {
        (isUndo ? "undo:" : "") + "\(item.step)/\(item.item)"
    }

    /// The override a person gave for this item's check, if any.
    public var override: JournalRecord? { overrides[checkName] }

    /// Journals a check of this item and its verdict.
    public func record(_ findings: CheckFindings, verdict: CheckVerdict, phase: String) async throws {
        guard let checkRecorder else { return }
        var message = findings.problems.joined(separator: "; ")
        if verdict == .overridden, let override {
            message += " (overridden by \(override.data.by ?? "?"): \(override.data.reason ?? ""))"
        }
        try await checkRecorder.append(
            RecordData(
                outcome: findings.reads.isEmpty ? nil : ItemOutcome(observed: findings.reads),
                action: phase,
                message: message.isEmpty ? nil : message,
                check: checkName,
                verdict: verdict.rawValue
            ))
    }

    /// Journals `findings` and decides: passed, or failed but overridden (the action may go ahead), else
    /// throws ``StepError/unsafe(check:problems:)`` naming each difference and the way out.
    public func enforce(_ findings: CheckFindings, phase: String) async throws {
        if findings.passed {
            try await record(findings, verdict: .pass, phase: phase)
            return
        }
        if override != nil {
            try await record(findings, verdict: .overridden, phase: phase)
            observer.handle(
                .warning(
                    "\(checkName): the check failed and was overridden by \(override?.data.by ?? "?") "
                        + "(\(override?.data.reason ?? "")): " + findings.problems.joined(separator: "; ")))
            return
        }
        try await record(findings, verdict: .fail, phase: phase)
        throw StepError.unsafe(check: checkName, problems: findings.problems, journal: journalPath)
    }
}
