import Foundation

/// Finds rotations of the same environment that were started and never finished: a second rotation on
/// top of an open one would stage a key whose fallback is not the key the apps run with.
///
/// Looks in the default journal directory, `<playbook dir>/.rekey/`, where `rekey run` puts journals
/// when `--journal` is not given. Read-only: journals are read and verified, never locked or changed.
public enum EarlierRotations {
    /// An unfinished rotation found next to the playbook.
    public struct Unfinished: Sendable, Equatable {
        /// The journal's path.
        public var journal: String
        /// The rotation's id.
        public var rotationID: String
        /// Where it stands (`at stage-event-keys`, `rolling back`), or why its journal can't be read.
        public var state: String
        /// Whether it has started its point of no return (forward only from there).
        public var pastPointOfNoReturn: Bool
        /// Whether its journal could be read and verified.
        public var readable: Bool

        /// The warning `rekey plan` shows.
        public var warning: String {
            guard readable else {
                return "an earlier journal '\(journal)' can't be read (\(state)); check it with 'rekey log \(journal) "
                    + "--verify' before starting another rotation"
            }
            let next = state == "rolling back" ? "rekey abort \(journal)" : "rekey resume \(journal)"
            return "an earlier rotation of this environment is unfinished: \(rotationID) (\(journal)), \(state)"
                + (pastPointOfNoReturn ? ", past its point of no return" : "")
                + "; finish it first ('\(next)')"
                + (pastPointOfNoReturn ? "" : " or roll it back ('rekey abort \(journal)')")
        }
    }

    /// The default journal directory for a playbook.
    public static func directory(forPlaybook path: String) -> String {
        FileIO.parentDirectory(of: path) + "/.rekey"
    }

    /// The unfinished rotations of `environment` whose journals are in the playbook's default journal
    /// directory, oldest name first. Journals of other environments, finished and aborted ones are skipped.
    ///
    /// - Parameters:
    ///   - playbookPath: The playbook's absolute path.
    ///   - environment: The environment being planned.
    ///   - excluding: A journal to leave out (the one a run is writing).
    public static func unfinished(
        near playbookPath: String,
        environment: String,
        excluding: String? = nil
    ) -> [Unfinished] {
        let directory = directory(forPlaybook: playbookPath)
        guard FileIO.isDirectory(directory), let names = try? FileManager.default.contentsOfDirectory(atPath: directory)
        else { return [] }
        var found: [Unfinished] = []
        for name in names.sorted() where name.hasSuffix(".jsonl") {
            let path = directory + "/" + name
            // A journal whose plan record never completed recorded nothing (the run died creating it).
            if path == excluding { continue }
            if let unfinished = state(of: path, environment: environment) { found.append(unfinished) }
        }
        return found
    }

    /// Where the rotation journaled at `path` stands, or `nil` when it finished, was aborted, never started
    /// (a stillborn journal) or rotates another environment than `environment` (when given). A journal that
    /// can't be read or verified is reported as such.
    public static func state(of path: String, environment: String? = nil) -> Unfinished? {
        if JournalReader.isStillborn(path: path) { return nil }
        let contents: JournalContents
        let machine: RotationStateMachine
        do {
            contents = try JournalReader.read(path: path)
            machine = try RotationSession.replay(contents)
        } catch {
            return Unfinished(
                journal: path, rotationID: FileIO.baseName(of: path), state: "\(error)", pastPointOfNoReturn: false,
                readable: false)
        }
        if let environment, contents.plan.playbook.environment != environment { return nil }
        let state: String
        switch machine.mode {
        case .finished, .aborted: return nil
        case .aborting: state = "rolling back"
        case .forward: state = machine.currentStep.map { "at \($0)" } ?? "at its end"
        }
        return Unfinished(
            journal: path,
            rotationID: contents.plan.rotationID,
            state: state,
            pastPointOfNoReturn: machine.pointOfNoReturnStarted,
            readable: true
        )
    }

    /// What the platform's own keys say about a rotation under way, wherever its journal is: an old key
    /// and a key named as its replacement (by the playbook's template, any date or rotation) both exist,
    /// which is the state between creating the new keys and deleting the old ones. One sentence per pair.
    public static func onPlatform(_ keys: [PlatformKey], template: String) -> [String] {
        let names = KeyNameTemplate(template)
        var found: [String] = []
        for new in keys {
            guard let newName = new.name else { continue }
            for old in keys where old.id != new.id {
                guard let oldName = old.name, names.isReplacementName(newName, of: oldName) else { continue }
                found.append(
                    "the platform has the \(new.kind.rawValue) key '\(newName)' (\(new.id)) next to '\(oldName)' "
                        + "(\(old.id)), which it is named to replace: a rotation of this environment looks unfinished "
                        + "(resume or abort it from its journal, or delete the key it left)")
            }
        }
        return found
    }
}
