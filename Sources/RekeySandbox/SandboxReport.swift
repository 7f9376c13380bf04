import Foundation
import RekeyCore

/// What `rekey sandbox show` prints: the environment's keys and what each app runs with, identified by
/// fingerprints only. Neither view ever contains key material.
public struct SandboxReport: Sendable {
    /// The state shown.
    public var state: SandboxState
    /// The state file, shown in the header when known.
    public var statePath: String?

    public init(state: SandboxState, statePath: String? = nil) {
        self.state = state
        self.statePath = statePath
    }

    /// Reads the state through its store (under the lock) and builds the report.
    ///
    /// - Throws: A ``SandboxError`` about the state file, or what the store's interceptor throws.
    public static func load(from store: SandboxStore) async throws -> SandboxReport {
        let state = try await store.read("show") { $0 }
        return SandboxReport(state: state, statePath: store.path)
    }

    // MARK: - Classification

    /// What one of an app's Inngest variables holds, as the report shows it.
    public enum VariableState: String, Sendable {
        /// The variable is not set.
        case absent
        /// `NAME=`: a configured, empty key (a hazard: the SDK accepts the empty key).
        case empty
        /// A value that isn't a well-formed key (a signing key that isn't hex).
        case invalid
        /// A value, identified by its fingerprint.
        case set
    }

    /// A classified variable: its state, fingerprint, and the environment key it equals (if any).
    struct Variable {
        var state: VariableState
        var fingerprint: Fingerprint?
        var keyID: String?
        var keyLabel: String?
    }

    func signingVariable(_ value: Secret?) -> Variable {
        guard let value else { return Variable(state: .absent) }
        if value.isEmpty { return Variable(state: .empty) }
        guard let fingerprint = InngestSigningKey.fingerprint(value) else { return Variable(state: .invalid) }
        let key = state.signingKeys.first { $0.fingerprint == fingerprint }
        return Variable(
            state: .set,
            fingerprint: fingerprint,
            keyID: key?.id,
            keyLabel: key.map { "\($0.id), \($0.active ? "ACTIVE" : "inactive")" } ?? serverLabel(signing: fingerprint)
        )
    }

    func eventVariable(_ value: Secret?) -> Variable {
        guard let value else { return Variable(state: .absent) }
        if value.isEmpty { return Variable(state: .empty) }
        let key = state.eventKeys.first { $0.key == value }
        return Variable(
            state: .set,
            fingerprint: value.utf8Fingerprint,
            keyID: key?.id,
            keyLabel: key.map { "\($0.id) '\($0.name)'" } ?? serverLabel(event: value)
        )
    }

    // MARK: - Text

