import Foundation
import RekeyCrypto
import Testing

@testable import RekeyCore

/// The playbook, plan and journal parsers survive 10,000 mutated inputs each: only clean errors, no
/// crash, no hang. The inputs are generated deterministically from fixed seeds.
@Suite struct ParserFuzzTests {
    static let cases = 10_000

    /// A valid playbook whose files exist in `directory`.
    private static func playbook(in directory: TemporaryDirectory) throws -> [UInt8] {
        try "INNGEST_SIGNING_KEY=x\n".write(toFile: directory.file("api.env"), atomically: true, encoding: .utf8)
        try "INNGEST_SIGNING_KEY=x\n".write(toFile: directory.file("worker.env"), atomically: true, encoding: .utf8)
        try "{}".write(toFile: directory.file("sandbox.json"), atomically: true, encoding: .utf8)
        let text = """
            {"version": 1, "name": "fuzz", "platform": {"kind": "sandbox", "settings": {"state": "sandbox.json"}},
             "environment": "production", "procedure": "inngest",
             "apps": [{"name": "api", "target": {"kind": "dotenv", "path": "api.env"}, "verify": {"kind": "platform"}},
                      {"name": "worker", "target": {"kind": "dotenv", "path": "worker.env"}, "eventKey": "Default"}],
             "options": {"keyName": "{name} (rotated {date})", "concurrency": 4,
                         "confirmRedeploy": {"mode": "verify", "timeout": "10m", "interval": "2s"},
                         "requireApproval": ["rotate-signing-key"]}}
            """
        return Array(text.utf8)
    }

    @Test func playbookLoaderSurvivesMutatedInputs() throws {
        let directory = try TemporaryDirectory("rekey-fuzz")
        defer { directory.remove() }
        let valid = try Self.playbook(in: directory)
        let path = directory.file("playbook.json")
        _ = try PlaybookLoader.load(bytes: valid, path: path)
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var mutator = Mutator(seed: 0x9_1a7b00c)
        var rejected = 0
        for _ in 0..<Self.cases {
            let input = mutator.mutate(valid)
            do {
                _ = try PlaybookLoader.load(bytes: input, path: path)
            } catch {
                rejected += 1
                let message = "\(error)"
                #expect(message.hasPrefix("playbook '"), "error does not name the playbook: \(message)")
            }
        }
        print("fuzz: playbook loader: \(Self.cases) inputs, \(rejected) rejected with clean errors")
        #expect(rejected > Self.cases / 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
    }

    @Test func planDecoderSurvivesMutatedInputs() throws {
        let valid = JSONCoding.canonicalBytes(
            PlanFixtures.inngest(apps: ["a", "b", "c"], eventKeys: ["ek_1", "ek_2"]))
        var mutator = Mutator(seed: 0x91a4)
        var rejected = 0
        for _ in 0..<Self.cases {
            let input = mutator.mutate(valid)
            if let plan = try? JSONCoding.decode(RotationPlan.self, from: input) {
                // A plan that decodes must still be caught by its hash unless nothing that counts changed.
                if !plan.hashIsValid { rejected += 1 }
            } else {
                rejected += 1
            }
        }
        print("fuzz: plan decoder: \(Self.cases) inputs, \(rejected) rejected")
        #expect(rejected > Self.cases * 9 / 10)
    }

    @Test func journalReaderSurvivesMutatedInputs() async throws {
        let directory = try TemporaryDirectory("rekey-fuzz-journal")
        defer { directory.remove() }
        let path = directory.file("r.jsonl")
        let lock = try JournalLock.acquire(journal: path, command: "fuzz")
        let writer = try await JournalWriter.create(path: path, plan: PlanFixtures.inngest(), lock: lock)
        try await writer.append(JournalEntry(type: .stepStarted, step: .createSigningKey))
        try await writer.append(JournalEntry(type: .intent, step: .createSigningKey, item: "signing-key"))
        try await writer.append(
            JournalEntry(
                type: .done,
                step: .createSigningKey,
                item: "signing-key",
                data: RecordData(outcome: ItemOutcome(keyID: "sk_1", fingerprint: Fingerprint(hex: "0123456789ab")))
            )
        )
        let valid = try FileIO.read(path)
        let intact = try JournalReader.verify(bytes: valid, path: path)
        let anchor = JournalLock.Head(seq: intact.records.count - 1, hash: intact.lastLineHash ?? "")
        var mutator = Mutator(seed: 0x1a7)
        var accepted = 0
        var failedClosed = 0
        for _ in 0..<Self.cases {
            let input = mutator.mutate(valid)
            do {
                let contents = try JournalReader.verify(bytes: input, path: path, anchor: anchor)
                // With the tail anchored, anything accepted is the intact journal (plus a torn line).
                #expect(contents.records == intact.records)
                _ = try? RotationSession.replay(contents)
                accepted += 1
            } catch {
                failedClosed += 1
                #expect(Self.namesALine(error), "unexpected journal error: \(error)")
            }
        }
        print(
            "fuzz: journal reader: \(Self.cases) inputs, \(failedClosed) failed closed, \(accepted) accepted as an intact prefix"
        )
        #expect(failedClosed > Self.cases / 2)
    }

    /// Whether `error` is a journal error that names a line (the fail-closed kinds).
    private static func namesALine(_ error: any Error) -> Bool {
        guard let error = error as? JournalError else { return false }
        if case .corrupt(_, let line, _) = error { return line >= 1 }
        if case .unsupportedVersion(_, let line, _) = error { return line >= 1 }
        return false
    }

    @Test func jsonParserHandlesPathologicalNesting() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 200_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(deep) }
    }
}
