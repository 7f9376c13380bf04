#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A dotenv file is replaced by writing a new file in its directory and renaming it over the old one, so
/// the directory, not the file, must be writable: a plan says so before a run fails at its first edit.
extension DotenvTarget {
    /// Why rekey could not replace the file at `path` (its directory is not writable by this user), or `nil`
    /// when it can; `subject` names whose file it is (`app 'api'`).
    public static func directoryWarning(of subject: String, path: String) -> String? {
        let file = realpath(path, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        }
        let directory = FileIO.parentDirectory(of: file ?? path)
        guard access(directory, W_OK | X_OK) != 0 else { return nil }
        let reason = String(cString: strerror(errno)).lowercased()
        return "\(subject): '\(directory)' is not writable (\(reason)): rekey replaces "
            + "'\(FileIO.baseName(of: file ?? path))' by writing a new file in that directory and renaming it, so "
            + "the run would fail at its first edit; make the directory writable by this user first"
    }

    /// The warnings of ``directoryWarning(of:path:)`` for every dotenv file `playbook`'s rotation edits.
    public static func directoryWarnings(for playbook: Playbook) -> [String] {
        var warnings: [String] = []
        for app in playbook.apps {
            guard case .dotenv(let path) = app.target,
                let warning = directoryWarning(of: "app '\(app.name)'", path: path)
            else { continue }
            warnings.append(warning)
        }
        if case .inngestSelfHosted(let settings) = playbook.platform, case .dotenv(let path) = settings.config,
            let warning = directoryWarning(of: "the server's configuration", path: path)
        {
            warnings.append(warning)
        }
        return warnings
    }
}
