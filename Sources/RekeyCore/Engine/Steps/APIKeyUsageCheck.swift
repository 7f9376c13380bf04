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
        if case .approval = app.verify {
            throw StepError.pause("app '\(item)' is confirmed by a person; approve the redeploy by hand")
        }
        guard context.platform.capabilities.contains(.reportsKeyUsage) else {
            throw StepError.pause(
                "\(context.platform.kind) does not report when keys were used, so app '\(item)' can't be verified "
                    + "automatically; approve the redeploy by hand")
        }
        let oldID = try context.oldAPIKeyID(ofApp: item)
        let new = try context.newAPIKey(replacing: oldID)
        let keys = try await context.secrets.keys(.api, refresh: true)
        guard let newKey = keys.first(where: { $0.id == new.id }) else {
            throw StepError.verificationFailed("the new API key \(new.id) of app '\(item)' is not listed any more")
        }
        let oldUsed = keys.first { $0.id == oldID }?.lastUsedAt
        guard let newUsed = newKey.lastUsedAt else {
            return .notYet("its new key \(new.id) has not been used yet")
        }
        if let oldUsed, oldUsed >= newUsed {
            return .notYet("its old key \(oldID) is still in use (last used \(Self.format(oldUsed)))")
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
