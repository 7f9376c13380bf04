import Foundation
import RekeyCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `rekey plan` reads the live state and changes nothing, checked with the built binary.
@Suite struct PlanEndToEndTests {
    @Test func planChangesNothingByteForByte() async throws {
        let sandbox = try SandboxFixture()
        defer { sandbox.remove() }
        // An earlier rotation's journal (and its lock file) next to the playbook: plan reads it too.
        let earlier = try await RekeyProcess.run(["run", sandbox.playbook, "--until", "create-signing-key"])
        #expect(earlier.status == 0, "\(earlier)")
        let outside = FileManager.default.temporaryDirectory.path + "/rekey-plan-out-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }

        let before = try DirectorySnapshot(sandbox.directory)
        #expect(before.entries.keys.contains { $0.hasPrefix(".rekey/") && $0.hasSuffix(".jsonl.lock") })
        let github = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": outside + "/summary.md"]
        for (arguments, environment) in [
            (["plan", sandbox.playbook], [:]),
            (["plan", sandbox.playbook, "--json"], [:]),
            (["plan", sandbox.playbook, "--out", outside + "/plan.json"], [:]),
            (["plan", sandbox.playbook], github),
        ] as [([String], [String: String])] {
            let result = try await RekeyProcess.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments): \(result)")
            #expect(result.stdout.contains("an earlier rotation of this environment is unfinished"), "\(result)")
        }
        let after = try DirectorySnapshot(sandbox.directory)
        #expect(after == before, "plan changed the sandbox: \(after.differences(from: before))")
        #expect(FileManager.default.fileExists(atPath: outside + "/plan.json"))
        #expect(FileManager.default.fileExists(atPath: outside + "/summary.md"))
    }

    @Test func aStalePlanIsRefusedWithTheDifferenceAndChangesNothing() async throws {
        let sandbox = try SandboxFixture()
        defer { sandbox.remove() }
        let plan = sandbox.directory + "/plan.json"
        #expect(try await RekeyProcess.run(["plan", sandbox.playbook, "--out", plan]).status == 0)
        // Someone edits an app's configuration after the review.
        let env = sandbox.envFile("worker")
        try (try String(contentsOfFile: env, encoding: .utf8) + "INNGEST_SIGNING_KEY_FALLBACK=leftover\n")
            .write(toFile: env, atomically: false, encoding: .utf8)
        let before = try DirectorySnapshot(sandbox.directory)

        let result = try await RekeyProcess.run(["run", plan, "--journal", sandbox.journal, "--non-interactive"])
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.contains("is stale: the live state changed since it was made"))
        #expect(result.stderr.contains("app 'worker': INNGEST_SIGNING_KEY_FALLBACK changed: absent → "))
        let after = try DirectorySnapshot(sandbox.directory)
        #expect(after == before, "\(after.differences(from: before))")
    }

    /// `--out` replaces only a plan (or nothing): pointed at the playbook, a link or a directory by mistake,
    /// it is refused before planning and the file stays as it was.
    @Test func planOutRefusesToReplaceWhatIsNotAPlan() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let victim = sandbox.directory + "/victim.txt"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let link = sandbox.directory + "/link.json"
        #expect(symlink(victim, link) == 0)
        let before = try DirectorySnapshot(sandbox.directory)
        for (out, expected) in [
            (sandbox.playbook, "is not a plan"), (link, "is a symbolic link"),
            (sandbox.directory + "/apps", "is a directory"),
        ] {
            let result = try await RekeyProcess.run(["plan", sandbox.playbook, "--out", out], timeout: 30)
            #expect(result.status == 65, "\(out): \(result)")
            #expect(result.stderr.contains(out) && result.stderr.contains(expected), "\(result.stderr)")
        }
        let after = try DirectorySnapshot(sandbox.directory)
        #expect(after == before, "\(after.differences(from: before))")
        // A plan made earlier is replaced.
        let plan = sandbox.directory + "/plan.json"
        #expect(try await RekeyProcess.run(["plan", sandbox.playbook, "--out", plan], timeout: 30).status == 0)
        #expect(try await RekeyProcess.run(["plan", sandbox.playbook, "--out", plan], timeout: 30).status == 0)
    }

    /// rekey replaces a dotenv file by writing a new file in its directory and renaming it: a directory it
    /// can't write to makes the run fail at the first edit, so the plan says so up front.
    @Test func planWarnsWhenATargetsDirectoryIsNotWritable() async throws {
        let sandbox = try SandboxFixture(apps: 1, eventKeys: 1)
        defer { sandbox.remove() }
        let apps = sandbox.directory + "/apps"
        #expect(chmod(apps, 0o555) == 0)
        // Root writes anywhere unless the directory is immutable.
        let immutable = getuid() == 0
        if immutable { #expect(try Self.chattr("+i", apps) == 0) }
        defer {
            if immutable { _ = try? Self.chattr("-i", apps) }
            chmod(apps, 0o700)
        }
        let result = try await RekeyProcess.run(["plan", sandbox.playbook], timeout: 30)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("app 'api'") && result.stdout.contains("'\(apps)' is not writable"), "\(result)")
    }

    private static func chattr(_ flag: String, _ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
