#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The platforms beyond Inngest Cloud and the sandbox: their settings, and the app fields of API-key
// platforms.

extension PlaybookReader {
    /// The settings each of these platform kinds allows.
    enum PlatformFields {
        static let eventNerds = ["baseURL", "tokenEnv", "variable", "sandbox"]
        static let selfHosted = [
            "apiURL", "target", "restart", "restartTimeout", "signingKeyVariable", "eventKeyVariable",
            "keyPrefixWord", "signingKeyEnv", "sandbox",
        ]
        static let plugin = ["command", "timeout", "config", "variable"]
    }

    /// The procedures of the playbook's platform: from the platform read, else from its `kind` as written
    /// (so that the steps are checked against the right family even when the settings have problems).
    static func family(of root: JSONObject, platform: PlatformSpec?) -> ProcedureCatalog.Family {
        let kind = platform?.kind ?? root["platform"]?["kind"]?.stringValue ?? ""
        return ProcedureCatalog.family(forPlatform: kind) ?? ProcedureCatalog.inngest
    }

    /// `" ('x' is a procedure of platform kind 'y')"` when `name` belongs to another family, else `""`.
    static func otherFamilyNote(_ name: String, family: ProcedureCatalog.Family) -> String {
        guard let other = ProcedureCatalog.families.first(where: { $0 != family && $0.names.contains(name) }) else {
            return ""
        }
        return " ('\(name)' is a procedure of platform kind '\(other.platformKinds[0])')"
    }

    /// How apps are confirmed when they don't say: by the backend where it can tell (the sandbox reports
    /// what each app runs with; EventNerds reports when each key was last used), else by approval.
    static func defaultVerify(for platform: PlatformSpec?) -> VerifySpec {
        switch platform {
        case .sandbox?, .eventNerds?: .platform
        case .inngestSelfHosted(let settings)?: settings.sandbox == nil ? .approval : .platform
        default: .approval
        }
    }

    // MARK: - Platforms

    mutating func readOtherPlatform(_ kind: String, _ settings: JSONObject?) -> PlatformSpec? {
        let path = "platform.settings"
        let before = problems.count
        switch kind {
        case "eventnerds":
            let settings = settings ?? JSONObject()
            checkFields(of: settings, at: path, allowed: PlatformFields.eventNerds)
            var result = EventNerdsSettings()
            if let value = settings["baseURL"], let url = string(value, at: "\(path).baseURL") {
                checkURL(url, at: "\(path).baseURL")
                result.baseURL = url
            }
            if let value = settings["tokenEnv"], let name = environmentVariableName(value, at: "\(path).tokenEnv") {
                result.tokenEnv = name
            }
            if let value = settings["variable"], let name = variableName(value, at: "\(path).variable") {
                result.variable = name
            }
            result.sandbox = sandboxFile(settings, at: path)
            return problems.count == before ? .eventNerds(result) : nil
        case "inngest-self-hosted":
            let fix =
                "add \"settings\": {\"target\": {\"kind\": \"dotenv\", \"path\": \"inngest.env\"}, "
                + "\"restart\": [\"systemctl\", \"restart\", \"inngest\"]}"
            guard let settings else {
                report(path, "required field is missing", fix: fix)
                return nil
            }
            checkFields(of: settings, at: path, allowed: PlatformFields.selfHosted)
            var targets: [String: (index: Int, written: String)] = [:]
            let target = readTarget(settings, at: path, index: 0, targets: &targets, steps: nil)
            if case .manual? = target {
                report(
                    "\(path).target.kind", "the server's configuration can't be a manual target",
                    fix: "use \"dotenv\" (rekey edits the file) or \"exec\" (a command per variable)"
                )
            }
            let restartFix = "give the command that restarts the server, e.g. [\"systemctl\", \"restart\", \"inngest\"]"
            var restart: [String]?
            if let value = required(settings, "restart", at: path, fix: restartFix) {
                restart = command(value, at: "\(path).restart", fix: restartFix)
            }
            var timeout = SelfHostedSettings.defaultRestartTimeout
            if let value = settings["restartTimeout"],
                let seconds = duration(
                    value, at: "\(path).restartTimeout", maximum: Self.maximumCommandTimeout,
                    fix: "use a value like 30s or 5m (default 1m)")
            {
                timeout = seconds
            }
            var apiURL = "http://127.0.0.1:8288"
            if let value = settings["apiURL"], let url = string(value, at: "\(path).apiURL") {
                checkURL(url, at: "\(path).apiURL")
                apiURL = url
            }
            var signingVariable = "INNGEST_SIGNING_KEY"
            if let value = settings["signingKeyVariable"],
                let name = variableName(value, at: "\(path).signingKeyVariable")
            {
                signingVariable = name
            }
            var eventVariable = "INNGEST_EVENT_KEY"
            if let value = settings["eventKeyVariable"], let name = variableName(value, at: "\(path).eventKeyVariable")
            {
                eventVariable = name
            }
            var word = "prod"
            if let value = settings["keyPrefixWord"], let text = string(value, at: "\(path).keyPrefixWord") {
                if !text.isEmpty, text.utf8.allSatisfy({ (97...122).contains($0) }) {
                    word = text
                } else {
                    report(
                        "\(path).keyPrefixWord", "must be lowercase letters",
                        fix: "use the word of the apps' keys, e.g. \"prod\" for signkey-prod-…"
                    )
                }
            }
            var signingKeyEnv: String?
            if let value = settings["signingKeyEnv"] {
                signingKeyEnv = environmentVariableName(value, at: "\(path).signingKeyEnv")
            }
            let sandbox = sandboxFile(settings, at: path)
            guard problems.count == before, let target, let restart else { return nil }
            return .inngestSelfHosted(
                SelfHostedSettings(
                    apiURL: apiURL, config: target, restart: restart, restartTimeout: timeout,
                    signingKeyVariable: signingVariable, eventKeyVariable: eventVariable, keyPrefixWord: word,
                    signingKeyEnv: signingKeyEnv, directory: baseDirectory, sandbox: sandbox))
        default:
            let fix = "add \"settings\": {\"command\": [\"python3\", \"plugins/my-plugin.py\"]}"
            guard let settings else {
                report(path, "required field is missing", fix: fix)
                return nil
            }
            checkFields(of: settings, at: path, allowed: PlatformFields.plugin)
            let commandFix = "give the plugin's command, e.g. [\"python3\", \"plugins/my-plugin.py\"]"
            var argv: [String]?
            if let value = required(settings, "command", at: path, fix: commandFix) {
                argv = command(value, at: "\(path).command", fix: commandFix)
            }
            var timeout = PluginSettings.defaultTimeout
            if let value = settings["timeout"],
                let seconds = duration(
                    value, at: "\(path).timeout", maximum: Self.maximumCommandTimeout,
                    fix: "use a value like 30s or 5m (default 30s)")
            {
                timeout = seconds
            }
            var config: JSONValue?
            if let value = settings["config"], let object = object(value, at: "\(path).config") {
                checkPluginConfig(object, at: "\(path).config")
                config = .object(object)
            }
            var variable = "API_KEY"
            if let value = settings["variable"], let name = variableName(value, at: "\(path).variable") {
                variable = name
            }
            guard problems.count == before, let argv else { return nil }
            return .plugin(
                PluginSettings(
                    command: argv, timeout: timeout, config: config, variable: variable, directory: baseDirectory))
        }
    }

