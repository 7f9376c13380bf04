import Foundation
import RekeyCore
import RekeySandbox
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Full rotations with the built binary over the three target kinds (a dotenv file, a deployment tool
/// behind an exec target, a manual target a person sets with `rekey reveal`), with a failing deployment
/// command on the way, then a search of everything rekey printed or wrote for every key of the run.
///
/// Excluded from the search, because that is where the values belong: the sandbox state (the platform's
/// database), the apps' dotenv files (the targets), what the deployment tool read on stdin, and the
/// terminal transcript of `rekey reveal` (which shows a value on purpose). Everything else is searched:
/// stdout and stderr of every command, the journal, its lock file, the saved plan, the argv and
/// environment the deployment tool received, the HTTP server's log, and any other file left behind.
@Suite(.serialized) struct SecretScanEndToEndTests {
    @Test func aRotationOnTheInProcessSandboxLeaksNoSecret() async throws {
        let scenario = try await ScanScenario(http: false)
        defer { scenario.tearDown() }
        try await scenario.rotateAndScan()
    }

    @Test func aRotationOverHTTPLeaksNoSecret() async throws {
        let scenario = try await ScanScenario(http: true)
        defer { scenario.tearDown() }
        try await scenario.rotateAndScan()
    }
}

/// A sandbox with three apps (`api`: dotenv, `worker`: exec through the stand-in tool, `billing`: manual),
/// served over HTTP or used in-process, and the rotation a person and a CI job would run over it.
final class ScanScenario: @unchecked Sendable {
    // Invariant: used by one test at a time (the suite is serialized); `outputs` grows only from that test.
    let sandbox: SandboxFixture
    let http: Bool
    let server: LoggedProcess?
    let credentials: [String: String]
    private(set) var outputs: [(label: String, text: String)] = []
    private(set) var transcripts: [String] = []

    var playbook: String { sandbox.directory + "/scan.json" }
    var plan: String { sandbox.directory + "/plan.json" }
    var journal: String { sandbox.journal }
    var store: String { sandbox.directory + "/deploy-store" }
    var tool: String { sandbox.directory + "/stand-in-deploy.sh" }

    /// The approvals a CI job passes on every command. Over HTTP nothing can inspect the apps, so the
    /// gate and the manual changes are confirmed by flag (a confirmation counts only once rekey asked).
    var approvals: [String] {
        let steps =
            http
            ? ["rotate-signing-key", "confirm-redeploy", "stage-signing-keys", "stage-event-keys", "drop-fallback"]
            : ["rotate-signing-key"]
        return steps.flatMap { ["--approve", $0] }
    }

    init(http: Bool) async throws {
        self.http = http
        sandbox = try SandboxFixture(apps: 3, eventKeys: 2)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/stand-in-deploy.sh"
        try FileManager.default.copyItem(atPath: source, toPath: sandbox.directory + "/stand-in-deploy.sh")
        chmod(sandbox.directory + "/stand-in-deploy.sh", 0o700)
        var serverURL: String?
        if http {
            let server = try LoggedProcess(
                RekeyProcess.executable, ["sandbox", "serve", sandbox.directory],
                environment: RekeyProcess.environment(), log: sandbox.directory + "/serve.log")
            self.server = server
            serverURL = try await server.waitForOutput(matching: #"http://127\.0\.0\.1:[0-9]+"#)
            let state = try sandbox.state()
            credentials = [
                "INNGEST_API_KEY": try #require(state.apiKey).exposeValue(),
                "INNGEST_SESSION_TOKEN": try #require(state.sessionToken).exposeValue(),
            ]
        } else {
            server = nil
            credentials = [:]
        }
        try writePlaybook(serverURL: serverURL)
        // An existing target file keeps its mode (and owner) through every rewrite.
        chmod(sandbox.envFile("api"), 0o640)
    }

    func tearDown() {
        server?.stop()
        sandbox.remove()
    }

    private func writePlaybook(serverURL: String?) throws {
        let state = try sandbox.state()
        let names = state.eventKeys.map(\.name)
        let platform =
            serverURL.map { url in
                #"{"kind": "inngest", "settings": {"apiURL": "\#(url)", "graphqlURL": "\#(url)/gql", "#
                    + #""apiKeyEnv": "INNGEST_API_KEY", "sessionTokenEnv": "INNGEST_SESSION_TOKEN"}}"#
            } ?? #"{"kind": "sandbox", "settings": {"state": "sandbox.json"}}"#
        let verify = http ? "approval" : "platform"
        let text = """
            {
              "version": 1,
              "name": "secret scan",
              "platform": \(platform),
              "environment": "production",
              "procedure": "inngest",
              "apps": [
                {"name": "api", "target": {"kind": "dotenv", "path": "apps/api.env"}, "verify": {"kind": "\(verify)"}},
                {"name": "worker", "eventKey": "\(names[1])", "verify": {"kind": "\(verify)"},
                 "target": {"kind": "exec", "timeout": "20s",
                            "set": ["./stand-in-deploy.sh", "deploy-store", "apps/worker.env", "set", "{name}"],
                            "unset": ["./stand-in-deploy.sh", "deploy-store", "apps/worker.env", "unset", "{name}"]}},
                {"name": "billing", "eventKey": "\(names[0])", "verify": {"kind": "\(verify)"},
                 "target": {"kind": "manual", "where": "the billing dashboard"}}
              ],
              "options": {
                "concurrency": 1,
                "confirmRedeploy": {"timeout": "5s", "interval": "0.2s"},
                "requireApproval": ["rotate-signing-key"]
              }
            }
            """
        try text.write(toFile: playbook, atomically: true, encoding: .utf8)
    }

    // MARK: - The rotation

    func rotateAndScan() async throws {
        let before = try sandbox.state()
        let invariants = try RotationInvariants(fixture: sandbox)

        // A reviewer freezes the plan.
        let planned = try await rekey(["plan", playbook, "--out", plan])
        #expect(planned.status == 0, "\(planned)")

        // The deployment tool rejects the fallback: the run stops cleanly, with the tool's output scrubbed.
        let failed = try await rekey(
            ["run", playbook, "--journal", journal, "--non-interactive"] + approvals,
            extra: ["STAND_IN_FAIL": "INNGEST_SIGNING_KEY_FALLBACK"])
        #expect(failed.status == 1, "\(failed)")
        let failure = failed.stdout + failed.stderr
        #expect(failure.contains("stage-signing-keys/worker failed: exec target of app 'worker'"), "\(failed)")
        #expect(failure.contains("stand-in: payload <redacted>"), "\(failed)")
        #expect(failure.contains("stand-in: bytes <redacted>"), "\(failed)")
        let failedRecord = try #require(try JournalReader.read(path: journal).records.last { $0.type == .failed })
        #expect(failedRecord.item == "worker")
        #expect(failedRecord.data.error?.contains("<redacted>") == true)
        #expect(try await rekey(["status", journal]).status == 0)

        // Resumed once the tool works again: the worker gets its keys; billing waits for a person.
        try expectManualPause(
            try await rekey(["resume", journal, "--non-interactive"] + approvals), step: "stage-signing-keys")
        try setByHand(InngestVariables.signingKey, await reveal(InngestVariables.signingKey))
        try setByHand(InngestVariables.signingKeyFallback, await reveal(InngestVariables.signingKeyFallback))

        try expectManualPause(
            try await rekey(["resume", journal, "--non-interactive"] + approvals), step: "stage-event-keys")
        try setByHand(InngestVariables.eventKey, await reveal(InngestVariables.eventKey))

        try expectManualPause(
            try await rekey(["resume", journal, "--non-interactive"] + approvals), step: "drop-fallback")
        try setByHand(InngestVariables.signingKeyFallback, nil)

        let finished = try await rekey(["resume", journal, "--non-interactive"] + approvals)
        #expect(finished.status == 0, "\(finished)")
        #expect(try invariants.violations(fixture: sandbox) == [])

        // The audit trail, as a reviewer would read it.
        for arguments in [
            ["log", journal], ["log", journal, "--json"], ["log", journal, "--verify"], ["status", journal, "--json"],
            ["explain", journal],
        ] {
            #expect(try await rekey(arguments).status == 0)
        }
        let reveals = try JournalReader.read(path: journal).records.filter { $0.type == .reveal }
        #expect(
            reveals.map(\.data.variable) == [
                InngestVariables.signingKey, InngestVariables.signingKeyFallback, InngestVariables.eventKey,
            ])
        #expect(reveals.allSatisfy { $0.item == "billing" && $0.data.by != nil && $0.data.fingerprint != nil })

        try checkFiles()
        try scan(before: before)
    }

    /// A resume that stops because billing's manual target waits at `step`.
    private func expectManualPause(_ result: RekeyProcess.Result, step: String) throws {
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout.contains("Paused at \(step): app 'billing' waits for a person"), "\(result)")
    }

    /// Runs `rekey` to the end and keeps its output for the scan.
    @discardableResult
    func rekey(_ arguments: [String], extra: [String: String] = [:]) async throws -> RekeyProcess.Result {
        let environment = credentials.merging(extra) { $1 }
        let result = try await offThePool { try RekeyProcess.runBlocking(arguments, environment: environment) }
        outputs.append(("rekey \(arguments.joined(separator: " ")) (stdout)", result.stdout))
        outputs.append(("rekey \(arguments.joined(separator: " ")) (stderr)", result.stderr))
        return result
    }

    /// `rekey reveal` on a pseudo-terminal (through `script`), answering its confirmation: the person's
    /// way to see a value. The transcript shows the value on purpose and is not scanned.
    private func reveal(_ variable: String) async throws -> Secret {
        let command = [RekeyProcess.executable, "reveal", journal, "--app", "billing", "--var", variable]
            .map { "'" + $0 + "'" }.joined(separator: " ")
        let environment = RekeyProcess.environment(credentials)
        let (transcript, status) = try await offThePool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command, "/dev/null"]
            process.environment = environment
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data("billing\n".utf8))
            let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            try? input.fileHandleForWriting.close()
            return (transcript, process.terminationStatus)
        }
        transcripts.append(transcript)
        #expect(status == 0, "\(transcript)")
        let lines = transcript.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard
            let marker = lines.firstIndex(where: {
                $0.contains("\(variable) for app 'billing' (fingerprint") && $0.hasSuffix("):")
            }),
            marker + 1 < lines.count
        else {
            throw FixtureError(message: "reveal showed no value:\n\(transcript)")
        }
        return Secret(lines[marker + 1])
    }

    /// The person changes billing's configuration in "the billing dashboard" (its dotenv file here).
    private func setByHand(_ name: String, _ value: Secret?) throws {
        let path = sandbox.envFile("billing")
        var document = DotenvDocument(parsing: try FileIO.readText(path))
        if let value { document.set(name, to: value.exposeValue(), after: nil) } else { document.remove(name) }
        try FileIO.writeAtomically(Array(document.text.utf8), to: path)
    }

    // MARK: - Checks

    /// Files rekey created are 0600, target files keep their mode, no temporary file is left behind.
    private func checkFiles() throws {
        for path in [journal, JournalLock.path(forJournal: journal), plan] {
            #expect(try FileIO.mode(path) == 0o600, "\(path)")
        }
        #expect(try FileIO.mode(sandbox.envFile("api")) == 0o640)
        let leftovers = try sandbox.files().keys.filter { FileIO.baseName(of: $0).contains(".rekey-") }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
    }

    /// Searches everything but the excluded files for every key the platform held before or after.
    private func scan(before: SandboxState) throws {
        let after = try sandbox.state()
        var scan = SecretScan()
        let keys =
            before.signingKeys.map(\.key) + before.eventKeys.map(\.key) + after.signingKeys.map(\.key)
            + after.eventKeys.map(\.key)
        scan.add(keys.map { $0.exposeValue() })
        // Six keys (two signing keys, four event keys), and the two signing keys' hashed forms: the hashed
        // signing key is the Bearer token of Inngest's API, so only its 12-character prefix may show.
        scan.add((before.signingKeys + after.signingKeys).compactMap { InngestSigningKey.hashed($0.key) })
        #expect(scan.secretCount == 8, "\(scan.summary)")

        for (label, text) in outputs { scan.search(label, text) }
        let excluded: (String) -> Bool = { relative in
            relative == "sandbox.json" || relative.hasPrefix("apps/") || relative.hasPrefix("deploy-store/stdin/")
                || relative == "stand-in-deploy.sh"
        }
        let files = try sandbox.files().filter { !excluded($0.key) }
        for (relative, bytes) in files.sorted(by: { $0.key < $1.key }) { scan.search(relative, bytes) }
        for required in ["rotation.jsonl", "rotation.jsonl.lock", "plan.json", "deploy-store/received.log"] {
            #expect(files[required] != nil, "\(required) was not scanned")
        }
        if http {
            #expect(files["serve.log"] != nil, "the server log was not scanned")
            let received = try String(contentsOfFile: store + "/received.log", encoding: .utf8)
            for (name, value) in credentials {
                #expect(!received.contains(value), "the deployment tool received \(name)")
            }
        }
        // The values did reach the places they belong.
        let stdin = try FileManager.default.contentsOfDirectory(atPath: store + "/stdin").map {
            try String(contentsOfFile: store + "/stdin/" + $0, encoding: .utf8)
        }
        #expect(stdin.contains(try #require(after.activeSigningKey).key.exposeValue()))
        #expect(transcripts.count == 3 && transcripts.allSatisfy { !$0.isEmpty })

        // Control: the same search does find the values where they belong, so zero hits above means something.
        var control = SecretScan()
        control.add(keys.map { $0.exposeValue() })
        try control.search(file: sandbox.envFile("api"))
        try control.search(file: sandbox.envFile("worker"))
        for (index, transcript) in transcripts.enumerated() { control.search("reveal \(index)", transcript) }
        #expect(Set(control.hits.map(\.source)).count == 2 + transcripts.count, "\(control.hits)")

        print(scan.summary + (http ? " (HTTP sandbox)" : " (in-process sandbox)"))
        #expect(scan.bytesSearched > 0)
        #expect(scan.needleCount > 0)
        #expect(scan.hits.isEmpty, "\(scan.hits.map(\.description).joined(separator: "\n"))")
    }
}
