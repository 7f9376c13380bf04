/// Why a saved plan (`rekey plan --out PLAN`) can't be run. Descriptions name the file and the fix.
public enum SavedPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a plan rekey can read.
    case unreadable(path: String, reason: String)
    /// The plan has a format version this rekey doesn't read.
    case unsupportedVersion(path: String, version: Int)
    /// The plan's content doesn't match its hash: it was edited after it was made.
    case hashMismatch(path: String)
    /// The live state changed since the plan was made.
    case stale(path: String, hash: String, playbook: String, differences: [String])
    /// `--out` names something other than a plan (a playbook, a link, a directory): it is left as it is.
    case notAPlanFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "plan '\(path)': \(reason); make it again with 'rekey plan PLAYBOOK --out \(path)'"
        case .unsupportedVersion(let path, let version):
            "plan '\(path)': format version \(version) is not supported by this rekey (it reads version "
                + "\(RotationPlan.formatVersion)); make it again with this rekey's 'rekey plan PLAYBOOK --out \(path)'"
        case .hashMismatch(let path):
            "plan '\(path)': its content does not match its hash (it was edited after 'rekey plan' wrote it); "
                + "a reviewed plan must not change: make it again with 'rekey plan PLAYBOOK --out \(path)' and review that"
        case .notAPlanFile(let path, let reason):
            "plan '\(path)' exists and \(reason); rekey never replaces a file it did not create: choose another "
                + "--out, or remove the file yourself"
        case .stale(let path, let hash, let playbook, let differences):
            "plan '\(path)' (\(hash.prefix(12))) is stale: the live state changed since it was made:\n"
                + differences.map { "  - \($0)" }.joined(separator: "\n")
                + "\nnothing was changed; make a new plan with 'rekey plan \(playbook) --out \(path)', review it, and run "
                + "that one"
        }
    }
}
