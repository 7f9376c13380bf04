import Foundation
import RekeyCore
import RekeyCrypto

// Sandboxes of the other platforms: an EventNerds account, a self-hosted Inngest server, and a platform
// behind the example exec plugin. Each is a directory with apps reading dotenv files and a playbook that
// rotates everything unattended.

extension SandboxScaffold {
    /// The platform a sandbox emulates.
    public enum Platform: String, Sendable, CaseIterable {
        /// Inngest Cloud: signing and event keys (`sandbox.json`, kind `sandbox`).
        case inngest
        /// An EventNerds account: API keys shown once (`sandbox.json` holds the account; the playbook's
        /// platform is `eventnerds` with `settings.sandbox`).
        case eventNerds = "eventnerds"
        /// A self-hosted Inngest server: `server/inngest.env` is its configuration, `rekey sandbox redeploy DIR
        /// inngest-server` restarts it.
        case inngestSelfHosted = "inngest-self-hosted"
        /// A platform behind the example exec plugin (`plugin.py`, its state in `plugin-state.json`).
        case plugin
    }

    /// The self-hosted server's name (what `rekey sandbox redeploy DIR <name>` restarts).
    public static let serverName = "inngest-server"
    /// The self-hosted server's configuration file inside a sandbox directory.
    public static let serverConfigPath = "server/inngest.env"
    /// The example plugin's file name inside a sandbox directory.
    public static let pluginFileName = "plugin.py"
    /// The example plugin's state file inside a sandbox directory.
    public static let pluginStateFileName = "plugin-state.json"

    /// The rekey binary running now.
    static func currentExecutable() -> String {
        Bundle.main.executablePath ?? FileIO.absolute(CommandLine.arguments[0])
    }

    // MARK: - EventNerds

    static func createEventNerds(directory: String, apps count: Int, keys: Int, autoRedeploy: Bool) throws -> Result {
        guard keys >= 1 else { throw SandboxError.invalidArgument("an EventNerds sandbox needs at least 1 API key") }
        let directory = try makeDirectories(directory)
        let now = Date()
        var state = SandboxState(
            environment: "production", environmentWord: "prod",
            options: SandboxState.Options(autoRedeploy: autoRedeploy))
        state.eventNerdsToken = Secret("eyJhbGciOiJIUzI1NiJ9." + SecureRandom.hex(24) + "." + SecureRandom.hex(16))
        let templates: [(String, String?)] = [
            ("Production API Key", UUID().uuidString.lowercased()), ("Partner integration", nil),
            ("Check-in kiosk", UUID().uuidString.lowercased()),
        ]
        for index in 0..<keys {
            let (name, event) = templates[index % templates.count]
            let round = index / templates.count
            var key = try state.createAPIKey(name: round == 0 ? name : "\(name) \(round + 1)", eventID: event, at: now)
            key.lastUsedAt = now
            state.apiKeys[state.apiKeys.count - 1] = key
        }
        let names = appNames(count)
        var envFiles: [String] = []
        var appsJSON: [OrderedJSON] = []
        for (index, name) in names.enumerated() {
            let key = state.apiKeys[index % state.apiKeys.count]
            let relative = "\(appsFolderName)/\(name).env"
            let text = [
                "# Environment of the sandbox app '\(name)'.", "", "APP_NAME=\(name)", "PORT=\(3000 + index)", "",
                "# EventNerds", "EVENTNERDS_API_KEY=\(key.key.exposeValue())",
                "EVENTNERDS_EVENT_ID=\(key.eventID ?? "")",
                "",
            ].joined(separator: "\n")
            try write(text, to: directory + "/" + relative)
            envFiles.append(directory + "/" + relative)
            state.apps.append(
                SandboxState.App(
                    id: name, name: name, envFile: relative, running: SandboxState.Running(apiKey: key.key),
                    deployedAt: now, apiKeyVariable: "EVENTNERDS_API_KEY"))
            appsJSON.append(
                .object([
                    ("name", .string(name)), ("apiKey", .string(key.name)),
                    ("target", .object([("kind", .string("dotenv")), ("path", .string(relative))])),
                    ("verify", .object([("kind", .string("platform"))])),
                ]))
        }
        let statePath = directory + "/" + stateFileName
        try SandboxStore(path: statePath).create(state)
        let playbook = OrderedJSON.object([
            ("version", .int(1)),
            ("name", .string("Sandbox EventNerds rotation")),
            (
                "platform",
                .object([
                    ("kind", .string("eventnerds")),
                    (
                        "settings",
                        .object([("sandbox", .string(stateFileName)), ("variable", .string("EVENTNERDS_API_KEY"))])
                    ),
                ])
            ),
            ("environment", .string("production")),
            ("procedure", .string("eventnerds")),
            ("apps", .array(appsJSON)),
            ("options", options(requireApproval: .deleteOldAPIKeys)),
        ])
        return try finish(directory, statePath: statePath, playbook: playbook, envFiles: envFiles, names: names)
    }

