import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The files a rotation replaces (dotenv targets, a self-hosted server's configuration, a sandbox's state)
/// and the temporary files a killed rekey left beside them: every `run`, `resume` and `abort` removes those
/// (see ``FileIO/removeStaleTemporaries(of:olderThan:)``), since they hold the keys being written.
public enum StaleTemporaries {
    /// Removes the stale temporary files beside the files `playbook`'s rotation replaces.
    ///
    /// - Returns: How many were removed.
    @discardableResult
    public static func remove(near playbook: Playbook) -> Int {
        let journals = EarlierRotations.directory(forPlaybook: playbook.path)
        return (files(of: playbook) + journalsBeingCreated(in: journals)).reduce(0) {
            $0 + FileIO.removeStaleTemporaries(of: $1)
        }
    }

    /// Removes the stale temporary files beside the files the rotation of `plan` replaces (its playbook
    /// snapshot; one that no longer loads sweeps nothing, and the caller reports it).
    @discardableResult
    public static func remove(near plan: RotationPlan) -> Int {
        guard let playbook = try? RotationSession.playbook(from: plan) else { return 0 }
        return remove(near: playbook)
    }

    /// The journals whose temporary files are in the default journal directory: a run killed while creating
    /// its journal (`.<rotation id>.jsonl.rekey-XXXXXX`) never comes back for that name.
    static func journalsBeingCreated(in directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var journals: Set<String> = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("."), let marker = name.range(of: ".jsonl" + FileIO.temporaryMarker) else { continue }
            journals.insert(directory + "/" + name[name.index(after: name.startIndex)..<marker.lowerBound] + ".jsonl")
        }
        return journals.sorted()
    }

    /// The files rekey replaces by rename for `playbook`: where their temporary files are.
    static func files(of playbook: Playbook) -> [String] {
        var files: [String] = []
        for app in playbook.apps {
            if case .dotenv(let path) = app.target { files.append(path) }
        }
        switch playbook.platform {
        case .sandbox(let state):
            files.append(state)
        case .inngestSelfHosted(let settings):
            if case .dotenv(let path) = settings.config { files.append(path) }
            if let state = settings.sandbox { files.append(state) }
        case .eventNerds(let settings):
            if let state = settings.sandbox { files.append(state) }
        case .inngest, .plugin:
            break
        }
        // A dotenv target that is a link is replaced where it points (the link survives): look there too.
        return files.flatMap { path in
            guard let resolved = realpath(path, nil) else { return [path] }
            defer { free(resolved) }
            let target = String(cString: resolved)
            return target == path ? [path] : [path, target]
        }
    }
}
