#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Maps a parsed playbook document (format version 1) to a ``Playbook``, collecting every problem.
///
/// Each `read…` method reports what is wrong with its part of the document and returns `nil` for a
/// part it could not read; the caller carries on with the other parts so that one pass finds all the
/// problems. Only files are read (to check that they exist); nothing is written.
struct PlaybookReader {
    /// The fields each object allows, in the order the documentation lists them.
    enum Fields {
        static let root = [
            "$schema", "version", "name", "platform", "environment", "procedure", "steps", "apps", "options",
        ]
        static let platform = ["kind", "settings"]
        static let sandboxSettings = ["state"]
        static let inngestSettings = ["apiURL", "graphqlURL", "apiKeyEnv", "sessionTokenEnv", "environmentID"]
        static let app = ["name", "platformID", "target", "verify", "eventKey", "apiKey", "variable"]
        static let target = ["kind", "path", "set", "unset", "timeout", "newline", "where"]
        /// The target fields each kind owns (`kind` belongs to all).
        static let targetFieldOwners: KeyValuePairs<String, String> = [
            "path": "dotenv", "set": "exec", "unset": "exec", "timeout": "exec", "newline": "exec", "where": "manual",
        ]
        static let verify = ["kind", "url"]
        static let options = ["keyName", "concurrency", "confirmRedeploy", "requireApproval", "requestTimeout"]
        static let confirmRedeploy = ["mode", "timeout", "interval"]
    }

    static let platformKinds = ["sandbox", "inngest", "inngest-self-hosted", "eventnerds", "exec"]
    static let targetKinds = ["dotenv", "exec", "manual"]
    /// Longest a command may run (seconds): an exec target's command, a plugin call, a server restart.
    static let maximumCommandTimeout: Double = 3600
    /// Longest `confirmRedeploy.timeout` (seconds): a wait for redeploys and people may span a weekend,
    /// not more than a week.
    static let maximumWait: Double = 7 * 86_400
    /// Longest `confirmRedeploy.interval` and `requestTimeout` (seconds): a poll or a request that needs
    /// more than ten minutes is a mistake.
    static let maximumPoll: Double = 600
    static let verifyKinds = ["platform", "introspection", "approval"]
    static let keyNamePlaceholders = ["name", "date", "rotation"]
    static let loopbackHosts = ["127.0.0.1", "::1", "localhost"]
    static let concurrencyRange = 1...64

    /// Everything found wrong so far, in document order.
    private(set) var problems: [PlaybookProblem] = []
    /// The playbook's directory (absolute): relative paths resolve against it.
    let baseDirectory: String
    /// The procedures of the playbook's platform (the `inngest` family until the platform is read).
    var family = ProcedureCatalog.inngest

    init(baseDirectory: String) {
        self.baseDirectory = baseDirectory
    }

    // MARK: - Root

    /// Reads the whole document. Returns `nil` when the version is missing or unsupported (nothing
    /// else is checked then, since the fields may mean something else); otherwise a playbook, which
    /// is valid only if ``problems`` is empty.
    mutating func read(_ document: JSONValue, path: String, contentHash: String) -> Playbook? {
        guard let root = object(document, at: "") else { return nil }
        guard let versionValue = root["version"] else {
            report("version", "required field is missing", fix: "add \"version\": 1 at the top of the file")
            return nil
        }
        guard let version = integer(versionValue, at: "version") else { return nil }
        guard version == Playbook.formatVersion else {
            report(
                "version",
                "unsupported playbook version \(version); this rekey reads version \(Playbook.formatVersion)",
                fix: version > Playbook.formatVersion
                    ? "use a rekey release that reads version \(version), or rewrite the playbook for version 1"
                    : "set \"version\": 1"
            )
            return nil
        }
        checkFields(of: root, at: "", allowed: Fields.root)

        if let schema = root["$schema"] { _ = string(schema, at: "$schema") }
        let name = root["name"].flatMap { nonEmptyString($0, at: "name", fix: "remove it or give the playbook a name") }
        let platform = readPlatform(root)
        family = Self.family(of: root, platform: platform)
        let environment = required(
            root, "environment", at: "",
            fix: "name the platform environment to rotate, e.g. \"environment\": \"production\""
        ).flatMap { nonEmptyString($0, at: "environment", fix: "name the platform environment, e.g. \"production\"") }
        let selection = readSteps(root)
        let apps = readApps(root, platform: platform, steps: selection?.steps)
        let options = readOptions(root, steps: selection?.steps)

        guard let platform, let environment, let selection, let apps, let options else { return nil }
        return Playbook(
            path: path,
            contentHash: contentHash,
            name: name,
            platform: platform,
            environment: environment,
            steps: selection.steps,
            procedure: selection.procedure,
            apps: apps,
            options: options
        )
    }

    // MARK: - Platform

