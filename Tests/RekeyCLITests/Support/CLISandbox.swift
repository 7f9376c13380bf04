import Foundation
import RekeyCore
import RekeySandbox
import Testing

@testable import RekeyCLI

/// A sandbox (platform state, apps' dotenv files, playbook) in a fresh temporary directory, and `rekey`
/// run in-process against it with a recorded terminal: standard input is not a terminal, as in CI.
struct CLISandbox {
    let directory: String
    let scaffold: SandboxScaffold.Result

    var playbook: String { scaffold.playbookPath }
    var journal: String { directory + "/rotation.jsonl" }
    var store: SandboxStore { SandboxStore(path: scaffold.statePath) }

    /// What one `rekey` invocation did.
    struct Result: CustomStringConvertible {
        var code: ExitCode
        var stdout: String
        var stderr: String

        /// Standard output's lines, each parsed as a JSON object (a line that isn't one is recorded as
        /// `nil`, so a test can fail on it).
        var jsonLines: [JSONObject?] {
            stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
                (try? JSONValue.parse(String(line)))?.objectValue
            }
        }

        var description: String { "exit \(code.rawValue)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
    }

    /// Runs `body` with a new sandbox, removed afterwards.
    @discardableResult
    static func with<R>(
        apps: Int = 3,
        eventKeys: Int = 2,
        autoRedeploy: Bool = true,
        _ body: (CLISandbox) async throws -> R
    ) async throws -> R {
        let directory =
            FileManager.default.temporaryDirectory.path + "/rekey-cli-" + UUID().uuidString.prefix(8).lowercased()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scaffold = try SandboxScaffold.create(
            directory: directory + "/sandbox", apps: apps, eventKeys: eventKeys, autoRedeploy: autoRedeploy)
        return try await body(CLISandbox(directory: directory, scaffold: scaffold))
    }

    /// Runs `rekey arguments…` in-process.
    @discardableResult
    func rekey(_ arguments: [String], environment: [String: String] = [:], clock: EngineClock = .system) async
        -> Result
    {
        var env = ["USER": "tester", "REKEY_STATE_DIR": directory + "/state"]
        for (key, value) in environment { env[key] = value }
        let recorder = TerminalRecorder(stdinIsTTY: false, environment: env)
        let code = await RekeyCLI.main(arguments, terminal: recorder.terminal, clock: clock)
        return Result(code: code, stdout: recorder.stdout, stderr: recorder.stderr)
    }

    /// Sets the playbook's confirm-redeploy timeout (the scaffold's is minutes).
    func setConfirmTimeout(_ duration: String) throws {
        let text = try String(contentsOfFile: playbook, encoding: .utf8)
        guard let range = text.range(of: #""timeout": "[^"]*""#, options: .regularExpression) else {
            throw CLISandboxError(message: "the playbook has no confirmRedeploy timeout")
        }
        try text.replacingCharacters(in: range, with: "\"timeout\": \"\(duration)\"")
            .write(toFile: playbook, atomically: false, encoding: .utf8)
    }

    /// Removes an app from the platform (its resync, inspection and checks then fail).
    func unregister(_ app: String) async throws {
        try await store.mutate { $0.apps.removeAll { $0.name == app } }
    }

    /// Every file under the directory: relative path → (mode, bytes).
    func files(under root: String? = nil) throws -> [String: FileSnapshot] {
        try FileSnapshot.tree(root ?? scaffold.directory)
    }

    /// The journal's records.
    func records(_ path: String? = nil) throws -> [JournalRecord] {
        try JournalReader.read(path: path ?? journal).records
    }
}

/// A file's mode and bytes, for before/after comparisons.
struct FileSnapshot: Equatable, CustomStringConvertible {
    var mode: Int
    var bytes: Data

    var description: String { "mode \(String(mode, radix: 8)), \(bytes.count) bytes" }

    /// Every entry under `root` (files and directories, hidden ones too): relative path → snapshot.
    static func tree(_ root: String) throws -> [String: FileSnapshot] {
        var result: [String: FileSnapshot] = [:]
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else { return [:] }
        while let relative = enumerator.nextObject() as? String {
            let path = root + "/" + relative
            let attributes = try manager.attributesOfItem(atPath: path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            let isDirectory = (attributes[.type] as? FileAttributeType) == .typeDirectory
            result[relative] = FileSnapshot(
                mode: mode, bytes: isDirectory ? Data() : try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return result
    }
}

struct CLISandboxError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
