/// Errors reading, verifying, locking or appending to a journal. Descriptions name the file, the
/// line and what to do.
public enum JournalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The journal file does not exist.
    case notFound(path: String)
    /// A journal already exists where a new rotation would create one.
    case alreadyExists(path: String)
    /// A line is damaged, out of order, edited or inconsistent (fail closed).
    case corrupt(path: String, line: Int, reason: String)
    /// A record has a format version this rekey doesn't read.
    case unsupportedVersion(path: String, line: Int, version: Int)
    /// Another process holds the journal's lock.
    case locked(path: String, holder: LockHolder?)
    /// Reading or writing failed.
    case io(path: String, FileIOError)
    /// A previous append failed, so the file's tail is uncertain; nothing more may be written.
    case writerFailed(path: String)
    /// The path is not a journal file rekey may use: a symbolic link, a directory, a FIFO, a device, or a
    /// file over the size cap (``FileIOError/problem`` says which).
    case unusableFile(path: String, FileIOError)
    /// Something that is not an unfinished journal of this playbook is where a new journal would go.
    case notAJournal(path: String, reason: String)
    /// The lock file is not one rekey may write (a link, another user's file): it is left as it is.
    case unsafeLockFile(path: String, reason: String)
    /// The journal was swapped for another file while rekey was opening it.
    case replaced(path: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            "journal '\(path)': file does not exist; check the path, or start a rotation with 'rekey run PLAYBOOK'"
        case .alreadyExists(let path):
            "journal '\(path)' already exists; continue it with 'rekey resume \(path)' or choose another --journal"
        case .unusableFile(let path, let error):
            switch error.problem {
            case .notRegular(.symbolicLink):
                "journal '\(path)': is a symbolic link; rekey does not follow links to the files it writes: give "
                    + "the path of the journal itself"
            case .notRegular(let kind):
                "journal '\(path)': is \(kind), not a regular file; give the path of a journal file"
            case .tooLarge(let limit):
                "journal '\(path)': is larger than \(FileIO.describe(size: limit)), more than any journal rekey "
                    + "writes; check the path"
            case nil:
                "journal '\(path)': \(error)"
            }
        case .notAJournal(let path, let reason):
            "journal '\(path)' exists and \(reason); rekey never replaces a file it did not create: choose another "
                + "--journal, or remove the file yourself"
        case .unsafeLockFile(let path, let reason):
            "lock file '\(path)' \(reason); rekey does not write through it: if no rekey is running, remove it and "
                + "try again"
        case .replaced(let path):
            "journal '\(path)' was replaced by another file while rekey opened it; check it with "
                + "'rekey log \(path) --verify', then try again"
        case .corrupt(let path, let line, let reason):
            "journal '\(path)': line \(line): \(reason); the journal is not trustworthy, refusing to continue"
        case .unsupportedVersion(let path, let line, let version):
            "journal '\(path)': line \(line): format version \(version) is not supported by this rekey "
                + "(it reads version \(JournalRecord.formatVersion)); use the rekey version that wrote it"
        case .locked(let path, let holder):
            if let holder {
                "journal '\(path)' is locked by another rekey (pid \(holder.pid) on \(holder.host), since "
                    + "\(holder.since)); wait for it to finish, or stop it first"
            } else {
                "journal '\(path)' is locked by another rekey process; wait for it to finish, or stop it first"
            }
        case .io(let path, let error):
            "journal '\(path)': \(error)"
        case .writerFailed(let path):
            "journal '\(path)': an earlier write failed, so nothing more is written; fix the cause (disk full? "
                + "permissions?) and run 'rekey resume \(path)'"
        }
    }
}

/// Who holds a journal's lock.
public struct LockHolder: Sendable, Equatable, Codable {
    public var pid: Int32
    public var host: String
    public var since: Timestamp
    public var command: String?

    public init(pid: Int32, host: String, since: Timestamp, command: String? = nil) {
        self.pid = pid
        self.host = host
        self.since = since
        self.command = command
    }
}
