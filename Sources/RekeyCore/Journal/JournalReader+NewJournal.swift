#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What is at the path where a new rotation would create its journal.
///
/// rekey never destroys a file it did not create. A new journal is written beside its path and moved into
/// place only once its plan record is complete and durable, so a journal rekey creates is never half-made.
/// An older rekey killed while creating a journal could leave a *stillborn* one: its first line, the plan
/// record, cut short (no newline). Such a file may be replaced by a new rotation of the same playbook, and
/// only once that rotation's planning succeeded; anything else at the path is refused and left as it is.
extension JournalReader {
    /// The most of an existing file read to judge it: a stillborn journal is one plan record, at most a
    /// saved plan's size plus the record's envelope.
    static let maximumStillbornSize = SavedPlan.maximumSize + (64 << 10)

    /// Judges `path` for a new journal of the playbook at `playbookPath` whose bytes hash to `contentHash`.
    ///
    /// - Returns: `nil` when nothing is there; the file's identity when it is a stillborn journal of this
    ///   playbook (its plan record cut short, naming this playbook's path and content hash), which the new
    ///   journal may replace.
    /// - Throws: ``JournalError/alreadyExists(path:)`` for a journal (resume it),
    ///   ``JournalError/unusableFile(path:_:)`` for a link, a directory, a device or a FIFO,
    ///   ``JournalError/notAJournal(path:reason:)`` for anything else (another playbook's stillborn journal,
    ///   an empty file, another user's file, a file that is not a journal). Nothing is changed.
    public static func checkNewJournalPath(
        _ path: String,
        playbookPath: String,
        contentHash: String
    ) throws(JournalError) -> FileIdentity? {
        guard let kind = FileIO.kind(of: path) else { return nil }
        guard kind == .regular else {
            throw .unusableFile(path: path, FileIOError("open", path: path, problem: .notRegular(kind)))
        }
        let fd: Int32
        let info: stat
        do {
            (fd, info) = try FileIO.openRegular(path, followingLinks: false)
        } catch {
            if error.isNotFound { return nil }
            if error.problem != nil { throw .unusableFile(path: path, error) }
            throw .io(path: path, error)
        }
        defer { close(fd) }
        guard info.st_uid == geteuid() else {
            throw .notAJournal(path: path, reason: "belongs to another user (uid \(info.st_uid))")
        }
        let head: [UInt8]
        do {
            head = try firstLine(fd, path: path)
        } catch {
            throw .io(path: path, error)
        }
        guard !head.isEmpty else {
            throw .notAJournal(path: path, reason: "is empty, so it is not a journal rekey can tell is its own")
        }
        guard startsWithPlanRecord(head) else {
            throw .notAJournal(path: path, reason: "is not a journal (it does not start with rekey's plan record)")
        }
        if head.last == UInt8(ascii: "\n") { throw .alreadyExists(path: path) }
        guard head.count < maximumStillbornSize else { throw .alreadyExists(path: path) }
        guard contains(head, playbookNeedle(path: playbookPath, contentHash: contentHash)) else {
            let namesAPlaybook = contains(head, Array(#""playbook":{"contentHash":""#.utf8))
            throw .notAJournal(
                path: path,
                reason: namesAPlaybook
                    ? "is an unfinished journal of another playbook (or of another version of this one)"
                    : "is an unfinished journal cut before it names its playbook, so rekey can't tell it is this "
                        + "playbook's"
            )
        }
        return FileIdentity(info)
    }

    /// Whether `path` is a stillborn journal: a regular file (not a link) holding one plan record cut
    /// short, as a run killed while creating its journal left it. It recorded nothing; nothing happened.
    public static func isStillborn(path: String) -> Bool {
        guard let (fd, _) = try? FileIO.openRegular(path, followingLinks: false) else { return false }
        defer { close(fd) }
        guard let head = try? firstLine(fd, path: path) else { return false }
        return head.last != UInt8(ascii: "\n") && head.count < maximumStillbornSize && startsWithPlanRecord(head)
    }

    /// The file's first line with its newline (or everything, when there is none), at most
    /// ``maximumStillbornSize`` bytes.
    private static func firstLine(_ fd: Int32, path: String) throws(FileIOError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while result.count < maximumStillbornSize {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("read", path: path)
            }
            if n == 0 { break }
            if let newline = chunk[0..<n].firstIndex(of: UInt8(ascii: "\n")) {
                result.append(contentsOf: chunk[0...newline])
                break
            }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// Whether `bytes` start as rekey writes a journal's first record: `{"at":"<timestamp>","data":{"plan":{`
    /// (sorted keys: the timestamp, then the plan).
    static func startsWithPlanRecord(_ bytes: [UInt8]) -> Bool {
        let opening = Array(#"{"at":""#.utf8)
        let closing = Array(#"","data":{"plan":{"#.utf8)
        let stamp = 24  // 2026-11-23T14:00:46.301Z
        guard bytes.count >= opening.count + stamp + closing.count, bytes.starts(with: opening) else { return false }
        let time = String(decoding: bytes[opening.count..<opening.count + stamp], as: UTF8.self)
        return Timestamp(parsing: time) != nil && bytes[(opening.count + stamp)...].starts(with: closing)
    }

    /// `"playbook":{"contentHash":"…","path":"…"`, as the plan record encodes its playbook snapshot.
    static func playbookNeedle(path: String, contentHash: String) -> [UInt8] {
        let object = JSONCoding.canonicalBytes(["contentHash": contentHash, "path": path])
        return Array(#""playbook":"#.utf8) + object.dropLast()
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
