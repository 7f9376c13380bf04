import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lock that keeps two runs off one rotation: an exclusive `flock` on the journal file itself (its
/// inode, whatever name reaches it: a hard link is the same file) and on the sibling lock file
/// `<journal>.lock`, which exists before the journal does and tells others who holds it.
///
/// The lock file also anchors the journal's tail: after every durable append the writer records the last
/// record's seq and hash here, so deleting or editing the *last* line (which a hash chain alone can't
/// see) is detected too. The anchor is written without fsync: after a power loss it may lag behind
/// the journal, which is harmless because it is checked only for "the journal is shorter than, or
/// differs from, what was once written".
///
/// Neither file is followed through a symbolic link: the journal must be a regular file, and the lock
/// file a regular file of this user with one name, or rekey refuses (a planted `rot.jsonl.lock` link would
/// otherwise make rekey, perhaps as root, truncate and write whatever it points to).
public final class JournalLock: Sendable {
    /// The lock file's path.
    public let path: String
    /// The descriptor holding the flock; -1 once released, so a late anchor write can never reach a
    /// descriptor number the process reused for another file.
    private let descriptor: Mutex<Int32>
    /// The journal's own descriptor, holding the flock on its inode; -1 while the journal does not exist
    /// (a run planning) and once released.
    private let journalDescriptor: Mutex<Int32>
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

    /// Takes the lock for a journal a run is about to create, without waiting, or throws
    /// ``JournalError/locked(path:holder:)`` naming the holder. The journal need not exist; if something is
    /// there, it must be a regular file, and it is locked too.
    ///
    /// - Parameters:
    ///   - journal: The journal path.
    ///   - command: What the holder is doing (`run`), for the message others see.
    public static func acquire(journal: String, command: String) throws(JournalError) -> JournalLock {
        try acquire(journal: journal, command: command, journalRequired: false)
    }

    /// Takes the lock of an existing journal (resume, abort, approve, reveal), without waiting. Nothing is
    /// created when the journal is missing or unusable.
    ///
    /// - Throws: ``JournalError/notFound(path:)``, ``JournalError/unusableFile(path:_:)`` (a link, a
    ///   directory, a device, a FIFO), ``JournalError/locked(path:holder:)`` naming the holder whatever name
    ///   it reached the journal by, ``JournalError/unsafeLockFile(path:reason:)``.
    public static func acquire(existingJournal journal: String, command: String) throws(JournalError) -> JournalLock {
        try acquire(journal: journal, command: command, journalRequired: true)
    }

    private static func acquire(
        journal: String,
        command: String,
        journalRequired: Bool
    ) throws(JournalError) -> JournalLock {
        let journalFD = try lockJournalFile(journal, required: journalRequired)
        let path = path(forJournal: journal)
        let fd: Int32
        do {
            fd = try openLockFile(path)
        } catch {
            if journalFD >= 0 { close(journalFD) }
            throw error
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let contents = readContents(fd: fd)
            close(fd)
            if journalFD >= 0 { close(journalFD) }
            if code == EWOULDBLOCK {
                throw .locked(path: journal, holder: contents?.holder)
            }
            throw .io(path: path, FileIOError("flock", path: path, code: code))
        }
        let holder = LockHolder(pid: getpid(), host: hostName(), since: .now(), command: command)
        let lock = JournalLock(path: path, fd: fd, journalFD: journalFD, holder: holder)
        let previous = readContents(fd: fd)
        lock.writeContents(Contents(holder: holder, head: previous?.head))
        return lock
    }

    /// Opens and flocks the journal itself (-1 when it does not exist and need not).
    private static func lockJournalFile(_ journal: String, required: Bool) throws(JournalError) -> Int32 {
        let fd: Int32
        do {
            fd = try FileIO.openRegular(journal, followingLinks: false).fd
        } catch {
            if error.isNotFound, !required { return -1 }
            if error.isNotFound { throw .notFound(path: journal) }
            if error.problem != nil { throw .unusableFile(path: journal, error) }
            throw .io(path: journal, error)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = code == EWOULDBLOCK ? holderOfJournal(fd, named: journal) : nil
            close(fd)
            if code == EWOULDBLOCK { throw .locked(path: journal, holder: holder) }
            throw .io(path: journal, FileIOError("flock", path: journal, code: code))
        }
        return fd
    }

    /// Opens (creating, mode 0600) the lock file, refusing one that is not this user's single-named regular
    /// file before anything is written to it.
    private static func openLockFile(_ path: String) throws(JournalError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if let kind = FileIO.kind(of: path), kind != .regular {
                throw .unsafeLockFile(path: path, reason: "is \(kind)")
            }
            throw .io(path: path, FileIOError("open lock file", path: path, code: code))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = FileIOError("stat", path: path)
            close(fd)
            throw .io(path: path, error)
        }
        let reason: String? =
            if FileKind(mode: info.st_mode) != .regular {
                "is \(FileKind(mode: info.st_mode))"
            } else if info.st_nlink != 1 {
                "has \(info.st_nlink) hard links (another name of the same file could be anything)"
            } else if info.st_uid != geteuid() {
                "belongs to another user (uid \(info.st_uid))"
            } else {
                nil
            }
        if let reason {
            close(fd)
            throw .unsafeLockFile(path: path, reason: reason)
        }
        // An odd umask, or a copy made by hand, must not leave it readable by others.
        if info.st_mode & 0o7777 != 0o600 { fchmod(fd, 0o600) }
        return fd
    }

    private init(path: String, fd: Int32, journalFD: Int32, holder: LockHolder) {
        self.path = path
        self.descriptor = Mutex(fd)
        self.journalDescriptor = Mutex(journalFD)
        self.holder = holder
    }

    deinit {
        release()
    }

    /// The identity of the journal file the lock holds, or `nil` before the journal exists.
    public var journalIdentity: FileIdentity? {
        journalDescriptor.withLock { fd in fd >= 0 ? FileIdentity(descriptor: fd) : nil }
    }

    /// Makes the lock hold the journal just created (whose flock the open file `fd` already holds): a
    /// duplicate of `fd` keeps the inode locked until ``release()``, whatever happens to `fd`.
    func adoptJournal(_ fd: Int32) {
        let duplicate = dup(fd)
        journalDescriptor.withLock { held in
            if held >= 0 {
                flock(held, LOCK_UN)
                close(held)
            }
            held = duplicate
        }
    }

    /// Releases the lock now (idempotent). Commands call it when they finish, so that the next command
    /// in the same process never finds the journal still locked by a writer that is being torn down.
    public func release() {
        journalDescriptor.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
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

    /// Reads the lock file of `journal` without locking (for verification and messages). A lock file that
    /// is not a regular file (a planted link) reads as none.
    public static func readContents(journal: String) -> Contents? {
        guard let fd = try? FileIO.openRegular(path(forJournal: journal), followingLinks: false).fd else { return nil }
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

    // MARK: - Who holds a journal

    /// Who holds the flock on the journal open as `fd`: the holder its own lock file names, when `journal`
    /// is the name it used; otherwise (another name of the same file, a hard link) the process `/proc/locks`
    /// shows holding the inode, through the lock file of the name that process opened.
    private static func holderOfJournal(_ fd: Int32, named journal: String) -> LockHolder? {
        let sibling = path(forJournal: journal)
        if let siblingFD = try? FileIO.openRegular(sibling, followingLinks: false).fd {
            defer { close(siblingFD) }
            // Held by someone: its holder is current.
            if flock(siblingFD, LOCK_SH | LOCK_NB) != 0, let holder = readContents(fd: siblingFD)?.holder {
                return holder
            }
        }
        guard let identity = FileIdentity(descriptor: fd) else { return nil }
        for pid in pidsHoldingFlock(on: identity) {
            for name in openNames(of: identity, in: pid) {
                if let holder = readContents(journal: name)?.holder, holder.pid == pid { return holder }
            }
        }
        return nil
    }

    /// The processes holding a `flock` on the file `identity`, from `/proc/locks` (Linux; none elsewhere).
    private static func pidsHoldingFlock(on identity: FileIdentity) -> [Int32] {
        guard let text = try? FileIO.readText("/proc/locks", limit: 1 << 20) else { return [] }
        let (major, minor) = identity.deviceNumbers
        var pids: [Int32] = []
        for line in text.split(separator: "\n") {
            // `1: FLOCK  ADVISORY  WRITE 1234 fd:01:1311 0 EOF`; waiters read `1: -> FLOCK …`.
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]) else { continue }
            let device = fields[5].split(separator: ":")
            guard device.count == 3, UInt64(device[0], radix: 16) == major, UInt64(device[1], radix: 16) == minor,
                UInt64(device[2]) == identity.inode
            else { continue }
            pids.append(pid)
        }
        return pids
    }

    /// The paths through which process `pid` has the file `identity` open (`/proc/PID/fd`).
    private static func openNames(of identity: FileIdentity, in pid: Int32) -> [String] {
        let directory = "/proc/\(pid)/fd"
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            let link = directory + "/" + name
            var info = stat()
            guard stat(link, &info) == 0, FileIdentity(info) == identity else { continue }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(link, &buffer, buffer.count - 1)
            guard count > 0 else { continue }
            names.append(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }
}
