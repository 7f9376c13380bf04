import RekeyCore

/// How a `rekey` process ends. One enum for the whole tool, so that CI can branch on the code and
/// `rekey help exit-codes` can never disagree with what the commands do.
public enum ExitCode: Int32, CaseIterable, Sendable {
    /// The command did what was asked: the rotation finished, or stopped at `--until` as requested.
    case success = 0
    /// A step failed; the journal is consistent and `rekey resume` continues after the cause is fixed.
    case stepFailed = 1
    /// The rotation paused at a gate or an approval; nothing is wrong, a human or a later job must act.
    case paused = 3
    /// The command line is wrong (unknown option, missing argument, bad value).
    case usage = 64
    /// A playbook, plan or journal is invalid (including a broken journal hash chain).
    case invalidInput = 65
    /// The platform stayed unavailable after every retry.
    case unavailable = 69
    /// Another `rekey` process holds the journal's lock.
    case locked = 75
    /// Interrupted (Ctrl-C or a signal); the journal is consistent.
    case interrupted = 130

    /// The code of a run that stopped on a failure of `kind`: a person must act (3), the platform stayed
    /// unavailable (69), anything else is a failed step (1).
    public init(failure kind: FailureKind) {
        switch kind {
        case .needsPerson: self = .paused
        case .unavailable: self = .unavailable
        case .transient, .rateLimited, .refused, .invalid, .unsafe: self = .stepFailed
        }
    }

    /// A short kebab-case name, as printed in `rekey help exit-codes`.
    public var name: String {
        switch self {
        case .success: "success"
        case .stepFailed: "step-failed"
        case .paused: "paused"
        case .usage: "usage"
        case .invalidInput: "invalid-input"
        case .unavailable: "unavailable"
        case .locked: "locked"
        case .interrupted: "interrupted"
        }
    }

    /// One line saying what the code means.
    public var meaning: String {
        switch self {
        case .success: "done: the rotation finished, or stopped at --until as asked"
        case .stepFailed: "a step failed; the journal is consistent and the rotation can be resumed"
        case .paused: "paused, waiting for a gate or an approval"
        case .usage: "the command line is wrong"
        case .invalidInput: "invalid playbook, plan or journal (including a broken hash chain)"
        case .unavailable: "the platform stayed unavailable after retries"
        case .locked: "the journal is locked by another rekey run"
        case .interrupted: "interrupted; the journal is consistent and the rotation can be resumed"
        }
    }

    /// What the operator (or the CI pipeline) should do next.
    public var nextStep: String {
        switch self {
        case .success:
            "nothing; after --until, continue with 'rekey resume JOURNAL' when ready"
        case .stepFailed:
            "read the error, fix its cause, then 'rekey resume JOURNAL' ('rekey explain JOURNAL' says where it stands)"
        case .paused:
            "do what the gate asks (e.g. redeploy), then 'rekey gate JOURNAL STEP' or 'rekey approve JOURNAL STEP', "
                + "then 'rekey resume JOURNAL'"
        case .usage:
            "fix the command line; 'rekey help COMMAND' shows every option"
        case .invalidInput:
            "fix the playbook or plan; for a journal run 'rekey log JOURNAL --verify' and never edit it by hand"
        case .unavailable:
            "check the platform's status and the credentials, then 'rekey resume JOURNAL'"
        case .locked:
            "wait for the other run to finish (or find it), then 'rekey resume JOURNAL'"
        case .interrupted:
            "'rekey resume JOURNAL' continues where it stopped"
        }
    }

    /// The `rekey help exit-codes` page: a table of code, name, meaning and what to do next.
    ///
    /// - Parameter width: The column to wrap at (80 by default).
    /// - Returns: The rendered page, ending with a newline.
    public static func helpTable(width: Int = 80) -> String {
        let codeColumn = 2
        let nameColumn = 8
        let textColumn = 23
        var page = "EXIT CODES:\n"
        for code in allCases {
            var head = String(repeating: " ", count: codeColumn) + String(code.rawValue)
            head += String(repeating: " ", count: max(1, nameColumn - head.count)) + code.name
            head += String(repeating: " ", count: max(1, textColumn - head.count))
            let meaning = TextWrapper.wrap(code.meaning.capitalizedFirst + ".", width: width, indent: textColumn)
            let next = TextWrapper.wrap("Next: " + code.nextStep + ".", width: width, indent: textColumn)
            page += head + meaning.dropFirst(textColumn) + "\n" + next + "\n"
        }
        page += "\n"
        page += TextWrapper.wrap(
            "CI pipelines: 0 means done, 3 means paused (run the gate or approval job, then resume), "
                + "anything else means stop and read the error.",
            width: width, indent: 0)
        return page + "\n"
    }

    /// The compact list shown in the root help's overview.
    static var summaryLines: [String] {
        allCases.map { code in
            let number = String(code.rawValue)
            return "  " + number + String(repeating: " ", count: 5 - number.count) + code.meaning
        }
    }
}

extension String {
    fileprivate var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
