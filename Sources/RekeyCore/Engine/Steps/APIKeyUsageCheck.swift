import Foundation

/// The redeploy gate of the API-key procedures: an app is confirmed when the platform reports that its
/// new key is being used and its old key has stopped being used.
///
/// API-key platforms can't say what an app runs with; they say when each key was last used (EventNerds
/// `last_used_at`). The app's new key must have been used, and more recently than its old key: while an
/// instance still runs with the old key, both keep advancing and the app is not confirmed. Apps whose
/// playbook entry says `verify: approval`, and platforms that don't report usage, are confirmed by a
/// person (`rekey approve JOURNAL confirm-redeploy`).
enum APIKeyUsageCheck {
    static func check(_ item: String, _ context: StepContext) async throws -> ConfirmRedeployStep.Check {
        let app = try context.app(item)
        if case .approval = app.verify { return .unverifiable("its playbook entry says verify: approval") }
        if context.playbook.options.confirmRedeploy.mode == .approve {
            return .unverifiable("the playbook's confirmRedeploy.mode is approve")
        }
        guard context.platform.capabilities.contains(.reportsKeyUsage) else {
            return .unverifiable("\(context.platform.kind) does not report when keys were used")
        }
        let oldID = try context.oldAPIKeyID(ofApp: item)
        let new = try context.newAPIKey(replacing: oldID)
        let keys = try await context.secrets.keys(.api, refresh: true)
        guard let newKey = keys.first(where: { $0.id == new.id }) else {
            throw StepError.verificationFailed("the new API key \(new.id) of app '\(item)' is not listed any more")
        }
        let oldUsed = keys.first { $0.id == oldID }?.lastUsedAt
        var findings = CheckFindings()
        findings.read("\(item): new key \(new.id) last used", newKey.lastUsedAt.map(Self.format) ?? "never")
        findings.read("\(item): old key \(oldID) last used", oldUsed.map(Self.format) ?? "never")
        guard let newUsed = newKey.lastUsedAt else {
            let reason = "app '\(item)': its new key \(new.id) has not been used yet"
            findings.problem(reason)
            return .notYet(reason, findings)
        }
        if let oldUsed, oldUsed >= newUsed {
            let reason = "app '\(item)': its old key \(oldID) is still in use (last used \(Self.format(oldUsed)))"
            findings.problem(reason)
            return .notYet(reason, findings)
        }
        return .confirmed(
            ItemOutcome(observed: [
                "new_key_last_used": Self.format(newUsed),
                "old_key_last_used": oldUsed.map(Self.format) ?? "never",
            ]))
    }

    static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}
