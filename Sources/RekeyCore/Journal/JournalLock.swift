import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `flock`ed sibling lock file (`<journal>.lock`) that keeps two runs off one rotation.
///
/// The file also anchors the journal's tail: after every durable append the writer records the last
/// record's seq and hash here, so deleting or editing the *last* line (which a hash chain alone can't
/// see) is detected too. The anchor is written without fsync: after a power loss it may lag behind
/// the journal, which is harmless because it is checked only for "the journal is shorter than, or
/// differs from, what was once written".
public final class JournalLock: Sendable {
    /// The lock file's path.
    public let path: String
    /// The descriptor holding the flock; -1 once released, so a late anchor write can never reach a
    /// descriptor number the process reused for another file.
    private let descriptor: Mutex<Int32>
    private let holder: LockHolder

    /// What the lock file holds.
    public struct Contents: Sendable, Codable, Equatable {
        public var holder: LockHolder?
        public var head: Head?
    }

    /// The journal's last durable record, as far as the lock file knows.
    public struct Head: Sendable, Codable, Equatable {
        public var seq: Int
        public var hash: String
    }

    /// The lock path for a journal.
    public static func path(forJournal journal: String) -> String { journal + ".lock" }

    /// Takes the lock without waiting, or throws ``JournalError/locked(path:holder:)`` naming the holder.
    ///
    /// - Parameters:
    ///   - journal: The journal path.
    ///   - command: What the holder is doing (`run`, `resume`, `abort`), for the message others see.
    public static func acquire(journal: String, command: String) throws(JournalError) -> JournalLock {
        let path = path(forJournal: journal)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: path, FileIOError("open lock file", path: path)) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let contents = readContents(fd: fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw .locked(path: journal, holder: contents?.holder)
            }
            throw .io(path: path, FileIOError("flock", path: path, code: code))
        }
        let holder = LockHolder(pid: getpid(), host: hostName(), since: .now(), command: command)
        let lock = JournalLock(path: path, fd: fd, holder: holder)
        let previous = readContents(fd: fd)
        lock.writeContents(Contents(holder: holder, head: previous?.head))
        return lock
    }

    private init(path: String, fd: Int32, holder: LockHolder) {
        self.path = path
        self.descriptor = Mutex(fd)
        self.holder = holder
    }

    deinit {
        release()
    }

    /// Releases the lock now (idempotent). Commands call it when they finish, so that the next command
    /// in the same process never finds the journal still locked by a writer that is being torn down.
    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    /// Records the journal's new head.
    public func recordHead(seq: Int, hash: String) {
        writeContents(Contents(holder: holder, head: Head(seq: seq, hash: hash)))
    }

    /// Reads the lock file of `journal` without locking (for verification and messages).
    public static func readContents(journal: String) -> Contents? {
        let fd = open(path(forJournal: journal), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readContents(fd: fd)
    }

    private static func readContents(fd: Int32) -> Contents? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let bytes = Array(buffer[0..<n])
        let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        return try? JSONCoding.decode(Contents.self, from: Array(bytes[0..<end]))
    }

    private func writeContents(_ contents: Contents) {
        let bytes = JSONCoding.canonicalBytes(contents) + [UInt8(ascii: "\n")]
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            // Best effort: the anchor is an extra check, never a reason to stop a rotation.
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            _ = ftruncate(fd, off_t(bytes.count))
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