    private mutating func readPlatform(_ root: JSONObject) -> PlatformSpec? {
        let fix =
            "add \"platform\": {\"kind\": \"sandbox\", \"settings\": {\"state\": \"sandbox.json\"}} or kind \"inngest\""
        guard let value = required(root, "platform", at: "", fix: fix), let platform = object(value, at: "platform")
        else { return nil }
        checkFields(of: platform, at: "platform", allowed: Fields.platform)
        let kindFix = "set it to one of: \(Self.platformKinds.joined(separator: ", "))"
        guard let kindValue = required(platform, "kind", at: "platform", fix: kindFix),
            let kind = string(kindValue, at: "platform.kind")
        else { return nil }
        let settings: JSONObject?
        if let value = platform["settings"] {
            guard let object = object(value, at: "platform.settings") else { return nil }
            settings = object
        } else {
            settings = nil
        }

        switch kind {
        case "sandbox":
            guard let settings else {
                report(
                    "platform.settings", "required field is missing",
                    fix: "add \"settings\": {\"state\": \"sandbox.json\"}"
                )
                return nil
            }
            checkFields(of: settings, at: "platform.settings", allowed: Fields.sandboxSettings)
            let stateFix = "set it to the sandbox state file, e.g. \"sandbox.json\""
            guard let stateValue = required(settings, "state", at: "platform.settings", fix: stateFix),
                let state = nonEmptyString(stateValue, at: "platform.settings.state", fix: stateFix),
                let resolved = existingFile(
                    state, at: "platform.settings.state",
                    fix: "run 'rekey sandbox init DIR' or correct the path"
                )
            else { return nil }
            return .sandbox(state: resolved)
        case "inngest":
            return readInngestSettings(settings ?? JSONObject())
        case "inngest-self-hosted", "eventnerds", "exec":
            return readOtherPlatform(kind, settings)
        default:
            report(
                "platform.kind", "unknown platform kind '\(Self.quoted(kind))'",
                fix: didYouMean(kind, among: Self.platformKinds, else: kindFix)
            )
            return nil
        }
    }

    private mutating func readInngestSettings(_ settings: JSONObject) -> PlatformSpec? {
        let path = "platform.settings"
        checkFields(of: settings, at: path, allowed: Fields.inngestSettings)
        let before = problems.count
        var apiURL = "https://api.inngest.com"
        if let value = settings["apiURL"], let url = string(value, at: "\(path).apiURL") {
            checkURL(url, at: "\(path).apiURL")
            apiURL = url
        }
        var graphqlURL: String?
        if let value = settings["graphqlURL"], let url = string(value, at: "\(path).graphqlURL") {
            checkURL(url, at: "\(path).graphqlURL")
            graphqlURL = url
        }
        var apiKeyEnv = "INNGEST_API_KEY"
        if let value = settings["apiKeyEnv"], let name = environmentVariableName(value, at: "\(path).apiKeyEnv") {
            apiKeyEnv = name
        }
        var sessionTokenEnv: String?
        if let value = settings["sessionTokenEnv"] {
            sessionTokenEnv = environmentVariableName(value, at: "\(path).sessionTokenEnv")
        }
        var environmentID: String?
        if let value = settings["environmentID"] {
            environmentID = nonEmptyString(
                value, at: "\(path).environmentID",
                fix: "remove it (rekey looks the id up) or give the environment's id"
            )
        }
        guard problems.count == before else { return nil }
        return .inngest(
            InngestSettings(
                apiURL: apiURL,
                graphqlURL: graphqlURL,
                apiKeyEnv: apiKeyEnv,
                sessionTokenEnv: sessionTokenEnv,
                environmentID: environmentID
            ))
    }

    /// The name of an environment variable. The value is never echoed: someone may have pasted the
    /// credential itself.
    mutating func environmentVariableName(_ value: JSONValue, at path: String) -> String? {
        guard let name = string(value, at: path) else { return nil }
        guard Self.isEnvironmentVariableName(name) else {
            report(
                path,
                "expected the name of an environment variable (letters, digits and '_', not starting with a digit)",
                fix: "put the credential in an environment variable and give its name here, e.g. \"INNGEST_API_KEY\""
            )
            return nil
        }
        return name
    }

