import Dispatch
import RekeyCrypto

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Appends records to a journal durably, with group commit.
///
/// Each ``append(_:)`` returns only after its line is written with `O_APPEND` and covered by an
/// `fsync`, so an intent is durable before the side effect it announces starts. Appends that arrive
/// while an fsync is in flight are written and fsynced together by the next one: concurrent fan-out
/// pays one fsync per batch instead of one per record, without weakening that rule.
///
/// After a failed write or fsync, the tail of the file is uncertain: the writer refuses every further
/// append (fail closed); `resume` re-reads the journal, drops a torn tail and re-observes.
public actor JournalWriter {
    /// The journal path.
    public nonisolated let path: String
    private let fd: Int32
    private let lock: JournalLock
    private let faults: FaultInjector
    private let io = DispatchQueue(label: "rekey.journal.io")
    private var nextSeq: Int
    private var lastHash: String?
    private var pending: [PendingLine] = []
    private var flushing = false
    private var failed = false
    private var records: [JournalRecord] = []

    private struct PendingLine {
        var seq: Int
        var bytes: [UInt8]
        var hash: String
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// Creates a new journal whose first record is `plan`.
    ///
    /// The plan record is written and fsynced in a temporary file beside `path`, which then takes the
    /// journal's name in one step (`link`, which never replaces anything; the directory is fsynced): a
    /// journal at `path` always has its complete plan record, and a crash while creating it leaves only a
    /// temporary file that the next run removes. Where `path` is taken, only a stillborn journal of this
    /// plan's playbook (see ``JournalReader/checkNewJournalPath(_:playbookPath:contentHash:)``) is replaced;
    /// anything else is refused and left as it is.
    ///
    /// - Parameters:
    ///   - path: Where to create it (mode 0600).
    ///   - plan: The frozen plan.
    ///   - lock: The journal's lock, already held; from now on it also holds the journal file itself.
    ///   - faults: Fault injection (testing aid).
    public static func create(
        path: String,
        plan: RotationPlan,
        lock: JournalLock,
        faults: FaultInjector = .none
    ) async throws -> JournalWriter {
        let replacing = try JournalReader.checkNewJournalPath(
            path, playbookPath: plan.playbook.path, contentHash: plan.playbook.contentHash)
        let temporary: (fd: Int32, path: String, created: timespec)
        do {
            temporary = try FileIO.makeTemporary(nextTo: path)
        } catch {
            throw JournalError.io(path: path, error)
        }
        var placed = false
        defer {
            if !placed { unlink(temporary.path) }
        }
        // An odd umask must not widen the mode; appends go to the end, as for an existing journal.
        fchmod(temporary.fd, 0o600)
        _ = fcntl(temporary.fd, F_SETFL, fcntl(temporary.fd, F_GETFL) | O_APPEND)
        let writer = JournalWriter(path: path, fd: temporary.fd, lock: lock, faults: faults, nextSeq: 0, lastHash: nil)
        _ = try await writer.append(JournalEntry(type: .plan, data: RecordData(plan: plan)))
        try place(temporary.path, at: path, replacing: replacing)
        placed = true
        lock.adoptJournal(temporary.fd)
        do {
            try FileIO.fsyncDirectory(FileIO.parentDirectory(of: path))
        } catch {
            throw JournalError.io(path: path, error)
        }
        return writer
    }

    /// Gives the complete temporary journal its name: a new name (`link` fails if anything took it), or
    /// over the stillborn journal `replacing` (still the same file: the lock keeps other rekeys away).
    private static func place(_ temporary: String, at path: String, replacing: FileIdentity?) throws(JournalError) {
        if let replacing {
            var info = stat()
            guard lstat(path, &info) == 0, FileIdentity(info) == replacing else { throw .replaced(path: path) }
            guard rename(temporary, path) == 0 else { throw .io(path: path, FileIOError("rename", path: path)) }
            return
        }
        if link(temporary, path) == 0 {
            unlink(temporary)
            return
        }
        let code = errno
        if code == EEXIST { throw .alreadyExists(path: path) }
        // A file system without hard links: the lock keeps other rekeys away, so check, then rename.
        guard code == EPERM || code == EOPNOTSUPP || code == EMLINK, !FileIO.exists(path) else {
            throw .io(path: path, FileIOError("link", path: path, code: code))
        }
        guard rename(temporary, path) == 0 else { throw .io(path: path, FileIOError("rename", path: path)) }
    }

    /// Opens an existing journal for appending after its verified contents.
    ///
    /// The file opened must be the one that was read and that the lock holds (not a link, not a file
    /// swapped in meanwhile). A torn last line found by the reader is cut off here (it never completed, so
    /// no record was lost) and noted in the journal.
    public static func open(
        _ contents: JournalContents,
        lock: JournalLock,
        faults: FaultInjector = .none
    ) async throws -> JournalWriter {
        let path = contents.path
        let fd: Int32
        do {
            fd = try FileIO.openRegular(path, flags: O_WRONLY | O_APPEND, followingLinks: false).fd
        } catch {
            if error.problem != nil { throw JournalError.unusableFile(path: path, error) }
            throw JournalError.io(path: path, error)
        }
        let identity = FileIdentity(descriptor: fd)
        if let read = contents.identity, identity != read {
            close(fd)
            throw JournalError.replaced(path: path)
        }
        if let locked = lock.journalIdentity, identity != locked {
            close(fd)
            throw JournalError.replaced(path: path)
        }
        if let torn = contents.tornTail {
            guard ftruncate(fd, off_t(torn.offset)) == 0, fsync(fd) == 0 else {
                let error = FileIOError("truncate torn tail of", path: path)
                close(fd)
                throw JournalError.io(path: path, error)
            }
        }
        let writer = JournalWriter(
            path: path,
            fd: fd,
            lock: lock,
            faults: faults,
            nextSeq: contents.records.count,
            lastHash: contents.lastLineHash
        )
        await writer.seed(contents.records)
        if let torn = contents.tornTail {
            _ = try await writer.append(
                JournalEntry(
                    type: .note,
                    data: RecordData(
                        message: "dropped a torn last line (\(torn.length) bytes at line \(torn.line)): "
                            + "the process stopped while writing it; the next steps re-observe the platform"
                    )
                )
            )
        }
        return writer
    }

    private init(path: String, fd: Int32, lock: JournalLock, faults: FaultInjector, nextSeq: Int, lastHash: String?) {
        self.path = path
        self.fd = fd
        self.lock = lock
        self.faults = faults
        self.nextSeq = nextSeq
        self.lastHash = lastHash
    }

    deinit {
        close(fd)
    }

    private func seed(_ existing: [JournalRecord]) {
        records = existing
    }

    /// Every record in the journal, including the ones appended by this writer.
    public var allRecords: [JournalRecord] { records }

    /// Appends one record and returns once it is durable.
    ///
    /// - Returns: The record as written (with its seq, time and chain hash).
    /// - Throws: ``JournalError`` when the line can't be made durable; the caller must not perform the
    ///   side effect the record announces.
    @discardableResult
    public func append(_ entry: JournalEntry) async throws -> JournalRecord {
        guard !failed else { throw JournalError.writerFailed(path: path) }
        let seq = nextSeq
        try faults.reach(.beforeRecord(seq))
        let record = JournalRecord(
            seq: seq,
            at: .now(),
            type: entry.type,
            step: entry.step,
            item: entry.item,
            data: entry.data,
            prev: lastHash
        )
        let line = JournalLineEncoder.bytes(record)
        let hash = SHA256.hex(line)
        nextSeq += 1
        lastHash = hash
        records.append(record)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(
                PendingLine(seq: seq, bytes: line + [UInt8(ascii: "\n")], hash: hash, continuation: continuation))
            if !flushing {
                flushing = true
                Task { await self.flushLoop() }
            }
        }
        try faults.reach(.afterRecord(seq))
        return record
    }

    private func flushLoop() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            var result: Result<Void, JournalError>
            do {
                try faults.reach(.journalWrite(throughSeq: batch.last?.seq ?? 0))
                result = await writeAndSync(batch.flatMap(\.bytes))
            } catch let error as FileIOError {
                result = .failure(.io(path: path, FileIOError(error.operation, path: path, code: error.code)))
            } catch {
                result = .failure(.writerFailed(path: path))
            }
            switch result {
            case .success:
                if let last = batch.last { lock.recordHead(seq: last.seq, hash: last.hash) }
                for line in batch { line.continuation.resume() }
            case .failure(let error):
                failed = true
                for line in batch { line.continuation.resume(throwing: error) }
                for line in pending { line.continuation.resume(throwing: JournalError.writerFailed(path: path)) }
                pending = []
            }
        }
        flushing = false
    }

    private func writeAndSync(_ bytes: [UInt8]) async -> Result<Void, JournalError> {
        let fd = self.fd
        let path = self.path
        return await withCheckedContinuation { continuation in
            io.async {
                do throws(FileIOError) {
                    try FileIO.writeAll(fd, bytes, path: path)
                    guard fsync(fd) == 0 else { throw FileIOError("fsync", path: path) }
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(.io(path: path, error)))
                }
            }
        }
    }
}

/// A record to append: the writer fills in seq, time and chain hash.
public struct JournalEntry: Sendable, Equatable {
    public var type: RecordType
    public var step: StepID?
    public var item: String?
    public var data: RecordData

    public init(type: RecordType, step: StepID? = nil, item: String? = nil, data: RecordData = RecordData()) {
        self.type = type
        self.step = step
        self.item = item
        self.data = data
    }
}
