/// Why a session command refused to proceed. Descriptions say why and what to do.
public enum SessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rotation already finished.
    case alreadyFinished(journal: String)
    /// The rotation was aborted.
    case alreadyAborted(journal: String)
    /// Abort is impossible past the point of no return.
    case pastPointOfNoReturn(journal: String, step: StepID)
    /// The step is not part of the plan.
    case unknownStep(StepID, known: [StepID])
    /// The approval was given for a different plan.
    case planHashMismatch(expected: String, given: String)
    /// The step is already done or approved.
    case nothingToApprove(StepID, reason: String)
    /// The playbook snapshot in the journal no longer loads.
    case snapshotInvalid(String)
    /// Another rotation of the same environment is unfinished.
    case unfinishedRotation(String)
    /// `abort` of a rotation that finished: its old keys are gone, nothing can be rolled back.
    case nothingToAbort(journal: String)
    /// An override names a check that has not failed in this rotation.
    case nothingToOverride(check: String, failed: [String])
    /// An override without a reason.
    case overrideNeedsReason(check: String)
    /// The person did not confirm the abort (nothing changed).
    case abortNotConfirmed(journal: String)
    /// Another rekey process is rotating the same environment.
    case environmentLocked(identity: String, holder: EnvironmentLock.Holder?)

    public var description: String {
        switch self {
        case .alreadyFinished(let journal):
            "the rotation in '\(journal)' is already finished; nothing to do"
        case .alreadyAborted(let journal):
            "the rotation in '\(journal)' was aborted; start a new one with 'rekey run PLAYBOOK'"
        case .pastPointOfNoReturn(let journal, let step):
            "can't abort: the rotation in '\(journal)' has passed the point of no return (\(step) started: the old "
                + "key may already be deleted); finish it with 'rekey resume \(journal)'"
        case .unknownStep(let step, let known):
            "step '\(step)' is not in this rotation's plan; its steps are: \(known.map(\.rawValue).joined(separator: ", "))"
        case .planHashMismatch(let expected, let given):
            "the approval is for plan \(given.prefix(12)), but this rotation's plan is \(expected.prefix(12)); "
                + "review the current plan ('rekey status JOURNAL') and approve its hash"
        case .nothingToApprove(let step, let reason):
            "nothing to approve for \(step): \(reason)"
        case .snapshotInvalid(let message):
            "the playbook recorded in the journal no longer loads: \(message)"
        case .unfinishedRotation(let warning):
            "refusing to start: \(warning); or pass --force to start anyway"
        case .nothingToAbort(let journal):
            "nothing to abort: the rotation in '\(journal)' finished (its old keys are deleted and every app runs "
                + "the new ones); to replace the new keys, start a new rotation with 'rekey run PLAYBOOK'"
        case .nothingToOverride(let check, let failed):
            "nothing to override: the check '\(check)' has not failed in this rotation"
                + (failed.isEmpty
                    ? " (no check has failed)" : "; the checks that failed are: \(failed.joined(separator: ", "))")
        case .environmentLocked(let identity, let holder):
            if let holder {
                "\(identity) is being rotated by another rekey (pid \(holder.pid) on \(holder.host), '\(holder.command)' "
                    + "since \(holder.since)\(holder.journal.map { ", journal '\($0)'" } ?? "")); one rotation per "
                    + "environment at a time: wait for it, or stop it first"
            } else {
                "\(identity) is being rotated by another rekey process; one rotation per environment at a time"
            }
        case .abortNotConfirmed(let journal):
            "not aborted: the confirmation was not given, nothing changed; run 'rekey abort \(journal)' again to "
                + "roll back"
        case .overrideNeedsReason(let check):
            "an override of '\(check)' needs a reason: --reason 'why it is safe to go on' (it is journaled with "
                + "your name)"
        }
    }
}
