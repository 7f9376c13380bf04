import Dispatch
import RekeyCrypto

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A journal read from disk and verified.
public struct JournalContents: Sendable {
    /// The journal path.
    public var path: String
    /// Every complete, verified record, in order.
    public var records: [JournalRecord]
    /// SHA-256 of the last complete line (the `prev` of the next record).
    public var lastLineHash: String?
    /// A final line the process was writing when it stopped, if any.
    public var tornTail: TornTail?
    /// Whether the tail matched the anchor in the lock file (`nil`: there was no anchor to check).
    public var tailAnchored: Bool?
    /// The file that was read (`nil` for bytes verified in memory): the writer appends to this file only.
    public var identity: FileIdentity?

    /// The frozen plan (record 0).
    public var plan: RotationPlan {
        guard let plan = records.first?.data.plan else {
            preconditionFailure("JournalReader returns contents only with a plan record first")
        }
        return plan
    }
}

/// An incomplete last line: a crash mid-write.
public struct TornTail: Sendable, Equatable {
    /// 1-based line number.
    public var line: Int
    /// Byte offset where it starts (where the file is cut on resume).
    public var offset: Int
    /// Its length in bytes.
    public var length: Int
}

/// Reads and verifies journals: format version, sequence, hash chain, plan hash, tail anchor.
public enum JournalReader {
    /// The largest journal read (1 GiB): a rotation of 200 apps and 1,000 event keys writes a few
    /// megabytes, and 100,000 records (a rotation retried for days) tens of megabytes; anything larger is
    /// the wrong file (`rekey log /dev/zero` once read until memory ran out).
    public static let maximumSize = 1 << 30

