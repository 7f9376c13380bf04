import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every file rekey replaces (a dotenv target, the sandbox's state) goes through a temporary sibling
/// `.NAME.rekey-XXXXXX` holding the new content, keys included. Killed between writing it and renaming
/// it, rekey leaves it behind; the resume that follows removes it.
@Suite struct TemporaryFilesCrashEndToEndTests {
    /// rekey's temporary files under `directory`, by relative path.
    private func temporaries(in directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix("."), name.contains(".rekey-") { found.append(relative) }
        }
        return found.sorted()
    }

    @Test func aKillBetweenATemporaryFileAndItsRenameLeavesNoneAfterResume() async throws {
        let started = Date()
        var kills = 0
        var registryLeftovers = 0
        var point = 1
        while point < 100 {
            let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
            defer { sandbox.remove() }
            // The environment registry inside the sandbox, so that every file rekey replaces is under it.
            let state = ["REKEY_STATE_DIR": sandbox.directory + "/state"]
            let run = ["run", sandbox.playbook, "--journal", sandbox.journal, "--approve", "rotate-signing-key"]
            let crashed = try await RekeyProcess.run(
                run, environment: state.merging(["REKEY_FAULT_POINT": "before-rename:\(point)"]) { $1 }, timeout: 60)
            guard crashed.signaled else {
                // Past the last rename of the rotation: it ran to its end.
                #expect(crashed.status == 0, "before-rename:\(point): \(crashed)")
                break
            }
            #expect(crashed.status == SIGKILL, "before-rename:\(point): \(crashed)")
            kills += 1
            let left = temporaries(in: sandbox.directory)
            #expect(left.count == 1, "before-rename:\(point) left \(left)")
            var finished = false
            for _ in 0..<3 where !finished {
                let resume =
                    FileManager.default.fileExists(atPath: sandbox.journal)
                    ? ["resume", sandbox.journal, "--approve", "rotate-signing-key"] : run
                let result = try await RekeyProcess.run(resume, environment: state, timeout: 60)
                finished = result.status == 0 && !result.signaled
            }
            #expect(finished, "before-rename:\(point): never finished")
            // The registry's own files hold no key (a journal's path, an environment's name): counted, not
            // required gone.
            let remaining = temporaries(in: sandbox.directory)
            registryLeftovers += remaining.filter { $0.hasPrefix("state/") }.count
            #expect(
                remaining.filter { !$0.hasPrefix("state/") } == [],
                "before-rename:\(point): \(left) survived the resume")
            point += 1
        }
        print(
            "temporary files: \(kills) kill points (every file replacement of a rotation), "
                + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s; "
                + "\(registryLeftovers) left in the environment registry (no key)")
        #expect(kills >= 8)
    }
}