    // MARK: - Self-hosted Inngest

    static func createSelfHosted(
        directory: String, apps count: Int, eventKeys: Int, autoRedeploy: Bool, rekeyExecutable: String
    ) throws -> Result {
        guard eventKeys >= 1 else {
            throw SandboxError.invalidArgument("a self-hosted server needs at least 1 event key (got \(eventKeys))")
        }
        let directory = try makeDirectories(directory)
        do {
            try FileIO.makeDirectory(directory + "/server", mode: 0o700)
        } catch {
            throw SandboxError.io(error)
        }
        let now = Date()
        let signingHex = SecureRandom.hex(32)
        let events = (0..<eventKeys).map { _ in Secret(SecureRandom.hex(32)) }
        var state = SandboxState(
            environment: "production", environmentWord: "prod",
            options: SandboxState.Options(autoRedeploy: autoRedeploy))
        state.server = SandboxState.Server(
            name: serverName, configFile: serverConfigPath, signingKey: Secret(signingHex), eventKeys: events,
            startedAt: now)
        let config = [
            "# Configuration of the sandbox's self-hosted Inngest server ('inngest start').",
            "# rekey edits it in place; 'rekey sandbox redeploy DIR \(serverName)' restarts the server.", "",
            "INNGEST_PORT=8288", "INNGEST_SIGNING_KEY=\(signingHex)",
            "INNGEST_EVENT_KEY=\(events.map { $0.exposeValue() }.joined(separator: ","))", "INNGEST_POSTGRES_URI=", "",
        ].joined(separator: "\n")
        try write(config, to: directory + "/" + serverConfigPath)
        let appKey = Secret("signkey-prod-\(signingHex)")
        let names = appNames(count)
        var envFiles: [String] = []
        var appsJSON: [OrderedJSON] = []
        for (index, name) in names.enumerated() {
            let relative = "\(appsFolderName)/\(name).env"
            var text = envFileText(
                app: name, port: 3000 + index, signingKey: appKey, eventKey: events[index % events.count])
            text = text.replacingOccurrences(
                of: "# Inngest\n",
                with: "# Inngest (self-hosted)\nINNGEST_BASE_URL=http://127.0.0.1:8288\nINNGEST_DEV=0\n")
            try write(text, to: directory + "/" + relative)
            envFiles.append(directory + "/" + relative)
            state.apps.append(
                SandboxState.App(
                    id: name, name: name, envFile: relative,
                    running: SandboxState.Running(signingKey: appKey, eventKey: events[index % events.count]),
                    deployedAt: now))
            appsJSON.append(
                .object([
                    ("name", .string(name)),
                    ("target", .object([("kind", .string("dotenv")), ("path", .string(relative))])),
                    ("verify", .object([("kind", .string("platform"))])),
                ]))
        }
        let statePath = directory + "/" + stateFileName
        try SandboxStore(path: statePath).create(state)
        let playbook = OrderedJSON.object([
            ("version", .int(1)),
            ("name", .string("Sandbox self-hosted Inngest rotation")),
            (
                "platform",
                .object([
                    ("kind", .string("inngest-self-hosted")),
                    (
                        "settings",
                        .object([
                            ("sandbox", .string(stateFileName)),
                            ("target", .object([("kind", .string("dotenv")), ("path", .string(serverConfigPath))])),
                            ("restart", .strings([rekeyExecutable, "sandbox", "redeploy", ".", serverName])),
                            ("restartTimeout", .string("30s")),
                        ])
                    ),
                ])
            ),
            ("environment", .string("production")),
            ("procedure", .string("inngest-self-hosted")),
            ("apps", .array(appsJSON)),
            ("options", options(requireApproval: .installSigningKey)),
        ])
        return try finish(directory, statePath: statePath, playbook: playbook, envFiles: envFiles, names: names)
    }