    /// Reads the journal at `path` and verifies every line.
    ///
    /// The journal must be a regular file reached by its own name (a symbolic link, a directory, a
    /// device or a FIFO is refused before anything is read) of at most `limit` bytes. An incomplete last
    /// line (no newline: the process died while writing it) is reported in ``JournalContents/tornTail``
    /// and excluded. Anything else that doesn't verify throws ``JournalError/corrupt(path:line:reason:)``
    /// with the first bad line: the journal is never silently repaired.
    public static func read(path: String, limit: Int = maximumSize) throws(JournalError) -> JournalContents {
        // Read the anchor before the journal: the writer updates it after the journal, so an anchor
        // read first can only be behind what we then read, never ahead.
        let anchor = JournalLock.readContents(journal: path)?.head
        let fd: Int32
        let info: stat
        do {
            (fd, info) = try FileIO.openRegular(path, followingLinks: false)
        } catch {
            if error.isNotFound { throw .notFound(path: path) }
            if error.problem != nil { throw .unusableFile(path: path, error) }
            throw .io(path: path, error)
        }
        defer { close(fd) }
        let size = Int(info.st_size)
        guard size <= limit else {
            throw .unusableFile(path: path, FileIOError("read", path: path, problem: .tooLarge(limit: limit)))
        }
        var contents: JournalContents
        // Mapped (and faulted in at once) rather than read: a long journal is tens of megabytes.
        if size > 0, let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), mapped != MAP_FAILED {
            defer { munmap(mapped, size) }
            let buffer = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: size)
            contents = try verify(buffer: buffer, path: path, anchor: anchor)
        } else {
            // Empty, or not mappable: read it.
            let bytes: [UInt8]
            do {
                bytes = try FileIO.read(fd, path: path, limit: limit, size: size)
            } catch {
                throw .io(path: path, error)
            }
            contents = try verify(bytes: bytes, path: path, anchor: anchor)
        }
        contents.identity = FileIdentity(info)
        return contents
    }

    /// Verifies journal bytes (see ``read(path:)``).
    public static func verify(
        bytes: [UInt8],
        path: String,
        anchor: JournalLock.Head? = nil
    ) throws(JournalError) -> JournalContents {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JournalError) in
            try verify(buffer: buffer, path: path, anchor: anchor)
        }
    }

    /// Verifies the journal in `bytes`, which must stay valid for the call only.
    static func verify(
        buffer bytes: UnsafeBufferPointer<UInt8>,
        path: String,
        anchor: JournalLock.Head?
    ) throws(JournalError) -> JournalContents {
        let newline = UInt8(ascii: "\n")
        // Complete lines, and a final line without its newline (torn).
        var lines: [Range<Int>] = []
        var torn: TornTail?
        lines.reserveCapacity(Self.count(newline, in: bytes))
        var lineStart = 0
        while lineStart < bytes.count {
            guard let lineEnd = Self.index(of: newline, in: bytes, from: lineStart) else {
                torn = TornTail(line: lines.count + 1, offset: lineStart, length: bytes.count - lineStart)
                break
            }
            lines.append(lineStart..<lineEnd)
            lineStart = lineEnd + 1
        }
        // Records are decoded in place (a long journal's records are not copied from one array to another),
        // then checked in order.
        var records = [JournalRecord](
            repeating: JournalRecord(seq: -1, at: Timestamp(millisecondsSinceEpoch: 0), type: .note, prev: nil),
            count: lines.count
        )
        var digests = [UInt8](repeating: 0, count: lines.count * SHA256.byteCount)
        let (decoded, first) = Self.decodeAndHash(bytes, lines: lines, into: &records, digests: &digests)
        let codable = RecordDecoder()
        for index in lines.indices {
            let lineNumber = index + 1
            if !decoded[index] {
                do {
                    // The fast decoder reads what rekey writes; anything else, and every error, is decided
                    // by the Codable path.
                    if index == 0, let first {
                        records[0] = try first.record.get()
                    } else {
                        records[index] = try codable.decode(Array(bytes[lines[index]]))
                    }
                } catch let error as UnsupportedVersion {
                    throw .unsupportedVersion(path: path, line: lineNumber, version: error.version)
                } catch {
                    let reason = (error as? RecordDecodingError)?.reason ?? "undecodable"
                    throw .corrupt(path: path, line: lineNumber, reason: "not a valid journal record (\(reason))")
                }
            }
            guard records[index].seq == index else {
                throw .corrupt(
                    path: path,
                    line: lineNumber,
                    reason: "record number \(records[index].seq) where \(index) was expected "
                        + "(a line was removed, duplicated or moved)"
                )
            }
            let linked = digests.withUnsafeBufferPointer { digests in
                guard index > 0 else { return records[index].prev == nil }
                guard let prev = records[index].prev else { return false }
                return Self.hex(prev, equals: UnsafeBufferPointer(rebasing: digests[Self.digestRange(index - 1)]))
            }
            guard linked else {
                throw .corrupt(
                    path: path,
                    line: lineNumber,
                    reason: "its hash link does not match line \(lineNumber - 1) "
                        + "(a line was edited, removed or moved)"
                )
            }
            if index == 0 {
                guard records[0].type == .plan, let plan = records[0].data.plan else {
                    throw .corrupt(path: path, line: lineNumber, reason: "the first record must be the plan")
                }
                guard first?.planHashIsValid ?? plan.hashIsValid else {
                    throw .corrupt(path: path, line: lineNumber, reason: "the plan's content does not match its hash")
                }
            } else if records[index].type == .plan {
                throw .corrupt(path: path, line: lineNumber, reason: "a second plan record")
            }
        }
        let previousHash = lines.isEmpty ? nil : Hex.encode(digests[Self.digestRange(lines.count - 1)])

        guard !records.isEmpty else {
            throw .corrupt(
                path: path,
                line: 1,
                reason: "the journal has no complete record: the run stopped before it recorded its plan, so nothing "
                    + "was changed; start again with 'rekey run PLAYBOOK --journal \(path)'"
            )
        }

        var anchored: Bool?
        if let anchor {
            let last = records.count - 1
            // Shorter than the anchor: lines were cut from the end, which the chain alone can't see.
            if anchor.seq > last {
                throw .corrupt(
                    path: path,
                    line: records.count + 1,
                    reason: "the journal ends at record \(last) but record \(anchor.seq) was written "
                        + "(lines were removed from the end)"
                )
            }
            // Whatever the journal's length, the record the anchor names must be the one written: next to
            // another journal's lock file (or after the journal was swapped), it is not.
            let matches =
                anchor.seq >= 0
                && digests.withUnsafeBufferPointer { digests in
                    Self.hex(anchor.hash, equals: UnsafeBufferPointer(rebasing: digests[Self.digestRange(anchor.seq)]))
                }
            if !matches {
                throw .corrupt(
                    path: path,
                    line: max(anchor.seq, 0) + 1,
                    reason: anchor.seq == last
                        ? "the last line differs from what was written (it was edited)"
                        : "the line differs from record \(anchor.seq) as the lock file recorded it (the journal was "
                            + "edited or swapped, or the lock file is another journal's)"
                )
            }
            anchored = true
        }

        return JournalContents(
            path: path,
            records: records,
            lastLineHash: previousHash,
            tornTail: torn,
            tailAnchored: anchored
        )
    }
}

extension JournalReader {
    /// The first line decoded by the Codable path (the plan, which the fast decoder leaves to it), and
    /// whether the plan matches its hash: both expensive for a large plan, so done alongside the rest.
    fileprivate struct FirstLine {
        var record: Result<JournalRecord, any Error>
        var planHashIsValid: Bool?
    }