    static func isEnvironmentVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }

    /// Checks an http(s) URL: https anywhere, http only for loopback hosts, no credentials inside.
    mutating func checkURL(_ url: String, at path: String) {
        let lowered = url.lowercased()
        let isHTTPS = lowered.hasPrefix("https://")
        guard isHTTPS || lowered.hasPrefix("http://") else {
            report(
                path, "expected an http:// or https:// URL", fix: "write the full URL, e.g. \"https://api.example.com\""
            )
            return
        }
        guard !url.contains(where: { $0.isWhitespace }) else {
            report(path, "the URL contains whitespace", fix: "remove the spaces or percent-encode them")
            return
        }
        let rest = url.dropFirst(isHTTPS ? 8 : 7)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else {
            report(
                path, "credentials never go in a playbook",
                fix: "remove the user:password@ part; rekey reads credentials from environment variables"
            )
            return
        }
        var host: Substring
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                report(path, "the URL has an unclosed '[' in its host", fix: "write an IPv6 host as [::1]")
                return
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    report(path, "the URL's host is malformed", fix: "write it as https://host[:port]/path")
                    return
                }
                port = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else {
            report(path, "the URL has no host", fix: "write it as https://host[:port]/path")
            return
        }
        if let port, !(port.allSatisfy(\.isASCII) && UInt16(port).map { $0 > 0 } == true) {
            report(path, "the URL's port is not a number between 1 and 65535", fix: "correct the port")
            return
        }
        if !isHTTPS && !Self.loopbackHosts.contains(host.lowercased()) {
            report(
                path, "http is allowed only for loopback hosts",
                fix: "use https://, or http:// with 127.0.0.1, [::1] or localhost"
            )
        }
    }

    // MARK: - Steps

    private mutating func readSteps(_ root: JSONObject) -> (steps: [StepID], procedure: String)? {
        let procedureValue = root["procedure"]
        let stepsValue = root["steps"]
        if procedureValue != nil && stepsValue != nil {
            report(
                "steps", "'procedure' and 'steps' cannot both be set",
                fix: "keep 'procedure' to run a named procedure, or 'steps' to list the steps yourself"
            )
        }
        var result: (steps: [StepID], procedure: String)?
        if let procedureValue {
            if let name = string(procedureValue, at: "procedure") {
                if let steps = family.steps(for: name) {
                    result = (steps, name)
                } else {
                    let known =
                        "use one of: \(family.names.joined(separator: ", ")), or list 'steps'"
                        + Self.otherFamilyNote(name, family: family)
                    report(
                        "procedure", "unknown procedure '\(Self.quoted(name))'",
                        fix: didYouMean(name, among: family.names, else: known)
                    )
                }
            }
        }
        if let stepsValue {
            result = readStepList(stepsValue).map { ($0, ProcedureCatalog.customName) }
        }
        if procedureValue == nil && stepsValue == nil {
            result = (family.procedures[0].steps, family.defaultProcedure)
        }
        return procedureValue != nil && stepsValue != nil ? nil : result
    }

    private mutating func readStepList(_ value: JSONValue) -> [StepID]? {
        guard let elements = array(value, at: "steps") else { return nil }
        guard !elements.isEmpty else {
            report("steps", "the list is empty", fix: "list at least one step, or use 'procedure' instead")
            return nil
        }
        let before = problems.count
        var selected: [(index: Int, step: StepID)] = []
        for (index, element) in elements.enumerated() {
            let path = "steps[\(index)]"
            guard let step = stepID(element, at: path) else { continue }
            if let first = selected.first(where: { $0.step == step }) {
                report(
                    path, "step '\(step)' is listed twice (also at steps[\(first.index)])", fix: "remove one of them")
                continue
            }
            let position = family.canonicalIndex(of: step)!
            if let later = selected.first(where: { family.canonicalIndex(of: $0.step)! > position }) {
                report(
                    path, "step '\(step)' is out of order; it must come before '\(later.step)'",
                    fix: "list the steps in this order: \(canonicalOrder(selected.map(\.step) + [step]))"
                )
            }
            selected.append((index, step))
        }
        let steps = selected.map(\.step)
        for (index, step) in selected {
            guard let unmet = family.requirement(of: step).unmet(in: steps) else { continue }
            let procedure = family.procedures.filter { p in steps.allSatisfy(p.steps.contains) }
                .min { $0.steps.count < $1.steps.count }
            var fix = "add \(unmet.phrase) to steps"
            if let procedure { fix += ", or use \"procedure\": \"\(procedure.name)\"" }
            report("steps[\(index)]", "step '\(step)' needs \(unmet.phrase) in the same playbook", fix: fix)
        }
        guard problems.count == before else { return nil }
        return steps.sorted { family.canonicalIndex(of: $0)! < family.canonicalIndex(of: $1)! }
    }

    /// A known step id, or a problem.
    private mutating func stepID(_ value: JSONValue, at path: String) -> StepID? {
        guard let name = string(value, at: path) else { return nil }
        guard let step = StepID(name), family.isKnown(step) else {
            let known = "known steps: \(family.steps.map(\.rawValue).joined(separator: ", "))"
            var fix = known
            if let suggestion = Spelling.suggestion(for: name, among: family.steps.map(\.rawValue)) {
                fix = "did you mean '\(suggestion)'? \(known)"
            }
            report(path, "unknown step '\(Self.quoted(name))'", fix: fix)
            return nil
        }
        return step
    }

    private func canonicalOrder(_ steps: [StepID]) -> String {
        family.steps.filter(steps.contains).map(\.rawValue).joined(separator: ", ")
    }

    // MARK: - Apps

    private mutating func readApps(_ root: JSONObject, platform: PlatformSpec?, steps: [StepID]?) -> [AppSpec]? {
        let fix = "add \"apps\": [{\"name\": \"api\", \"target\": {\"kind\": \"dotenv\", \"path\": \"api.env\"}}]"
        guard let value = required(root, "apps", at: "", fix: fix), let elements = array(value, at: "apps") else {
            return nil
        }
        guard !elements.isEmpty else {
            report("apps", "the list is empty", fix: "add at least one app whose configuration rekey updates")
            return nil
        }
        let defaultVerify = Self.defaultVerify(for: platform)
        var apps: [AppSpec] = []
        var names: [String: Int] = [:]
        var targets: [String: (index: Int, written: String)] = [:]
        for (index, element) in elements.enumerated() {
            let path = "apps[\(index)]"
            guard let app = object(element, at: path) else { continue }
            checkFields(of: app, at: path, allowed: Fields.app)
            let before = problems.count

            let nameFix = "give the app a unique name, e.g. \"api\""
            var name: String?
            if let value = required(app, "name", at: path, fix: nameFix),
                let text = nonEmptyString(value, at: "\(path).name", fix: nameFix)
            {
                if !Self.isAppName(text) {
                    report(
                        "\(path).name", "app name '\(Self.quoted(text))' has characters that are not allowed",
                        fix: "start with a letter or digit and use only letters, digits, '.', '_' and '-'"
                    )
                } else if let first = names[text] {
                    report(
                        "\(path).name", "duplicate app name '\(text)' (also apps[\(first)])",
                        fix: "give each app a unique name"
                    )
                } else {
                    names[text] = index
                }
                name = text
            }
            var platformID: String?
            if let value = app["platformID"] {
                platformID = nonEmptyString(
                    value, at: "\(path).platformID",
                    fix: "remove it to use the app name, or give the app's id on the platform"
                )
            }
            let target = readTarget(app, at: path, index: index, targets: &targets, steps: steps)
            var verify: VerifySpec? = defaultVerify
            if let value = app["verify"] { verify = readVerify(value, at: "\(path).verify") }
            var eventKey: String?
            if let value = app["eventKey"] {
                eventKey = nonEmptyString(
                    value, at: "\(path).eventKey",
                    fix: "remove it, or give the name of the event key the app uses (the name, not the key)"
                )
            }
            let (apiKey, variable) = readAPIKeyFields(app, at: path, steps: steps)
            guard problems.count == before, let name, let target, let verify else { continue }
            apps.append(
                AppSpec(
                    name: name, platformID: platformID, target: target, verify: verify, eventKey: eventKey,
                    apiKey: apiKey, variable: variable))
        }
        return apps.count == elements.count ? apps : nil
    }

    static func isAppName(_ name: String) -> Bool {
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard let first = name.utf8.first, isAlphanumeric(first) else { return false }
        return name.utf8.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    mutating func readTarget(
        _ app: JSONObject,
        at appPath: String,
        index: Int,
        targets: inout [String: (index: Int, written: String)],
        steps: [StepID]?
    ) -> TargetSpec? {
        let path = "\(appPath).target"
        let fix = "add \"target\": {\"kind\": \"dotenv\", \"path\": \"app.env\"}"
        guard let value = required(app, "target", at: appPath, fix: fix), let target = object(value, at: path) else {
            return nil
        }
        checkFields(of: target, at: path, allowed: Fields.target)
        let kindFix = "set it to one of: \(Self.targetKinds.joined(separator: ", "))"
        var kindIsValid = false
        if let value = required(target, "kind", at: path, fix: kindFix), let kind = string(value, at: "\(path).kind") {
            if Self.targetKinds.contains(kind) {
                kindIsValid = true
                rejectOtherKindsFields(of: target, at: path, kind: kind)
                if kind == "exec" { return readExecTarget(target, at: path, steps: steps) }
                if kind == "manual" { return readManualTarget(target, at: path) }
            } else {
                report(
                    "\(path).kind", "unknown target kind '\(Self.quoted(kind))'",
                    fix: didYouMean(kind, among: Self.targetKinds, else: kindFix)
                )
            }
        }
        if !kindIsValid, target["path"] == nil { return nil }
        let pathFix = "give the path of the app's dotenv file, e.g. \"apps/api.env\""
        guard let value = required(target, "path", at: path, fix: pathFix),
            let written = nonEmptyString(value, at: "\(path).path", fix: pathFix),
            let resolved = existingFile(written, at: "\(path).path", fix: "create it or correct the path")
        else { return nil }
        let identity = Self.realPath(resolved) ?? resolved
        if let other = targets[identity] {
            report(
                "\(path).path", "file '\(Self.quoted(written))' is also the target of apps[\(other.index)]",
                fix: "give each app its own target file"
            )
            return nil
        }
        targets[identity] = (index, written)
        return kindIsValid ? .dotenv(path: resolved) : nil
    }

    /// Reports the fields of `target` that belong to another kind than `kind`.
    private mutating func rejectOtherKindsFields(of target: JSONObject, at path: String, kind: String) {
        for (field, owner) in Fields.targetFieldOwners where owner != kind && target[field] != nil {
            report(
                Self.join(path, field), "'\(field)' applies only to target kind '\(owner)'",
                fix: "remove it, or set \"kind\": \"\(owner)\""
            )
        }
    }

    private mutating func readExecTarget(_ target: JSONObject, at path: String, steps: [StepID]?) -> TargetSpec? {
        let before = problems.count
        let setFix =
            "give the command that sets one variable and reads its value on stdin, e.g. "
            + "[\"vercel\", \"env\", \"add\", \"{name}\", \"production\"]"
        let unsetFix =
            "give the command that deletes one variable, e.g. [\"vercel\", \"env\", \"rm\", \"{name}\", \"production\", "
            + "\"--yes\"]"
        var set: [String]?
        if let value = required(target, "set", at: path, fix: setFix) {
            set = execCommand(value, at: "\(path).set", fix: setFix)
        }
        var unset: [String]?
        if let value = target["unset"] {
            unset = execCommand(value, at: "\(path).unset", fix: unsetFix)
        } else if let steps, steps.contains(.stageSigningKeys) || steps.contains(.dropFallback) {
            report(
                "\(path).unset", "required field is missing",
                fix: unsetFix + "; drop-fallback deletes INNGEST_SIGNING_KEY_FALLBACK (and 'rekey abort' may)"
            )
        }
        var timeout = ExecTargetSpec.defaultTimeout
        if let value = target["timeout"],
            let seconds = duration(
                value, at: "\(path).timeout", maximum: Self.maximumCommandTimeout,
                fix: "use a value like 30s or 5m (default 1m)")
        {
            timeout = seconds
        }
        var newline = false
        if let value = target["newline"] {
            if case .bool(let flag) = value {
                newline = flag
            } else {
                report("\(path).newline", "expected true or false, found \(value.kindDescription)")
            }
        }
        guard problems.count == before, let set else { return nil }
        return .exec(
            ExecTargetSpec(set: set, unset: unset, timeout: timeout, newline: newline, directory: baseDirectory))
    }

    /// An argv for an exec target: a non-empty array of strings whose first element is the program, with
    /// `{name}` somewhere and no placeholder but `{name}` and `{app}`. A program given as a path resolves
    /// against the playbook's directory and must be an executable file.
    mutating func execCommand(_ value: JSONValue, at path: String, fix: String) -> [String]? {
        guard let elements = array(value, at: path) else { return nil }
        guard !elements.isEmpty else {
            report(path, "the command is empty", fix: fix)
            return nil
        }
        let before = problems.count
        var argv: [String] = []
        for (index, element) in elements.enumerated() {
            guard let word = commandWord(element, at: "\(path)[\(index)]") else { continue }
            checkPlaceholders(word, at: "\(path)[\(index)]")
            argv.append(word)
        }
        guard problems.count == before else { return nil }
        if argv[0].allSatisfy(\.isWhitespace) {
            report("\(path)[0]", "the program must not be empty", fix: fix)
            return nil
        }
        if !argv.contains(where: { $0.contains("{name}") }) {
            report(
                path, "the command does not contain {name}",
                fix: "put {name} where the tool expects the variable's name; rekey runs the command once per variable"
            )
            return nil
        }
        guard resolveProgram(&argv, at: path) else { return nil }
        return argv
    }

    /// One word of a command line: a string without NUL (the program would get it cut short).
    mutating func commandWord(_ value: JSONValue, at path: String) -> String? {
        guard let word = string(value, at: path) else { return nil }
        guard !word.utf8.contains(0) else {
            report(path, "the word contains a NUL character", fix: "remove the \\u0000; a command line can't hold one")
            return nil
        }
        return word
    }

    /// Resolves `argv[0]` when it names a path: the file must exist and be executable. A bare name is left to
    /// `PATH`. Reports the problem and returns false otherwise.
    mutating func resolveProgram(_ argv: inout [String], at path: String) -> Bool {
        guard argv[0].contains("/") else { return true }
        guard let program = existingFile(argv[0], at: "\(path)[0]", fix: "correct the path of the program") else {
            return false
        }
        guard access(program, X_OK) == 0 else {
            report(
                "\(path)[0]", "'\(Self.quoted(argv[0]))' is not executable",
                fix: "run 'chmod +x \(Self.quoted(argv[0]))'"
            )
            return false
        }
        argv[0] = program
        return true
    }

    /// Reports `{word}` placeholders other than `{name}` and `{app}`; a value placeholder gets its own
    /// message, since the value never goes on a command line. Other braces (`{.data}`, JSON) are literal.
    private mutating func checkPlaceholders(_ word: String, at path: String) {
        var rest = word[...]
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { return }
            let name = String(after[..<close])
            rest = after[after.index(after: close)...]
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_") }) else { continue }
            if ExecTargetSpec.placeholders.contains(name) { continue }
            if ["value", "secret", "key", "val", "token"].contains(name.lowercased()) {
                report(
                    path, "'{\(Self.quoted(name))}' is not a placeholder: a value never goes on a command line",
                    fix: "remove it; rekey writes the value to the command's standard input (tools read it from '-' or "
                        + "/dev/stdin)"
                )
            } else {
                report(path, "unknown placeholder '{\(Self.quoted(name))}'", fix: "use only {name} and {app}")
            }
        }
    }

    private mutating func readManualTarget(_ target: JSONObject, at path: String) -> TargetSpec? {
        let fix =
            "say where a person sets the app's variables, e.g. \"Heroku dashboard: billing > Settings > Config Vars\""
        guard let value = required(target, "where", at: path, fix: fix),
            let location = nonEmptyString(value, at: "\(path).where", fix: fix)
        else { return nil }
        guard !location.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            report("\(path).where", "must be one line without control characters", fix: fix)
            return nil
        }
        return .manual(location: location)
    }

    private mutating func readVerify(_ value: JSONValue, at path: String) -> VerifySpec? {
        guard let verify = object(value, at: path) else { return nil }
        checkFields(of: verify, at: path, allowed: Fields.verify)
        let kindFix = "set it to one of: \(Self.verifyKinds.joined(separator: ", "))"
        guard let kindValue = required(verify, "kind", at: path, fix: kindFix),
            let kind = string(kindValue, at: "\(path).kind")
        else { return nil }
        switch kind {
        case "platform", "approval":
            if verify["url"] != nil {
                report(
                    "\(path).url", "'url' applies only to verify kind 'introspection'",
                    fix: "remove it, or set \"kind\": \"introspection\""
                )
                return nil
            }
            return kind == "platform" ? .platform : .approval
        case "introspection":
            let urlFix = "give the app's Inngest serve endpoint, e.g. \"https://api.example.com/api/inngest\""
            guard let urlValue = required(verify, "url", at: path, fix: urlFix),
                let url = string(urlValue, at: "\(path).url")
            else { return nil }
            let before = problems.count
            checkURL(url, at: "\(path).url")
            return problems.count == before ? .introspection(url: url) : nil
        default:
            report(
                "\(path).kind", "unknown verify kind '\(Self.quoted(kind))'",
                fix: didYouMean(kind, among: Self.verifyKinds, else: kindFix)
            )
            return nil
        }
    }

    // MARK: - Options

    private mutating func readOptions(_ root: JSONObject, steps: [StepID]?) -> PlaybookOptions? {
        guard let value = root["options"] else { return PlaybookOptions() }
        guard let options = object(value, at: "options") else { return nil }
        checkFields(of: options, at: "options", allowed: Fields.options)
        let before = problems.count
        var result = PlaybookOptions()

        if let value = options["keyName"], let keyName = string(value, at: "options.keyName") {
            checkKeyName(keyName, at: "options.keyName")
            result.keyName = keyName
        }
        if let value = options["concurrency"], let concurrency = integer(value, at: "options.concurrency") {
            if Self.concurrencyRange.contains(concurrency) {
                result.concurrency = concurrency
            } else {
                report(
                    "options.concurrency",
                    "must be between \(Self.concurrencyRange.lowerBound) and \(Self.concurrencyRange.upperBound), "
                        + "found \(concurrency)",
                    fix: "use a value from 1 to 64 (default 8)"
                )
            }
        }
        if let value = options["confirmRedeploy"], let confirm = readConfirmRedeploy(value) {
            result.confirmRedeploy = confirm
        }
        if let value = options["requestTimeout"],
            let seconds = duration(
                value, at: "options.requestTimeout", maximum: Self.maximumPoll,
                fix: "use a value like 30s (a request that needs longer is retried, not waited for)")
        {
            result.requestTimeout = seconds
        }
        if let value = options["requireApproval"] {
            result.requireApproval = readRequireApproval(value, steps: steps)
        }
        return problems.count == before ? result : nil
    }

    private mutating func checkKeyName(_ keyName: String, at path: String) {
        let allowed = Self.keyNamePlaceholders.map { "{\($0)}" }
        let allowedList = "use only \(allowed.dropLast().joined(separator: ", ")) or \(allowed.last!)"
        var found: Set<String> = []
        var rest = keyName[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                report(path, "unclosed '{' in the key name", fix: "close the placeholder, e.g. {date}")
                return
            }
            let name = String(rest[rest.index(after: open)..<close])
            if Self.keyNamePlaceholders.contains(name) {
                found.insert(name)
            } else {
                let suggestion = Spelling.suggestion(for: name, among: Self.keyNamePlaceholders)
                report(
                    path, "unknown placeholder '{\(Self.quoted(name))}'",
                    fix: suggestion.map { "did you mean '{\($0)}'? \(allowedList)" } ?? allowedList
                )
            }
            rest = rest[rest.index(after: close)...]
        }
        if !found.contains("rotation") && !found.contains("date") {
            report(
                path, "the key name must contain {rotation} or {date}",
                fix: "add one, e.g. \"{name} (rotated {date})\"; rekey recognises the keys it created by their name"
            )
        }
    }

    private mutating func readConfirmRedeploy(_ value: JSONValue) -> ConfirmRedeployOptions? {
        let path = "options.confirmRedeploy"
        guard let confirm = object(value, at: path) else { return nil }
        checkFields(of: confirm, at: path, allowed: Fields.confirmRedeploy)
        let before = problems.count
        var result = ConfirmRedeployOptions()
        if let value = confirm["mode"], let mode = string(value, at: "\(path).mode") {
            let modes = ConfirmRedeployOptions.Mode.allCases.map(\.rawValue)
            if let parsed = ConfirmRedeployOptions.Mode(rawValue: mode) {
                result.mode = parsed
            } else {
                report(
                    "\(path).mode", "unknown mode '\(Self.quoted(mode))'",
                    fix: didYouMean(mode, among: modes, else: "use one of: \(modes.joined(separator: ", "))")
                )
            }
        }
        if let value = confirm["timeout"],
            let seconds = duration(
                value, at: "\(path).timeout", maximum: Self.maximumWait,
                fix: "use a value like 30m or 24h (at most 7 days); a run that stops waiting can be resumed")
        {
            result.timeout = seconds
        }
        if let value = confirm["interval"],
            let seconds = duration(
                value, at: "\(path).interval", maximum: Self.maximumPoll, fix: "use a value like 2s or 30s")
        {
            result.interval = seconds
        }
        return problems.count == before ? result : nil
    }

    /// A positive duration of at most `maximum` seconds, or a problem naming the field, the maximum and `fix`.
    mutating func duration(_ value: JSONValue, at path: String, maximum: Double, fix: String) -> Double? {
        switch value {
        case .number, .string: break
        default:
            report(
                path,
                "expected a duration (a number of seconds or a string like \"10m\"), found \(value.kindDescription)"
            )
            return nil
        }
        let seconds: Double
        do {
            seconds = try DurationParser.parse(value)
        } catch {
            report(path, error.description)
            return nil
        }
        guard seconds > 0 else {
            report(path, "the duration must be greater than zero", fix: "use a value like 2s or 10m")
            return nil
        }
        guard seconds <= maximum else {
            report(
                path,
                "must be at most \(DurationParser.format(seconds: maximum)), found "
                    + DurationParser.format(seconds: seconds),
                fix: fix
            )
            return nil
        }
        return seconds
    }

    private mutating func readRequireApproval(_ value: JSONValue, steps: [StepID]?) -> [StepID]? {
        let path = "options.requireApproval"
        guard let elements = array(value, at: path) else { return nil }
        var result: [StepID] = []
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path)[\(index)]"
            guard let step = stepID(element, at: elementPath) else { continue }
            if let first = result.firstIndex(of: step) {
                report(
                    elementPath, "step '\(step)' is listed twice (also at \(path)[\(first)])", fix: "remove one of them"
                )
                continue
            }
            if let steps, !steps.contains(step) {
                report(
                    elementPath, "step '\(step)' is not one of the playbook's steps",
                    fix: "remove it, or select the step (\(steps.map(\.rawValue).joined(separator: ", ")) are selected)"
                )
                continue
            }
            result.append(step)
        }
        return result
    }

    // MARK: - Files

    /// Resolves `written` against the playbook's directory and checks that it is an existing regular
    /// file. Returns the absolute path.
    mutating func existingFile(_ written: String, at path: String, fix: String) -> String? {
        // The system would see the path only up to the NUL: another file than the one written.
        guard !written.utf8.contains(0) else {
            report(path, "the path contains a NUL character", fix: "remove the \\u0000 from the path")
            return nil
        }
        let resolved = Self.normalized(FileIO.resolve(written, relativeTo: baseDirectory))
        var info = stat()
        guard stat(resolved, &info) == 0 else {
            let relativeNote = written.hasPrefix("/") ? "" : " (relative paths start at the playbook's directory)"
            report(path, "file '\(Self.quoted(written))' does not exist", fix: fix + relativeNote)
            return nil
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let what = (info.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            report(path, "'\(Self.quoted(written))' is \(what)", fix: "give the path of a file")
            return nil
        }
        return resolved
    }

    /// `path` without `.` components and repeated slashes (`..` is kept: with symlinks, only the
    /// file system can resolve it).
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if path.hasPrefix("/") { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The canonical path of an existing file (symlinks and `..` resolved), to compare two paths.
    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    // MARK: - Typed access

    mutating func report(_ path: String, _ message: String, fix: String? = nil) {
        problems.append(PlaybookProblem(jsonPath: path, message: message, fix: fix))
    }

    private static func join(_ path: String, _ key: String) -> String {
        let isIdentifier =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || $0 == "_" || $0 == "$"
                    || $0 == "-"
            }
        let segment = isIdentifier ? key : "[" + JSONValue.string(key).serialized() + "]"
        if path.isEmpty { return segment }
        return isIdentifier ? "\(path).\(segment)" : path + segment
    }

    /// Reports every member not in `allowed`, suggesting the closest allowed name, and calls out
    /// fields that look like credentials (their values are never echoed).
    mutating func checkFields(of object: JSONObject, at path: String, allowed: [String]) {
        for key in object.keys where !allowed.contains(key) {
            let fieldPath = Self.join(path, key)
            if let fix = Self.credentialFix(for: key, at: path) {
                report(fieldPath, "credentials never go in a playbook", fix: fix)
            } else if let suggestion = Spelling.suggestion(for: key, among: allowed, maximumDistance: 2),
                Spelling.distance(key, suggestion) <= 2
            {
                report(fieldPath, "unknown field '\(Self.quoted(key))'", fix: "did you mean '\(suggestion)'?")
            } else {
                report(
                    fieldPath, "unknown field '\(Self.quoted(key))'",
                    fix: "remove it; allowed fields: \(allowed.joined(separator: ", "))"
                )
            }
        }
    }

    /// The fix for a field whose name says it holds a credential, or `nil` for other names.
    private static func credentialFix(for key: String, at path: String) -> String? {
        let squashed = key.lowercased().filter { $0 != "_" && $0 != "-" }
        let inSettings = path == "platform.settings"
        switch squashed {
        case "apikey", "token", "secret", "password", "accesstoken", "bearertoken":
            return inSettings
                ? "put the value in an environment variable and name it in apiKeyEnv"
                : "remove it; rekey reads credentials from environment variables named in platform.settings"
        case "sessiontoken":
            return inSettings
                ? "put the value in an environment variable and name it in sessionTokenEnv"
                : "remove it; rekey reads credentials from environment variables named in platform.settings"
        case "signingkey", "signingkeyfallback", "eventkeyvalue":
            return "remove it; rekey reads and creates keys through the platform"
        default:
            return nil
        }
    }

    func didYouMean(_ word: String, among candidates: [String], else fallback: String) -> String {
        guard let suggestion = Spelling.suggestion(for: word, among: candidates) else { return fallback }
        return "did you mean '\(suggestion)'?"
    }

    mutating func required(_ object: JSONObject, _ key: String, at path: String, fix: String) -> JSONValue? {
        guard let value = object[key] else {
            report(Self.join(path, key), "required field is missing", fix: fix)
            return nil
        }
        return value
    }

    mutating func object(_ value: JSONValue, at path: String) -> JSONObject? {
        guard case .object(let object) = value else {
            report(path, "expected an object, found \(value.kindDescription)")
            return nil
        }
        return object
    }

    mutating func array(_ value: JSONValue, at path: String) -> [JSONValue]? {
        guard case .array(let elements) = value else {
            report(path, "expected an array, found \(value.kindDescription)")
            return nil
        }
        return elements
    }

    mutating func string(_ value: JSONValue, at path: String) -> String? {
        guard case .string(let text) = value else {
            report(path, "expected a string, found \(value.kindDescription)")
            return nil
        }
        return text
    }

    mutating func nonEmptyString(_ value: JSONValue, at path: String, fix: String) -> String? {
        guard let text = string(value, at: path) else { return nil }
        guard !text.allSatisfy(\.isWhitespace) else {
            report(path, "must not be empty", fix: fix)
            return nil
        }
        return text
    }

    mutating func integer(_ value: JSONValue, at path: String) -> Int? {
        guard case .number(let number) = value else {
            report(path, "expected an integer, found \(value.kindDescription)")
            return nil
        }
        guard let integer = value.integerValue else {
            report(path, "expected an integer, found \(JSONValue.number(number).serialized())")
            return nil
        }
        return integer
    }

    /// User text for a message: at most 64 characters, control characters shown as `?`.
    static func quoted(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return cleaned.count > 64 ? String(cleaned.prefix(64)) + "…" : cleaned
    }
}
