import Foundation
import RekeyCrypto
import Testing

@testable import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Long journals are decoded and hashed on every core; what they read, and where they fail, is what the
/// line-by-line reading gave.
@Suite struct JournalReaderLargeTests {
    /// A journal of the plan and `count` notes, written by concurrent appenders; returns its path and the
    /// records the writer wrote.
    private func writeJournal(in dir: TemporaryDirectory, notes count: Int) async throws -> (String, [JournalRecord]) {
        let path = dir.file("long.jsonl")
        let lock = try JournalLock.acquire(journal: path, command: "test")
        defer { lock.release() }
        let writer = try await JournalWriter.create(path: path, plan: PlanFixtures.inngest(), lock: lock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for index in stride(from: lane, to: count, by: 16) {
                        try await writer.append(
                            JournalEntry(type: .note, data: RecordData(message: "note \(index) — ✓", durationMs: index))
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        return (path, await writer.allRecords)
    }

    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func readsALongJournalAsWritten() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (path, written) = try await writeJournal(in: dir, notes: 6_000)
        let contents = try JournalReader.read(path: path)
        #expect(contents.records == written)
        #expect(contents.tailAnchored == true)
        #expect(contents.lastLineHash == SHA256.hex(Array((try lines(path).last ?? "").utf8)))
    }

    @Test func reportsTheFirstBrokenLinkOfALongJournal() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (path, _) = try await writeJournal(in: dir, notes: 6_000)
        var text = try lines(path)
        text[4_000] = text[4_000].replacingOccurrences(of: "note ", with: "edit ")
        text[5_000] = text[5_000].replacingOccurrences(of: "note ", with: "edit ")
        try write(text, to: path)
        #expect {
            try JournalReader.read(path: path)
        } throws: { error in
            guard case .corrupt(_, let line, let reason)? = error as? JournalError else { return false }
            return line == 4_002 && reason.contains("hash link")
        }
    }

    @Test func readsLinesTheFastDecoderLeavesToTheCodablePath() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (path, written) = try await writeJournal(in: dir, notes: 5_000)
        // The last line spelled differently, with a key rekey doesn't write (no other line links to it; the
        // lock's anchor would object).
        var text = try lines(path)
        let last = try #require(text.last)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        object["comment"] = "added by hand"
        #expect(JournalLineDecoder.decode(Array(last.utf8)) != nil)
        text[text.count - 1] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self) + " "
        try write(text, to: path)
        try FileManager.default.removeItem(atPath: JournalLock.path(forJournal: path))
        let contents = try JournalReader.read(path: path)
        #expect(contents.records == written)
    }

    @Test func reportsATornTailOfALongJournal() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (path, written) = try await writeJournal(in: dir, notes: 3_000)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"at":"2026"#.utf8))
        try handle.close()
        let contents = try JournalReader.read(path: path)
        #expect(contents.records == written)
        #expect(contents.tornTail?.line == written.count + 1)
    }
}