    /// Decodes (fast path only) and hashes every line, on every core for a long journal: lines are
    /// independent until the hash chain, which the caller checks in order.
    ///
    /// - Parameters:
    ///   - records: One slot per line, filled where the fast path decoded the line.
    ///   - digests: 32 bytes per line, its SHA-256.
    /// - Returns: Which lines the fast path decoded, and the first line through the Codable path (when
    ///   the journal is long enough to work in parallel).
    fileprivate static func decodeAndHash(
        _ input: UnsafeBufferPointer<UInt8>,
        lines: [Range<Int>],
        into records: inout [JournalRecord],
        digests: inout [UInt8]
    ) -> ([Bool], FirstLine?) {
        var decoded = [Bool](repeating: false, count: lines.count)
        var first: FirstLine?
        let chunkSize = 2048
        let chunks = (lines.count + chunkSize - 1) / chunkSize
        records.withUnsafeMutableBufferPointer { records in
            decoded.withUnsafeMutableBufferPointer { decoded in
                digests.withUnsafeMutableBufferPointer { digests in
                    withUnsafeMutablePointer(to: &first) { first in
                        let buffers = LineBuffers(
                            input: input, records: records, decoded: decoded, digests: digests, first: first)
                        let work = { @Sendable (task: Int) in
                            guard task < chunks else {
                                let line = Array(buffers.input[lines[0]])
                                let record = Result { try RecordDecoder().decode(line) }
                                let plan = (try? record.get())?.data.plan
                                buffers.first.pointee = FirstLine(
                                    record: record, planHashIsValid: plan?.hashIsValid)
                                return
                            }
                            var steps = JournalLineDecoder.StepNames()
                            for index in (task * chunkSize)..<min(lines.count, (task + 1) * chunkSize) {
                                let line = UnsafeBufferPointer(rebasing: buffers.input[lines[index]])
                                if let record = JournalLineDecoder.decode(line, steps: &steps) {
                                    buffers.records[index] = record
                                    buffers.decoded[index] = true
                                }
                                SHA256.hash(
                                    line,
                                    into: UnsafeMutableBufferPointer(rebasing: buffers.digests[digestRange(index)]))
                            }
                        }
                        if chunks > 1 {
                            // One more task: the first line through the Codable path.
                            DispatchQueue.concurrentPerform(iterations: chunks + 1, execute: work)
                        } else if chunks == 1 {
                            work(0)
                        }
                    }
                }
            }
        }
        return (decoded, first)
    }

    /// The buffers ``decodeAndHash(_:lines:into:digests:)`` shares with its workers.
    private struct LineBuffers: @unchecked Sendable {
        // Invariant: the input is only read; each worker writes only the slots of its own chunk of lines
        // (`first` only by the extra task), and the buffers outlive `concurrentPerform`, which returns when
        // every worker is done.
        let input: UnsafeBufferPointer<UInt8>
        let records: UnsafeMutableBufferPointer<JournalRecord>
        let decoded: UnsafeMutableBufferPointer<Bool>
        let digests: UnsafeMutableBufferPointer<UInt8>
        let first: UnsafeMutablePointer<FirstLine?>
    }

    /// Where line `index`'s digest is in the digests buffer.
    fileprivate static func digestRange(_ index: Int) -> Range<Int> {
        (index * SHA256.byteCount)..<((index + 1) * SHA256.byteCount)
    }

    /// Whether `text` is the lowercase hex of `digest` (without building the hex string).
    fileprivate static func hex(_ text: String, equals digest: UnsafeBufferPointer<UInt8>) -> Bool {
        let digits = Array("0123456789abcdef".utf8)
        var utf8 = text.utf8.makeIterator()
        for byte in digest {
            guard utf8.next() == digits[Int(byte >> 4)], utf8.next() == digits[Int(byte & 0x0F)] else { return false }
        }
        return utf8.next() == nil
    }

    /// The index of the first `byte` in `buffer` at or after `start`.
    fileprivate static func index(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress,
            let found = memchr(base + start, Int32(byte), buffer.count - start)
        else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// How many times `byte` occurs in `buffer`.
    fileprivate static func count(_ byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        var start = 0
        while let found = index(of: byte, in: buffer, from: start) {
            count += 1
            start = found + 1
        }
        return count
    }
}

private struct UnsupportedVersion: Error {
    var version: Int
}

private struct RecordDecodingError: Error {
    var reason: String
}

/// Decodes one line, reporting an unsupported version before anything else.
private struct RecordDecoder {
    private struct VersionOnly: Decodable {
        var v: Int
    }

    func decode(_ line: [UInt8]) throws -> JournalRecord {
        // The whole record first: the version alone is read only to explain a failure, so that a large
        // line (the plan) is parsed once.
        let decodingError: DecodingError
        do {
            let record = try JSONCoding.decode(JournalRecord.self, from: line)
            guard record.version == JournalRecord.formatVersion else {
                throw UnsupportedVersion(version: record.version)
            }
            return record
        } catch let error as DecodingError {
            decodingError = error
        }
        guard let version = try? JSONCoding.decode(VersionOnly.self, from: line) else {
            throw RecordDecodingError(reason: "not JSON with a 'v' field")
        }
        guard version.v == JournalRecord.formatVersion else { throw UnsupportedVersion(version: version.v) }
        throw RecordDecodingError(reason: Self.describe(decodingError))
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "bad field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        @unknown default:
            "undecodable"
        }
    }
}
