/// How the live state differs from the state a saved plan was made from: the reason `rekey run PLAN`
/// refuses a stale plan, as lines a reviewer can act on.
///
/// Compares keys (added, removed, activated, renamed, other material, other filters), what each app's
/// configuration holds (by fingerprint), the apps registered on the platform, and what the steps would
/// now do (an automatic step that became guided, different items). Never shows a secret: keys appear by
/// id, name, filters and fingerprint.
public struct PlanDrift: Sendable, Equatable {
    /// One line per difference, e.g. `event key ek_1 was added ('Billing', allow events [b/*])`.
    public var differences: [String]

    public init(differences: [String]) {
        self.differences = differences
    }

    /// Whether nothing drifted.
    public var isEmpty: Bool { differences.isEmpty }

    /// The differences between the state a plan saw and the state now.
    ///
    /// - Parameters:
    ///   - planned: The plan's baseline.
    ///   - live: The state read now.
    public static func between(_ planned: LiveState, _ live: LiveState) -> PlanDrift {
        var lines: [String] = []
        lines += keys("signing key", planned.signingKeys, live.signingKeys)
        lines += keys("event key", planned.eventKeys, live.eventKeys)
        lines += keys("API key", planned.apiKeys ?? [], live.apiKeys ?? [])
        lines += apps(planned.apps, live.apps)
        if let before = planned.registeredApps, let now = live.registeredApps, before != now {
            for id in now where !before.contains(id) { lines.append("app '\(id)' was registered on the platform") }
            for id in before where !now.contains(id) {
                lines.append("app '\(id)' is no longer registered on the platform")
            }
        }
        return PlanDrift(differences: lines)
    }

    /// The differences between the steps of a saved plan and the steps the same playbook plans now from
    /// the same live state (capabilities of the platform can change without the keys changing).
    ///
    /// - Parameters:
    ///   - planned: The saved plan's steps.
    ///   - now: The steps planned now.
    public static func between(steps planned: [PlannedStep], _ now: [PlannedStep]) -> PlanDrift {
        var lines: [String] = []
        let before = planned.map(\.id)
        let after = now.map(\.id)
        if before != after {
            lines.append(
                "the steps changed: \(before.map(\.rawValue).joined(separator: ", ")) → "
                    + after.map(\.rawValue).joined(separator: ", ")
            )
            return PlanDrift(differences: lines)
        }
        for (old, new) in zip(planned, now) {
            if old.automatic != new.automatic {
                lines.append(
                    "\(old.id) is now \(new.automatic ? "automatic" : "guided (the platform's API can no longer do it)")"
                )
            }
            if old.requiresApproval != new.requiresApproval {
                lines.append("\(old.id) \(new.requiresApproval ? "now needs" : "no longer needs") an approval")
            }
            let oldItems = old.items.map { "\($0.id): \($0.summary)" }
            let newItems = new.items.map { "\($0.id): \($0.summary)" }
            for item in newItems where !oldItems.contains(item) { lines.append("\(old.id): now plans \(item)") }
            for item in oldItems where !newItems.contains(item) { lines.append("\(old.id): no longer plans \(item)") }
        }
        return PlanDrift(differences: lines)
    }

    // MARK: - Parts

    /// Which event key an app's `INNGEST_EVENT_KEY` matched when the plan was made, and which it matches now.
    private static func eventKeyChange(from old: String?, to new: String?) -> String {
        switch (old, new) {
        case (let old?, let new?): "uses event key \(new) instead of \(old)"
        case (let old?, nil): "its event key matches none of the platform's keys any more (it was \(old))"
        case (nil, let new?): "uses event key \(new), where it matched none of the platform's keys"
        case (nil, nil): "its event key changed"
        }
    }

    private static func keys(_ what: String, _ planned: [KeySnapshot], _ live: [KeySnapshot]) -> [String] {
        var lines: [String] = []
        for key in live where !planned.contains(where: { $0.id == key.id }) {
            lines.append("\(what) \(key.id) was added (\(describe(key)))")
        }
        for key in planned where !live.contains(where: { $0.id == key.id }) {
            lines.append("\(what) \(key.id) was removed (\(describe(key)))")
        }
        for old in planned {
            guard let new = live.first(where: { $0.id == old.id }) else { continue }
            if old.active != new.active {
                lines.append("\(what) \(old.id) is now \(new.active == true ? "active" : "inactive")")
            }
            if old.name != new.name {
                lines.append("\(what) \(old.id) was renamed from '\(old.name ?? "")' to '\(new.name ?? "")'")
            }
            if old.fingerprint != new.fingerprint {
                lines.append(
                    "\(what) \(old.id) has other material: fingerprint \(old.fingerprint?.hex ?? "unknown") → "
                        + (new.fingerprint?.hex ?? "unknown")
                )
            }
            if old.scope != new.scope {
                lines.append("\(what) \(old.id) has another scope: \(old.scope ?? "none") → \(new.scope ?? "none")")
            }
            if old.filter != new.filter {
                lines.append(
                    "\(what) \(old.id) has other filters: \((old.filter ?? .unrestricted).summary) → "
                        + (new.filter ?? .unrestricted).summary
                )
            }
        }
        return lines
    }

    private static func apps(_ planned: [AppSnapshot], _ live: [AppSnapshot]) -> [String] {
        var lines: [String] = []
        for app in live where !planned.contains(where: { $0.name == app.name }) {
            lines.append("app '\(app.name)' was added to the rotation")
        }
        for app in planned where !live.contains(where: { $0.name == app.name }) {
            lines.append("app '\(app.name)' was removed from the rotation")
        }
        for old in planned {
            guard let new = live.first(where: { $0.name == old.name }) else { continue }
            let variables: [(String, VariableSnapshot, VariableSnapshot)] = [
                (InngestVariables.signingKey, old.signingKey, new.signingKey),
                (InngestVariables.signingKeyFallback, old.signingKeyFallback, new.signingKeyFallback),
                (InngestVariables.eventKey, old.eventKey, new.eventKey),
            ]
            for (name, before, now) in variables where before != now {
                lines.append("app '\(old.name)': \(name) changed: \(before.description) → \(now.description)")
            }
            if let variable = old.apiKeyVariable, old.apiKey != new.apiKey {
                lines.append(
                    "app '\(old.name)': \(variable) changed: \(old.apiKey?.description ?? "?") → "
                        + (new.apiKey?.description ?? "?"))
            }
            if old.apiKeyID != new.apiKeyID {
                lines.append(
                    "app '\(old.name)': uses API key \(new.apiKeyID ?? "none") instead of \(old.apiKeyID ?? "none")")
            }
            if old.eventKeyID != new.eventKeyID {
                lines.append("app '\(old.name)': " + Self.eventKeyChange(from: old.eventKeyID, to: new.eventKeyID))
            }
        }
        return lines
    }

    private static func describe(_ key: KeySnapshot) -> String {
        var parts: [String] = []
        if let name = key.name { parts.append("'\(name)'") }
        parts.append("fingerprint \(key.fingerprint?.hex ?? "unknown")")
        if let active = key.active { parts.append(active ? "active" : "inactive") }
        if let filter = key.filter { parts.append(filter.summary) }
        return parts.joined(separator: ", ")
    }
}
