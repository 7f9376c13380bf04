import Foundation
import RekeyCore
import RekeySandbox
import Testing

/// A sandbox made by `rekey sandbox init` in a fresh temporary directory.
struct SandboxFixture {
    let directory: String
    var playbook: String { directory + "/playbook.json" }
    var statePath: String { directory + "/sandbox.json" }
    var journal: String { directory + "/rotation.jsonl" }

    init(apps: Int = 3, eventKeys: Int = 2, extra: [String] = []) throws {
        directory =
            FileManager.default.temporaryDirectory.path + "/rekey-e2e-" + UUID().uuidString.prefix(8).lowercased()
        let result = try RekeyProcess.runBlocking(
            ["sandbox", "init", directory, "--apps", "\(apps)", "--event-keys", "\(eventKeys)"] + extra
        )
        guard result.status == 0 else { throw FixtureError(message: "sandbox init failed: \(result)") }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The sandbox's state (the platform's database).
    func state() throws -> SandboxState {
        try SandboxStore(path: statePath).snapshot()
    }

    /// Every file under the directory (relative path → bytes), for before/after comparisons.
    func files(excluding: Set<String> = []) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                !excluding.contains(relative)
            else { continue }
            result[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        return result
    }

    /// The env file of `app`.
    func envFile(_ app: String) -> String { directory + "/apps/\(app).env" }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