    /// The human view.
    public var text: String {
        var lines = ["Sandbox environment '\(state.environment)'" + (statePath.map { " (\($0))" } ?? "")]
        let disabled = state.options.disabledCapabilities
        lines.append(
            "Options: auto-redeploy \(state.options.autoRedeploy ? "on" : "off"); API capabilities disabled: "
                + (disabled.isEmpty ? "none" : disabled.joined(separator: ", "))
        )

        // A sandbox of another platform (EventNerds, self-hosted) has no Inngest Cloud environment to show.
        let otherPlatform = state.eventNerdsToken != nil || state.server != nil
        if !otherPlatform || !state.signingKeys.isEmpty || !state.eventKeys.isEmpty {
            lines += ["", "Signing keys (\(state.signingKeys.count))"]
            for key in state.signingKeys {
                lines.append(
                    "  \(key.id)  \(key.active ? "ACTIVE  " : "inactive")  fingerprint \(fingerprintText(key.fingerprint))"
                        + "  created \(Self.timestamp(key.createdAt))"
                )
            }

            lines += ["", "Event keys (\(state.eventKeys.count))"]
            if state.eventKeys.isEmpty { lines.append("  none") }
            for key in state.eventKeys {
                lines.append("  \(key.id)  '\(key.name)'  fingerprint \(key.fingerprint)  \(key.filter.summary)")
            }
        }

        lines += platformLines()
        lines += ["", "Apps (\(state.apps.count))"]
        for app in state.apps {
            let deployed = app.deployedAt.map { "deployed \(Self.timestamp($0))" } ?? "never deployed"
            lines.append("  \(app.name)\(app.id == app.name ? "" : " (\(app.id))")  \(app.envFile)  \(deployed)")
            if let variable = app.apiKeyVariable {
                lines.append("    API key      " + apiKeyLine(app.running.apiKey, variable))
                continue
            }
            lines.append("    signing key  " + describe(signingVariable(app.running.signingKey), primary: true))
            lines.append(
                "    fallback     " + describe(signingVariable(app.running.signingKeyFallback), primary: false))
            lines.append("    event key    " + describe(eventVariable(app.running.eventKey), primary: false))
            lines.append("    last sync    " + describe(app.syncs.last))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func describe(_ variable: Variable, primary: Bool) -> String {
        switch variable.state {
        case .absent: return primary ? "none (hazard: the app can't start in cloud mode)" : "none"
        case .empty: return "EMPTY (hazard: the app accepts requests signed with the empty key)"
        case .invalid: return "not hexadecimal (hazard: every signed request fails)"
        case .set:
            return fingerprintText(variable.fingerprint) + "  " + (variable.keyLabel ?? "not a key of this environment")
        }
    }

    private func describe(_ sync: SandboxState.Sync?) -> String {
        guard let sync else { return "never" }
        switch sync.status {
        case .success:
            return "success \(Self.timestamp(sync.at)) with \(fingerprintText(sync.signingKeyFingerprint))"
        case .error:
            return "error \(Self.timestamp(sync.at)): \(sync.message ?? "no message")"
        }
    }

    private func fingerprintText(_ fingerprint: Fingerprint?) -> String {
        fingerprint?.hex ?? "(not hex)   "
    }

    // MARK: - JSON

    /// The machine view (`--json`): fingerprints and ids, never key material.
    public var json: String {
        let signingKeys = state.signingKeys.map { key in
            OrderedJSON.object([
                ("id", .string(key.id)),
                ("active", .bool(key.active)),
                ("fingerprint", .string(key.fingerprint?.hex)),
                ("createdAt", .string(Self.timestamp(key.createdAt))),
            ])
        }
        let eventKeys = state.eventKeys.map { key in
            OrderedJSON.object([
                ("id", .string(key.id)),
                ("name", .string(key.name)),
                ("fingerprint", .string(key.fingerprint.hex)),
                (
                    "filter",
                    .object([
                        ("mode", .string(key.filter.mode.rawValue)),
                        ("events", .strings(key.filter.events)),
                        ("ips", .strings(key.filter.ips)),
                    ])
                ),
                ("createdAt", .string(Self.timestamp(key.createdAt))),
            ])
        }
        let apps = state.apps.map { app in
            OrderedJSON.object([
                ("id", .string(app.id)),
                ("name", .string(app.name)),
                ("envFile", .string(app.envFile)),
                ("deployedAt", .string(app.deployedAt.map(Self.timestamp))),
                (
                    "running",
                    .object([
                        ("signingKey", json(signingVariable(app.running.signingKey))),
                        ("signingKeyFallback", json(signingVariable(app.running.signingKeyFallback))),
                        ("eventKey", json(eventVariable(app.running.eventKey))),
                    ])
                ),
                ("lastSync", app.syncs.last.map(json) ?? .null),
            ])
        }
        return OrderedJSON.object(
            [
                ("version", .int(1)),
                ("state", .string(statePath)),
                ("environment", .string(state.environment)),
                (
                    "options",
                    .object([
                        ("autoRedeploy", .bool(state.options.autoRedeploy)),
                        ("disabledCapabilities", .strings(state.options.disabledCapabilities)),
                    ])
                ),
                ("signingKeys", .array(signingKeys)),
                ("eventKeys", .array(eventKeys)),
                ("apps", .array(apps)),
            ] + platformMembers()
        ).rendered
    }

    private func json(_ variable: Variable) -> OrderedJSON {
        .object([
            ("state", .string(variable.state.rawValue)),
            ("fingerprint", .string(variable.fingerprint?.hex)),
            ("keyId", .string(variable.keyID)),
        ])
    }

    private func json(_ sync: SandboxState.Sync) -> OrderedJSON {
        .object([
            ("id", .string(sync.id)),
            ("at", .string(Self.timestamp(sync.at))),
            ("status", .string(sync.status.rawValue)),
            ("signingKeyFingerprint", .string(sync.signingKeyFingerprint?.hex)),
            ("message", .string(sync.message)),
        ])
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
