import Foundation
import RekeyCore
import RekeyCrypto

/// Creates a ready-to-rotate sandbox: a state file, one env file per app, and a playbook that rotates
/// everything unattended (`rekey run DIR/playbook.json --approve rotate-signing-key`).
public enum SandboxScaffold {
    /// The state file's name inside a sandbox directory.
    public static let stateFileName = "sandbox.json"
    /// The playbook's name inside a sandbox directory.
    public static let playbookFileName = "playbook.json"
    /// The folder of the apps' env files.
    public static let appsFolderName = "apps"

    /// What ``create(directory:apps:eventKeys:autoRedeploy:)`` wrote (absolute paths).
    public struct Result: Sendable, Equatable {
        /// The sandbox directory.
        public var directory: String
        /// `DIR/sandbox.json`.
        public var statePath: String
        /// `DIR/playbook.json`.
        public var playbookPath: String
        /// `DIR/apps/<name>.env`, in app order.
        public var envFiles: [String]
        /// The apps' names, in order.
        public var appNames: [String]
    }

    /// Writes a new sandbox into `directory` (created with mode 0700 if missing; files are 0600).
    ///
    /// The environment is `production` with one active signing key and `eventKeys` event keys with
    /// varied names and filters (an allow-list with event wildcards and IPv4 ranges, a deny-list with an
    /// IPv6 range, …). Apps are `api`, `worker`, `billing`, then `app-4`, `app-5`, …, each deployed
    /// with its env file: the active signing key, no fallback, and an event key assigned round-robin.
    ///
    /// - Parameters:
    ///   - directory: Where to create the sandbox; must be missing or empty.
    ///   - apps: Number of apps (at least 1).
    ///   - eventKeys: Number of event keys (0 or more).
    ///   - autoRedeploy: Whether apps pick up env-file changes by themselves (see
    ///     ``SandboxState/Options/autoRedeploy``).
    /// - Returns: The paths written.
    /// - Throws: ``SandboxError/directoryNotEmpty(path:)``, ``SandboxError/invalidArgument(_:)``, or a
    ///   file error.
    public static func create(
        directory: String,
        apps: Int = 3,
        eventKeys: Int = 2,
        autoRedeploy: Bool = true
    ) throws -> Result {
        try create(
            directory: directory, apps: apps, eventKeys: eventKeys, autoRedeploy: autoRedeploy, platform: .inngest)
    }

    /// Writes a new sandbox of `platform` into `directory` (see the other platforms' layouts in
    /// ``Platform``); `.inngest` is the layout described above.
    ///
    /// - Parameters:
    ///   - keys: Event keys (Inngest, self-hosted) or API keys (EventNerds, plugin) to create.
    ///   - rekeyExecutable: The rekey binary, for the self-hosted server's restart command (default: this
    ///     process's executable).
    public static func create(
        directory: String,
        apps: Int = 3,
        eventKeys keys: Int = 2,
        autoRedeploy: Bool = true,
        platform: Platform,
        rekeyExecutable: String? = nil
    ) throws -> Result {
        guard apps >= 1 else { throw SandboxError.invalidArgument("apps must be at least 1 (got \(apps))") }
        switch platform {
        case .inngest: break
        case .eventNerds:
            return try createEventNerds(directory: directory, apps: apps, keys: keys, autoRedeploy: autoRedeploy)
        case .inngestSelfHosted:
            return try createSelfHosted(
                directory: directory, apps: apps, eventKeys: keys, autoRedeploy: autoRedeploy,
                rekeyExecutable: rekeyExecutable ?? currentExecutable())
        case .plugin:
            return try createPlugin(directory: directory, apps: apps, keys: keys)
        }
        let eventKeys = keys
        guard eventKeys >= 0 else {
            throw SandboxError.invalidArgument("eventKeys must not be negative (got \(eventKeys))")
        }
        let directory = FileIO.absolute(directory)
        try prepare(directory)
        let appsDirectory = directory + "/" + appsFolderName
        do {
            try FileIO.makeDirectory(appsDirectory, mode: 0o700)
        } catch {
            throw SandboxError.io(error)
        }

        let now = Date()
        var state = SandboxState(
            environment: "production",
            environmentWord: "prod",
            signingKeys: [
                SandboxState.SigningKey(
                    id: "sk_" + SecureRandom.hex(6),
                    key: InngestSigningKey.generate(environmentWord: "prod"),
                    active: true,
                    createdAt: now
                )
            ],
            options: SandboxState.Options(autoRedeploy: autoRedeploy)
        )
        for index in 0..<eventKeys {
            let template = eventKeyTemplate(index)
            try state.createEventKey(name: template.name, filter: template.filter, at: now)
        }

        let names = appNames(apps)
        var envFiles = [String]()
        for (index, name) in names.enumerated() {
            let signingKey = state.signingKeys[0].key
            let eventKey = state.eventKeys.isEmpty ? nil : state.eventKeys[index % state.eventKeys.count].key
            let relativePath = "\(appsFolderName)/\(name).env"
            let path = directory + "/" + relativePath
            try write(envFileText(app: name, port: 3000 + index, signingKey: signingKey, eventKey: eventKey), to: path)
            envFiles.append(path)
            state.apps.append(
                SandboxState.App(
                    id: name,
                    name: name,
                    envFile: relativePath,
                    running: SandboxState.Running(signingKey: signingKey, eventKey: eventKey),
                    deployedAt: now
                )
            )
        }

        let statePath = directory + "/" + stateFileName
        try SandboxStore(path: statePath).create(state)
        let playbookPath = directory + "/" + playbookFileName
        try write(playbook(appNames: names).rendered, to: playbookPath)
        return Result(
            directory: directory,
            statePath: statePath,
            playbookPath: playbookPath,
            envFiles: envFiles,
            appNames: names
        )
    }