    /// `settings.sandbox`, resolved: an existing sandbox state file.
    private mutating func sandboxFile(_ settings: JSONObject, at path: String) -> String? {
        guard let value = settings["sandbox"] else { return nil }
        let fix = "set it to the sandbox state file, e.g. \"sandbox.json\", or remove it to use the network"
        guard let written = nonEmptyString(value, at: "\(path).sandbox", fix: fix) else { return nil }
        return existingFile(
            written, at: "\(path).sandbox", fix: "run 'rekey sandbox init DIR --platform …' or correct the path")
    }

    /// An argv without placeholders: a non-empty array of strings; a program given as a path resolves
    /// against the playbook's directory and must be an executable file.
    private mutating func command(_ value: JSONValue, at path: String, fix: String) -> [String]? {
        guard let elements = array(value, at: path) else { return nil }
        guard !elements.isEmpty else {
            report(path, "the command is empty", fix: fix)
            return nil
        }
        var argv: [String] = []
        for (index, element) in elements.enumerated() {
            guard let word = commandWord(element, at: "\(path)[\(index)]") else { return nil }
            argv.append(word)
        }
        if argv[0].allSatisfy(\.isWhitespace) {
            report("\(path)[0]", "the program must not be empty", fix: fix)
            return nil
        }
        guard resolveProgram(&argv, at: path) else { return nil }
        return argv
    }

    /// A configuration variable's name (the same rules as an environment variable's).
    private mutating func variableName(_ value: JSONValue, at path: String) -> String? {
        guard let name = string(value, at: path) else { return nil }
        guard Self.isEnvironmentVariableName(name) else {
            report(
                path, "expected a variable name (letters, digits and '_', not starting with a digit)",
                fix: "give the name of the variable, e.g. \"EVENTNERDS_API_KEY\""
            )
            return nil
        }
        return name
    }

    /// A plugin's `config` holds settings, never credentials: fields that look like one are refused (their
    /// values are never echoed).
    private mutating func checkPluginConfig(_ config: JSONObject, at path: String) {
        for key in config.keys {
            let squashed = key.lowercased().filter { $0 != "_" && $0 != "-" }
            guard
                ["apikey", "token", "secret", "password", "accesstoken", "bearertoken", "sessiontoken"].contains(
                    squashed)
            else { continue }
            report(
                "\(path).\(key)", "credentials never go in a playbook",
                fix: "have the plugin read it from an environment variable (name the variable here instead)"
            )
        }
    }

    // MARK: - Apps

    /// `apiKey` and `variable` of an app: required (`apiKey`) on API-key platforms that stage keys, refused
    /// on the others.
    mutating func readAPIKeyFields(_ app: JSONObject, at path: String, steps: [StepID]?) -> (String?, String?) {
        let usesAPIKeys = family.isKnown(.createAPIKeys)
        if !usesAPIKeys {
            for field in ["apiKey", "variable"] where app[field] != nil {
                report(
                    "\(path).\(field)", "'\(field)' applies only to API-key platforms (eventnerds, exec)",
                    fix: "remove it"
                )
            }
            return (nil, nil)
        }
        var apiKey: String?
        let fix = "give the name (or id) of the platform key the app uses, e.g. \"Production API Key\""
        if let value = app["apiKey"] {
            apiKey = nonEmptyString(value, at: "\(path).apiKey", fix: fix)
        } else if steps?.contains(.stageAPIKeys) ?? true {
            report("\(path).apiKey", "required field is missing", fix: fix)
        }
        var variable: String?
        if let value = app["variable"] { variable = variableName(value, at: "\(path).variable") }
        return (apiKey, variable)
    }
}
