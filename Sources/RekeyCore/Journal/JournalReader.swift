import RekeyCrypto

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
    /// Reads the journal at `path` and verifies every line.
    ///
    /// An incomplete last line (no newline: the process died while writing it) is reported in
    /// ``JournalContents/tornTail`` and excluded. Anything else that doesn't verify throws
    /// ``JournalError/corrupt(path:line:reason:)`` with the first bad line: the journal is never
    /// silently repaired.
    public static func read(path: String) throws(JournalError) -> JournalContents {
        // Read the anchor before the journal: the writer updates it after the journal, so an anchor
        // read first can only be behind what we then read, never ahead.
        let anchor = JournalLock.readContents(journal: path)?.head
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path)
        } catch {
            if error.isNotFound { throw .notFound(path: path) }
            throw .io(path: path, error)
        }
        return try verify(bytes: bytes, path: path, anchor: anchor)
    }

    /// Whether `path` is a journal whose first record never completed: the process died while creating
    /// it, before anything happened on the platform. Such a file may be replaced by a new run.
    public static func isStillborn(path: String) -> Bool {
        guard let bytes = try? FileIO.read(path) else { return false }
        return !bytes.contains(UInt8(ascii: "\n"))
    }

    /// Verifies journal bytes (see ``read(path:)``).
    public static func verify(
        bytes: [UInt8],
        path: String,
        anchor: JournalLock.Head? = nil
    ) throws(JournalError) -> JournalContents {
        var records: [JournalRecord] = []
        var previousHash: String?
        var lineStart = 0
        var lineNumber = 0
        var torn: TornTail?
        let newline = UInt8(ascii: "\n")
        let decoder = RecordDecoder()

        while lineStart < bytes.count {
            lineNumber += 1
            guard let lineEnd = bytes[lineStart...].firstIndex(of: newline) else {
                torn = TornTail(line: lineNumber, offset: lineStart, length: bytes.count - lineStart)
                break
            }
            let line = Array(bytes[lineStart..<lineEnd])
            let record: JournalRecord
            do {
                record = try decoder.decode(line)
            } catch let error as UnsupportedVersion {
                throw .unsupportedVersion(path: path, line: lineNumber, version: error.version)
            } catch {
                let reason = (error as? RecordDecodingError)?.reason ?? "undecodable"
                throw .corrupt(path: path, line: lineNumber, reason: "not a valid journal record (\(reason))")
            }
            guard record.seq == records.count else {
                throw .corrupt(
                    path: path,
                    line: lineNumber,
                    reason: "record number \(record.seq) where \(records.count) was expected "
                        + "(a line was removed, duplicated or moved)"
                )
            }
            guard record.prev == previousHash else {
                throw .corrupt(
                    path: path,
                    line: lineNumber,
                    reason: "its hash link does not match line \(lineNumber - 1) "
                        + "(a line was edited, removed or moved)"
                )
            }
            if records.isEmpty {
                guard record.type == .plan, let plan = record.data.plan else {
                    throw .corrupt(path: path, line: lineNumber, reason: "the first record must be the plan")
                }
                guard plan.hashIsValid else {
                    throw .corrupt(path: path, line: lineNumber, reason: "the plan's content does not match its hash")
                }
            } else if record.type == .plan {
                throw .corrupt(path: path, line: lineNumber, reason: "a second plan record")
            }
            previousHash = SHA256.hex(line)
            records.append(record)
            lineStart = lineEnd + 1
        }

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
            if anchor.seq > last {
                throw .corrupt(
                    path: path,
                    line: records.count + 1,
                    reason: "the journal ends at record \(last) but record \(anchor.seq) was written "
                        + "(lines were removed from the end)"
                )
            }
            if anchor.seq == last, anchor.hash != previousHash {
                throw .corrupt(
                    path: path,
                    line: records.count,
                    reason: "the last line differs from what was written (it was edited)"
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
        guard let version = try? JSONCoding.decode(VersionOnly.self, from: line) else {
            throw RecordDecodingError(reason: "not JSON with a 'v' field")
        }
        guard version.v == JournalRecord.formatVersion else { throw UnsupportedVersion(version: version.v) }
        do {
            return try JSONCoding.decode(JournalRecord.self, from: line)
        } catch let error as DecodingError {
            throw RecordDecodingError(reason: Self.describe(error))
        }
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
