import Foundation
import RekeyCrypto
import Testing

@testable import RekeyCore

@Suite struct JournalTests {
    /// Writes a journal with the plan and `count` notes; returns its path.
    private func writeJournal(in dir: TemporaryDirectory, notes count: Int = 3) async throws -> String {
        let path = dir.file("r.jsonl")
        let lock = try JournalLock.acquire(journal: path, command: "test")
        let writer = try await JournalWriter.create(path: path, plan: PlanFixtures.inngest(), lock: lock)
        for i in 0..<count {
            try await writer.append(JournalEntry(type: .note, data: RecordData(message: "note \(i)")))
        }
        return path
    }

    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
    }

    private func write(_ lines: [String], to path: String) throws {
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func writtenJournalReadsBackWithValidChainAndMode0600() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        let contents = try JournalReader.read(path: path)
        #expect(contents.records.count == 4)
        #expect(contents.records.map(\.seq) == [0, 1, 2, 3])
        #expect(contents.records[0].prev == nil)
        #expect(contents.records[1].prev != nil)
        #expect(contents.plan == PlanFixtures.inngest())
        #expect(contents.tornTail == nil)
        #expect(contents.tailAnchored == true)
        #expect(try FileIO.mode(path) == 0o600)
        #expect(try FileIO.mode(JournalLock.path(forJournal: path)) == 0o600)
    }

    @Test func concurrentAppendsAreAllDurableAndChained() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("r.jsonl")
        let lock = try JournalLock.acquire(journal: path, command: "test")
        let writer = try await JournalWriter.create(path: path, plan: PlanFixtures.inngest(), lock: lock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask { try await writer.append(JournalEntry(type: .note, data: RecordData(message: "\(i)"))) }
            }
            try await group.waitForAll()
        }
        let contents = try JournalReader.read(path: path)
        #expect(contents.records.count == 201)
        #expect(Set(contents.records.dropFirst().compactMap(\.data.message)).count == 200)
    }

    @Test(arguments: [1, 2, 3])
    func editingAnyLineIsDetectedAtThatLineOrTheNext(line index: Int) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        var all = try lines(path)
        all[index] = all[index].replacingOccurrences(of: "note", with: "n0te")
        try write(all, to: path)
        #expect {
            try JournalReader.read(path: path)
        } throws: { error in
            guard case JournalError.corrupt(_, let line, _) = error else { return false }
            // Line numbers are 1-based: editing record i is seen at line i+1 (anchor) or i+2 (chain).
            return line == index + 1 || line == index + 2
        }
    }

    @Test func editingThePlanIsDetected() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        var all = try lines(path)
        all[0] = all[0].replacingOccurrences(of: "sk_old", with: "sk_new")
        try write(all, to: path)
        #expect(throws: JournalError.corrupt(path: path, line: 1, reason: "the plan's content does not match its hash"))
        {
            try JournalReader.read(path: path)
        }
    }

    @Test(arguments: [1, 2, 3])
    func deletingAnyLineIsDetected(line index: Int) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        var all = try lines(path)
        all.remove(at: index)
        try write(all, to: path)
        #expect(throws: JournalError.self) { try JournalReader.read(path: path) }
    }

    @Test func reorderingLinesIsDetected() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        var all = try lines(path)
        all.swapAt(1, 2)
        try write(all, to: path)
        #expect {
            try JournalReader.read(path: path)
        } throws: { error in
            if case JournalError.corrupt(_, 2, _) = error { return true }
            return false
        }
    }

    @Test func tornLastLineIsReportedAndCutOnResume() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        let intact = try FileIO.read(path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        let torn = #"{"v":1,"seq":4,"at":"2026"#
        try handle.write(contentsOf: Data(torn.utf8))
        try handle.close()

        let contents = try JournalReader.read(path: path)
        #expect(contents.records.count == 4)
        #expect(contents.tornTail == TornTail(line: 5, offset: intact.count, length: torn.utf8.count))

        let lock = try JournalLock.acquire(journal: path, command: "test")
        let writer = try await JournalWriter.open(contents, lock: lock)
        try await writer.append(JournalEntry(type: .note, data: RecordData(message: "after")))
        let reread = try JournalReader.read(path: path)
        #expect(reread.tornTail == nil)
        #expect(reread.records.count == 6)
        #expect(reread.records[4].data.message?.contains("torn") == true)
    }

    @Test func unsupportedVersionFailsClosed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir, notes: 1)
        var all = try lines(path)
        all[1] = all[1].replacingOccurrences(of: "\"v\":1", with: "\"v\":2")
        try write(all, to: path)
        #expect(throws: JournalError.unsupportedVersion(path: path, line: 2, version: 2)) {
            try JournalReader.read(path: path)
        }
    }

    @Test func secondLockOnTheSameJournalNamesTheHolder() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("r.jsonl")
        let held = try JournalLock.acquire(journal: path, command: "run")
        #expect {
            try JournalLock.acquire(journal: path, command: "resume")
        } throws: { error in
            guard case JournalError.locked(_, let holder?) = error else { return false }
            return holder.pid == getpid() && holder.command == "run"
        }
        _ = held
    }

    @Test func aSecondLockThroughAnotherNameOfTheSameFileNamesTheHolder() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        let other = dir.file("other-name.jsonl")
        #expect(link(path, other) == 0)
        let held = try JournalLock.acquire(existingJournal: path, command: "resume")
        #expect {
            try JournalLock.acquire(existingJournal: other, command: "resume")
        } throws: { error in
            guard case JournalError.locked(_, let holder?) = error else { return false }
            return holder.pid == getpid() && holder.command == "resume"
        }
        held.release()
        _ = try JournalLock.acquire(existingJournal: other, command: "resume")
    }

    @Test func aLockFileThatIsALinkIsRefusedAndItsTargetLeftAlone() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        let victim = dir.file("victim.txt")
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let fresh = dir.file("new.jsonl")
        let plants: [@Sendable (String) -> Int32] = [{ symlink(victim, $0) }, { link(victim, $0) }]
        for plant in plants {
            for lock in [JournalLock.path(forJournal: path), JournalLock.path(forJournal: fresh)] {
                try? FileManager.default.removeItem(atPath: lock)
                #expect(plant(lock) == 0)
            }
            #expect {
                try JournalLock.acquire(existingJournal: path, command: "resume")
            } throws: { error in
                guard case JournalError.unsafeLockFile(let named, _) = error else { return false }
                return named == JournalLock.path(forJournal: path)
            }
            #expect(throws: JournalError.self) { try JournalLock.acquire(journal: fresh, command: "run") }
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        }
    }

    @Test func aLockFileIsMadeOwnerOnly() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        chmod(JournalLock.path(forJournal: path), 0o666)
        _ = try JournalLock.acquire(existingJournal: path, command: "resume")
        #expect(try FileIO.mode(JournalLock.path(forJournal: path)) == 0o600)
    }

    @Test func lockingAJournalThatIsNotThereCreatesNoLockFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: JournalError.notFound(path: dir.file("r.jsonl"))) {
            try JournalLock.acquire(existingJournal: dir.file("r.jsonl"), command: "resume")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// The anchor names a record by seq and hash: whatever the journal's length, that record must match.
    @Test(arguments: [0, 1, 2])
    func anAnchorThatDoesNotMatchItsRecordFailsClosed(seq: Int) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir, notes: 3)
        let bytes = try FileIO.read(path)
        let wrong = JournalLock.Head(seq: seq, hash: String(repeating: "0", count: 64))
        #expect {
            try JournalReader.verify(bytes: bytes, path: path, anchor: wrong)
        } throws: { error in
            guard case JournalError.corrupt(_, let line, _) = error else { return false }
            return line == seq + 1
        }
        let lines = try lines(path)
        let right = JournalLock.Head(seq: seq, hash: SHA256.hex(Array(lines[seq].utf8)))
        #expect(try JournalReader.verify(bytes: bytes, path: path, anchor: right).tailAnchored == true)
        let beyond = JournalLock.Head(seq: 4, hash: right.hash)
        #expect(throws: JournalError.self) { try JournalReader.verify(bytes: bytes, path: path, anchor: beyond) }
    }

    @Test func aJournalOverItsSizeCapIsRefusedUnread() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        let size = try FileIO.read(path).count
        #expect(try JournalReader.read(path: path, limit: size).records.count == 4)
        #expect {
            try JournalReader.read(path: path, limit: size - 1)
        } throws: { error in
            guard case JournalError.unusableFile(_, let cause) = error else { return false }
            return cause.problem == .tooLarge(limit: size - 1)
        }
    }

    @Test func creatingOverAnExistingJournalIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try await writeJournal(in: dir)
        let lock = try JournalLock.acquire(journal: path + ".other", command: "test")
        await #expect(throws: JournalError.alreadyExists(path: path)) {
            try await JournalWriter.create(path: path, plan: PlanFixtures.inngest(), lock: lock)
        }
    }

    @Test func crashBeforeARecordLeavesItOffDisk() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("r.jsonl")
        let lock = try JournalLock.acquire(journal: path, command: "test")
        let writer = try await JournalWriter.create(
            path: path,
            plan: PlanFixtures.inngest(),
            lock: lock,
            faults: FaultInjector { point in
                if point == .beforeRecord(2) { throw SimulatedCrash(point: point) }
            }
        )
        try await writer.append(JournalEntry(type: .note))
        await #expect(throws: SimulatedCrash.self) { try await writer.append(JournalEntry(type: .note)) }
        #expect(try JournalReader.read(path: path).records.count == 2)
    }

    @Test func recordsRoundTripThroughJSON() throws {
        let record = JournalRecord(
            seq: 3,
            at: Timestamp(millisecondsSinceEpoch: 1_764_000_000_123),
            type: .done,
            step: .stageSigningKeys,
            item: "api",
            data: RecordData(
                outcome: ItemOutcome(
                    keyID: "sk_1",
                    fingerprint: Fingerprint(hex: "0123456789ab"),
                    variables: [
                        "INNGEST_SIGNING_KEY": Fingerprint(hex: "0123456789ab"), "INNGEST_SIGNING_KEY_FALLBACK": nil,
                    ]
                ),
                adopted: true
            ),
            prev: "ff"
        )
        let bytes = JSONCoding.canonicalBytes(record)
        #expect(try JSONCoding.decode(JournalRecord.self, from: bytes) == record)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""at":"2025-11-24T16:00:00.123Z""#))
    }

    @Test(arguments: ["2026-11-23T13:33:46.123Z", "1970-01-01T00:00:00.000Z", "2024-02-29T23:59:59.999Z"])
    func timestampsRoundTrip(text: String) throws {
        let stamp = try #require(Timestamp(parsing: text))
        #expect(stamp.description == text)
    }
}
