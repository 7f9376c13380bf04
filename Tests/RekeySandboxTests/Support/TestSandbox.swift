import Foundation
import RekeyCore
import RekeySandbox
import Testing

/// Runs `body` with a fresh temporary directory, removed afterwards.
@discardableResult
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("rekey-sandbox-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A scaffolded sandbox in a temporary directory, with helpers to play the operator and the apps.
struct TestSandbox {
    var scaffold: SandboxScaffold.Result
    var platform: SandboxPlatform

    var store: SandboxStore { platform.store }

    /// Runs `body` with a new sandbox (removed afterwards).
    @discardableResult
    static func with<R>(
        apps: Int = 3,
        eventKeys: Int = 2,
        autoRedeploy: Bool = true,
        _ body: (TestSandbox) async throws -> R
    ) async throws -> R {
        try await withTemporaryDirectory { directory in
            let scaffold = try SandboxScaffold.create(
                directory: directory + "/sandbox",
                apps: apps,
                eventKeys: eventKeys,
                autoRedeploy: autoRedeploy
            )
            return try await body(
                TestSandbox(scaffold: scaffold, platform: SandboxPlatform(statePath: scaffold.statePath)))
        }
    }

    /// The state as on disk.
    func state() throws -> SandboxState { try store.snapshot() }

    /// The active signing key.
    func activeKey() throws -> Secret { try #require(try state().activeSigningKey).key }

    /// The app spec the engine would pass for `name`.
    func spec(_ name: String) -> AppSpec {
        AppSpec(name: name, target: .dotenv(path: envPath(name)))
    }

    /// `DIR/apps/<name>.env`.
    func envPath(_ name: String) -> String {
        scaffold.directory + "/apps/\(name).env"
    }

    /// Sets (or, with `nil`, removes) a variable in an app's env file, as a dotenv target would.
    func setEnv(_ app: String, _ name: String, _ value: String?) throws {
        var document = DotenvDocument(parsing: try FileIO.readText(envPath(app)))
        if let value {
            document.set(name, to: value, after: "INNGEST_SIGNING_KEY")
        } else {
            document.remove(name)
        }
        try FileIO.writeAtomically(Array(document.text.utf8), to: envPath(app))
    }

    /// Stages `primary`/`fallback` in every app's env file.
    func stage(primary: Secret, fallback: Secret?) throws {
        for name in scaffold.appNames {
            try setEnv(name, "INNGEST_SIGNING_KEY", primary.exposeValue())
            try setEnv(name, "INNGEST_SIGNING_KEY_FALLBACK", fallback?.exposeValue())
        }
    }

    /// Changes the sandbox's options.
    func setOptions(autoRedeploy: Bool? = nil, disabled: [String]? = nil) async throws {
        try await store.mutate { state in
            if let autoRedeploy { state.options.autoRedeploy = autoRedeploy }
            if let disabled { state.options.disabledCapabilities = disabled }
        }
    }
}