    // MARK: - Exec plugin

    static func createPlugin(directory: String, apps count: Int, keys: Int) throws -> Result {
        guard keys >= 1 else { throw SandboxError.invalidArgument("a plugin sandbox needs at least 1 key") }
        let directory = try makeDirectories(directory)
        let pluginPath = directory + "/" + pluginFileName
        do {
            try FileIO.writeAtomically(Array(ExamplePlugin.source.utf8), to: pluginPath, newFileMode: 0o700)
        } catch {
            throw SandboxError.io(error)
        }
        let now = InngestWireTime.format(Date())
        var keysJSON: [OrderedJSON] = []
        var secrets: [(name: String, secret: String)] = []
        let templates = ["Billing service", "Public API", "Reporting"]
        for index in 0..<keys {
            let round = index / templates.count
            let name =
                round == 0 ? templates[index % templates.count] : "\(templates[index % templates.count]) \(round + 1)"
            let secret = "acme_" + SecureRandom.hex(24)
            secrets.append((name, secret))
            keysJSON.append(
                .object([
                    ("id", .string("key_" + SecureRandom.hex(6))), ("name", .string(name)),
                    ("scope", index % 2 == 0 ? .string("project-\(index + 1)") : .null), ("secret", .string(secret)),
                    ("createdAt", .string(now)), ("lastUsedAt", .null), ("primary", .bool(true)),
                ]))
        }
        let statePath = directory + "/" + pluginStateFileName
        try write(OrderedJSON.object([("keys", .array(keysJSON))]).rendered, to: statePath)
        let names = appNames(count)
        var envFiles: [String] = []
        var appsJSON: [OrderedJSON] = []
        for (index, name) in names.enumerated() {
            let key = secrets[index % secrets.count]
            let relative = "\(appsFolderName)/\(name).env"
            try write(
                [
                    "# Environment of the sandbox app '\(name)'.", "", "APP_NAME=\(name)", "ACME_API_KEY=\(key.secret)",
                    "",
                ]
                .joined(separator: "\n"),
                to: directory + "/" + relative)
            envFiles.append(directory + "/" + relative)
            appsJSON.append(
                .object([
                    ("name", .string(name)), ("apiKey", .string(key.name)),
                    ("target", .object([("kind", .string("dotenv")), ("path", .string(relative))])),
                ]))
        }
        let playbook = OrderedJSON.object([
            ("version", .int(1)),
            ("name", .string("Sandbox plugin rotation")),
            (
                "platform",
                .object([
                    ("kind", .string("exec")),
                    (
                        "settings",
                        .object([
                            ("command", .strings(["python3", pluginFileName])),
                            ("timeout", .string("30s")),
                            ("config", .object([("state", .string(pluginStateFileName))])),
                            ("variable", .string("ACME_API_KEY")),
                        ])
                    ),
                ])
            ),
            ("environment", .string("production")),
            ("procedure", .string("api-keys-promote")),
            ("apps", .array(appsJSON)),
            ("options", options(requireApproval: .promoteAPIKeys)),
        ])
        return try finish(directory, statePath: statePath, playbook: playbook, envFiles: envFiles, names: names)
    }

    // MARK: - Helpers

    private static func makeDirectories(_ directory: String) throws -> String {
        let directory = FileIO.absolute(directory)
        try prepare(directory)
        do {
            try FileIO.makeDirectory(directory + "/" + appsFolderName, mode: 0o700)
        } catch {
            throw SandboxError.io(error)
        }
        return directory
    }

    private static func options(requireApproval step: StepID) -> OrderedJSON {
        .object([
            ("keyName", .string("{name} (rotated {date})")),
            ("concurrency", .int(8)),
            (
                "confirmRedeploy",
                .object([
                    ("mode", .string("verify-or-approve")), ("timeout", .string("2m")), ("interval", .string("1s")),
                ])
            ),
            ("requireApproval", .strings([step.rawValue])),
        ])
    }

    private static func finish(
        _ directory: String, statePath: String, playbook: OrderedJSON, envFiles: [String], names: [String]
    ) throws -> Result {
        let playbookPath = directory + "/" + playbookFileName
        try write(playbook.rendered, to: playbookPath)
        return Result(
            directory: directory, statePath: statePath, playbookPath: playbookPath, envFiles: envFiles, appNames: names)
    }
}
