import Foundation
import RekeyCore

/// The end state every completed rotation of another platform must reach, whatever interrupted it: one
/// live new key per old key (same name plus the rotation suffix, same scope), the old keys gone, every
/// app holding exactly its replacement key and nothing else changed.
struct PlatformInvariants {
    let kind: PlatformFixture.Kind
    let before: PlatformFixture.Snapshot

    init(fixture: PlatformFixture) throws {
        kind = fixture.kind
        before = try fixture.snapshot()
    }

    /// Every violation found (empty when the rotation converged correctly).
    func violations(fixture: PlatformFixture) throws -> [String] {
        let after = try fixture.snapshot()
        switch kind {
        case .eventNerds: return apiKeyViolations(after, variable: "EVENTNERDS_API_KEY", promoted: false)
        case .plugin: return apiKeyViolations(after, variable: "ACME_API_KEY", promoted: true)
        case .selfHosted: return serverViolations(after)
        }
    }

    private func apiKeyViolations(_ after: PlatformFixture.Snapshot, variable: String, promoted: Bool) -> [String] {
        var problems: [String] = []
        let oldIDs = Set(before.keys.map(\.id))
        if after.keys.contains(where: { oldIDs.contains($0.id) }) { problems.append("an old key still exists") }
        if after.keys.count != before.keys.count {
            problems.append("expected \(before.keys.count) keys, found \(after.keys.count)")
        }
        var replacement: [String: String] = [:]
        for old in before.keys {
            let matches = after.keys.filter { $0.name.hasPrefix(old.name + " (rotated ") }
            guard matches.count == 1 else {
                problems.append("old key '\(old.name)' has \(matches.count) replacements")
                continue
            }
            if matches[0].scope != old.scope { problems.append("the replacement of '\(old.name)' has another scope") }
            if promoted, matches[0].primary != true {
                problems.append("the replacement of '\(old.name)' is not primary")
            }
            replacement[old.secret] = matches[0].secret
        }
        problems += appViolations(after, changed: [variable]) { name, old in
            name == variable ? old.flatMap { replacement[$0] } : old
        }
        return problems
    }

    private func serverViolations(_ after: PlatformFixture.Snapshot) -> [String] {
        var problems: [String] = []
        guard let signing = after.configSigningKey, signing != before.configSigningKey else {
            return ["the server's configuration still has the old signing key"]
        }
        if after.runningSigningKey != signing {
            problems.append("the server does not run with its configured signing key")
        }
        if after.configEventKeys.count != before.configEventKeys.count {
            problems.append("expected \(before.configEventKeys.count) event keys, found \(after.configEventKeys.count)")
        }
        if after.configEventKeys.contains(where: before.configEventKeys.contains) {
            problems.append("an old event key is still configured")
        }
        if after.runningEventKeys != after.configEventKeys {
            problems.append("the server runs other event keys than configured")
        }
        var replacement: [String: String] = [:]
        for (old, new) in zip(before.configEventKeys, after.configEventKeys) { replacement[old] = new }
        problems += appViolations(
            after,
            changed: [InngestVariables.signingKey, InngestVariables.eventKey, InngestVariables.signingKeyFallback]
        ) { name, old in
            switch name {
            case InngestVariables.signingKey: "signkey-prod-" + signing
            case InngestVariables.eventKey: old.flatMap { replacement[$0] }
            case InngestVariables.signingKeyFallback: nil
            default: old
            }
        }
        return problems
    }

    /// Each app's file: the `changed` variables hold `expected(name, old value)` (absent for `nil`), every
    /// other variable is unchanged.
    private func appViolations(
        _ after: PlatformFixture.Snapshot, changed: Set<String>, expected: (String, String?) -> String?
    ) -> [String] {
        var problems: [String] = []
        for (app, then) in before.apps {
            guard let now = after.apps[app] else {
                problems.append("\(app): its file is gone")
                continue
            }
            for name in changed where now.value(of: name) != expected(name, then.value(of: name)) {
                problems.append("\(app): \(name) is not the expected new value")
            }
            for name in Set(then.names).subtracting(changed) where now.value(of: name) != then.value(of: name) {
                problems.append("\(app): \(name) changed")
            }
            let extra = Set(now.names).subtracting(then.names).subtracting(changed)
            if !extra.isEmpty { problems.append("\(app): variables \(extra.sorted()) appeared") }
        }
        return problems
    }
}