    // MARK: - Content

    /// `api`, `worker`, `billing`, `app-4`, `app-5`, …
    static func appNames(_ count: Int) -> [String] {
        let first = ["api", "worker", "billing"]
        return (0..<count).map { $0 < first.count ? first[$0] : "app-\($0 + 1)" }
    }

    /// Names and filters cycling through the shapes a real environment has.
    static func eventKeyTemplate(_ index: Int) -> (name: String, filter: KeyFilter) {
        let templates: [(String, KeyFilter)] = [
            (
                "Orders service",
                KeyFilter(
                    mode: .allow,
                    events: ["orders/*", "payments/charge.succeeded"],
                    ips: ["10.0.0.0/8", "203.0.113.7"]
                )
            ),
            (
                "Partner webhooks",
                KeyFilter(
                    mode: .deny, events: ["internal/*", "debug/ping"], ips: ["2001:db8::/32", "198.51.100.0/24"])
            ),
            ("Default ingest key", KeyFilter.unrestricted),
            ("Batch jobs", KeyFilter(mode: .allow, ips: ["192.168.10.0/24", "2001:db8:1::7"])),
            ("Marketing site", KeyFilter(mode: .allow, events: ["user/signed.up", "newsletter/*"])),
        ]
        let (name, filter) = templates[index % templates.count]
        let round = index / templates.count
        return (round == 0 ? name : "\(name) \(round + 1)", filter)
    }

    static func envFileText(app: String, port: Int, signingKey: Secret, eventKey: Secret?) -> String {
        var lines = [
            "# Environment of the sandbox app '\(app)'.",
            "# The sandbox reads this file whenever the app is (re)deployed; rekey edits it in place.",
            "",
            "APP_NAME=\(app)",
            "PORT=\(port)",
            "DATABASE_URL=postgres://\(app)@127.0.0.1:5432/\(app)_production",
            "LOG_LEVEL=info",
            "",
            "# Inngest",
            "INNGEST_SIGNING_KEY=\(signingKey.exposeValue())",
        ]
        if let eventKey { lines.append("INNGEST_EVENT_KEY=\(eventKey.exposeValue())") }
        lines += ["", "# Feature flags", "FEATURE_NEW_CHECKOUT=false", ""]
        return lines.joined(separator: "\n")
    }

    static func playbook(appNames: [String]) -> OrderedJSON {
        .object([
            ("version", .int(1)),
            ("name", .string("Sandbox rotation")),
            (
                "platform",
                .object([("kind", .string("sandbox")), ("settings", .object([("state", .string(stateFileName))]))])
            ),
            ("environment", .string("production")),
            ("procedure", .string("inngest")),
            (
                "apps",
                .array(
                    appNames.map { name in
                        .object([
                            ("name", .string(name)),
                            (
                                "target",
                                .object([
                                    ("kind", .string("dotenv")), ("path", .string("\(appsFolderName)/\(name).env")),
                                ])
                            ),
                            ("verify", .object([("kind", .string("platform"))])),
                        ])
                    }
                )
            ),
            (
                "options",
                .object([
                    ("keyName", .string("{name} (rotated {date})")),
                    ("concurrency", .int(8)),
                    (
                        "confirmRedeploy",
                        .object([
                            ("mode", .string("verify-or-approve")),
                            ("timeout", .string("2m")),
                            ("interval", .string("1s")),
                        ])
                    ),
                    ("requireApproval", .strings([StepID.rotateSigningKey.rawValue])),
                ])
            ),
        ])
    }

    // MARK: - Files

    static func prepare(_ directory: String) throws {
        if FileIO.exists(directory) {
            guard FileIO.isDirectory(directory) else { throw SandboxError.directoryNotEmpty(path: directory) }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [""]
            guard entries.isEmpty else { throw SandboxError.directoryNotEmpty(path: directory) }
            return
        }
        do {
            try FileIO.makeDirectory(directory, mode: 0o700)
        } catch {
            throw SandboxError.io(error)
        }
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try FileIO.writeAtomically(Array(text.utf8), to: path, newFileMode: 0o600)
        } catch {
            throw SandboxError.io(error)
        }
    }
}
