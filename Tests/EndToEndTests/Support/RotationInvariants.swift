import Foundation
import RekeyCore
import RekeySandbox

/// The end state every completed rotation must reach, whatever interrupted it on the way.
struct RotationInvariants {
    /// The platform and the apps' files before the rotation.
    let before: SandboxState
    let envFilesBefore: [String: String]

    init(fixture: SandboxFixture) throws {
        before = try fixture.state()
        var files: [String: String] = [:]
        for app in before.apps {
            files[app.name] = try String(contentsOfFile: fixture.envFile(app.name), encoding: .utf8)
        }
        envFilesBefore = files
    }

    /// Every violation found (empty when the rotation converged correctly).
    func violations(fixture: SandboxFixture) throws -> [String] {
        let after = try fixture.state()
        var problems: [String] = []

        // Exactly one signing key: active, new.
        let oldSigningIDs = Set(before.signingKeys.map(\.id))
        if after.signingKeys.count != 1 {
            problems.append("expected 1 signing key, found \(after.signingKeys.count)")
        }
        guard let active = after.signingKeys.first(where: \.active) else {
            return problems + ["no active signing key"]
        }
        if oldSigningIDs.contains(active.id) { problems.append("the active signing key is the old one") }

        // Each old event key replaced by exactly one new key with identical filters; nothing else.
        let oldEventIDs = Set(before.eventKeys.map(\.id))
        if after.eventKeys.contains(where: { oldEventIDs.contains($0.id) }) {
            problems.append("an old event key still exists")
        }
        if after.eventKeys.count != before.eventKeys.count {
            problems.append("expected \(before.eventKeys.count) event keys, found \(after.eventKeys.count)")
        }
        var replacement: [String: SandboxState.EventKey] = [:]
        for old in before.eventKeys {
            let matches = after.eventKeys.filter { $0.name.hasPrefix(old.name + " (rotated ") }
            if matches.count != 1 {
                problems.append("old event key '\(old.name)' has \(matches.count) replacements")
                continue
            }
            if matches[0].filter != old.filter {
                problems.append(
                    "the replacement of '\(old.name)' has \(matches[0].filter.summary), not \(old.filter.summary)")
            }
            replacement[old.key.exposeValue()] = matches[0]
        }

        // Every app file holds exactly the new values, no fallback, everything else unchanged.
        for app in before.apps {
            guard let original = envFilesBefore[app.name] else { continue }
            let text = try String(contentsOfFile: fixture.envFile(app.name), encoding: .utf8)
            let now = DotenvDocument(parsing: text)
            let then = DotenvDocument(parsing: original)
            if now.value(of: InngestVariables.signingKey) != active.key.exposeValue() {
                problems.append("\(app.name): INNGEST_SIGNING_KEY is not the new active key")
            }
            if now.names.contains(InngestVariables.signingKeyFallback) {
                problems.append("\(app.name): INNGEST_SIGNING_KEY_FALLBACK is still present")
            }
            if let oldEventKey = then.value(of: InngestVariables.eventKey) {
                let expected = replacement[oldEventKey]?.key.exposeValue()
                if now.value(of: InngestVariables.eventKey) != expected {
                    problems.append("\(app.name): INNGEST_EVENT_KEY is not the replacement of its old key")
                }
            }
            let untouched = Set(then.names).subtracting(InngestVariables.all)
            for name in untouched where now.value(of: name) != then.value(of: name) {
                problems.append("\(app.name): \(name) changed")
            }
            if Set(now.names) != Set(then.names) {
                problems.append("\(app.name): variables \(Set(now.names).symmetricDifference(then.names)) differ")
            }
        }
        return problems
    }
}
