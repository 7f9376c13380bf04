import Foundation
import RekeyCore
import RekeySandbox
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Runs `rekey arguments…` to the end without holding a Swift concurrency thread.
private func rekey(_ arguments: [String], environment: [String: String] = [:]) async throws -> RekeyProcess.Result {
    try await offThePool { try RekeyProcess.runBlocking(arguments, environment: environment) }
}

/// The exec target with the built binary and a stand-in deployment tool; `rekey reveal`'s refusals; the
/// seal key's command-line wiring.
@Suite struct SecretTargetsEndToEndTests {
    /// A sandbox whose `worker` app is behind the stand-in deployment tool.
    private static func execSandbox() throws -> SandboxFixture {
        let sandbox = try SandboxFixture(apps: 2, eventKeys: 2)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/stand-in-deploy.sh"
        try FileManager.default.copyItem(atPath: source, toPath: sandbox.directory + "/stand-in-deploy.sh")
        chmod(sandbox.directory + "/stand-in-deploy.sh", 0o700)
        let eventKey = try sandbox.state().eventKeys[1].name
        let text = """
            {
              "version": 1,
              "platform": {"kind": "sandbox", "settings": {"state": "sandbox.json"}},
              "environment": "production",
              "apps": [
                {"name": "api", "target": {"kind": "dotenv", "path": "apps/api.env"}},
                {"name": "worker", "eventKey": "\(eventKey)",
                 "target": {"kind": "exec",
                            "set": ["./stand-in-deploy.sh", "store", "apps/worker.env", "set", "{name}"],
                            "unset": ["./stand-in-deploy.sh", "store", "apps/worker.env", "unset", "{name}"]}}
              ],
              "options": {"confirmRedeploy": {"timeout": "5s", "interval": "0.2s"}}
            }
            """
        try text.write(toFile: sandbox.playbook, atomically: true, encoding: .utf8)
        return sandbox
    }

    @Test func anExecTargetRotatesThroughTheToolAndAFailingCommandStopsTheRunResumably() async throws {
        let sandbox = try Self.execSandbox()
        defer { sandbox.remove() }
        let invariants = try RotationInvariants(fixture: sandbox)

        let failed = try await rekey(
            ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"],
            environment: ["STAND_IN_FAIL": "INNGEST_EVENT_KEY"])
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stdout.contains("stage-event-keys/worker failed: exec target of app 'worker'"), "\(failed)")
        #expect(failed.stdout.contains("The journal is consistent; fix the cause, then resume."), "\(failed)")
        let state = try sandbox.state()
        #expect(state.signingKeys.count == 2, "nothing past the failing step ran")
        let status = try await rekey(["status", sandbox.journal])
        #expect(status.stdout.contains("rekey resume \(sandbox.journal)"), "\(status)")

        let resumed = try await rekey(["resume", sandbox.journal, "--approve", "rotate-signing-key"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try invariants.violations(fixture: sandbox) == [])

        // The tool got every value on stdin (the failed attempt's too), and only names on its command line.
        let store = sandbox.directory + "/store"
        let values = try FileManager.default.contentsOfDirectory(atPath: store + "/stdin").map {
            try String(contentsOfFile: store + "/stdin/" + $0, encoding: .utf8)
        }
        let after = try sandbox.state()
        let newSigning = try #require(after.activeSigningKey).key.exposeValue()
        #expect(values.contains(newSigning))
        #expect(values.contains(try #require(state.activeSigningKey).key.exposeValue()), "the fallback")
        #expect(values.contains { value in after.eventKeys.contains { $0.key.exposeValue() == value } })
        let received = try String(contentsOfFile: store + "/received.log", encoding: .utf8)
        let commands = received.split(separator: "\n").filter { $0.hasPrefix("argv:") }
        #expect(commands.contains("argv: store apps/worker.env unset INNGEST_SIGNING_KEY_FALLBACK"))
        #expect(commands.filter { $0.hasSuffix(" set INNGEST_EVENT_KEY") }.count == 2, "failed once, then set")
        var scan = SecretScan()
        scan.add(values)
        scan.search("received.log", received)
        #expect(scan.hits.isEmpty, "\(scan.hits)")
    }

    @Test func revealRefusesWithoutATerminal() async throws {
        let sandbox = try Self.execSandbox()
        defer { sandbox.remove() }
        _ = try await rekey([
            "run", sandbox.playbook, "--journal", sandbox.journal, "--until", "stage-signing-keys",
        ])
        let before = try FileIO.read(sandbox.journal)
        let result = try await rekey(["reveal", sandbox.journal, "--app", "api", "--var", "INNGEST_SIGNING_KEY"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("rekey reveal shows a secret only on a terminal, and standard input is not one"))
        #expect(result.stdout.isEmpty)
        #expect(try FileIO.read(sandbox.journal) == before, "a refused reveal was journaled")
        let missing = try await rekey(["reveal", sandbox.journal, "--var", "INNGEST_SIGNING_KEY"])
        #expect(missing.status == 64, "\(missing)")
        #expect(missing.stderr.contains("--app"), "\(missing)")
    }

    @Test func aSealKeyFileOthersCanReadIsRefusedBeforeAnything() async throws {
        let sandbox = try Self.execSandbox()
        defer { sandbox.remove() }
        let key = sandbox.directory + "/seal.key"
        try Data(Data(repeating: 5, count: 32).base64EncodedString().utf8).write(to: URL(fileURLWithPath: key))
        chmod(key, 0o644)
        let open = try await rekey(["run", sandbox.playbook, "--journal", sandbox.journal, "--seal-key-file", key])
        #expect(open.status == 64, "\(open)")
        #expect(
            open.stderr.contains(
                "seal key file '\(key)' has mode 0644; others may read it, so rekey refuses it: "
                    + "run 'chmod 600 \(key)'"), "\(open)")
        #expect(!FileIO.exists(sandbox.journal))

        let garbage = try await rekey(
            ["run", sandbox.playbook, "--journal", sandbox.journal], environment: ["REKEY_SEAL_KEY": "not a key"])
        #expect(garbage.status == 64, "\(garbage)")
        #expect(garbage.stderr.contains("REKEY_SEAL_KEY is not base64"), "\(garbage)")
        #expect(!garbage.stderr.contains("not a key"), "the key's text was echoed")

        chmod(key, 0o600)
        let accepted = try await rekey(
            [
                "run", sandbox.playbook, "--journal", sandbox.journal, "--seal-key-file", key, "--until",
                "stage-signing-keys",
            ])
        #expect(accepted.status == 0, "\(accepted)")
    }
}

/// Where rekey puts a journal when not told: next to the playbook, in a directory only the owner can list.
@Suite struct DefaultJournalFilesEndToEndTests {
    @Test func theDefaultJournalDirectoryAndItsFilesAreOwnerOnly() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let result = try await rekey(["run", sandbox.playbook, "--until", "stage-signing-keys"])
        #expect(result.status == 0, "\(result)")
        let directory = sandbox.directory + "/.rekey"
        #expect(try FileIO.mode(directory) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.contains { $0.hasSuffix(".jsonl") } && files.contains { $0.hasSuffix(".jsonl.lock") }, "\(files)")
        for file in files { #expect(try FileIO.mode(directory + "/" + file) == 0o600, "\(file)") }
    }
}
