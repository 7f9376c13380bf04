import RekeyCore

// Guided steps: the clicks in the Inngest dashboard, adapted from Inngest's "Rotating keys" guide.

extension InngestPlatform {
    /// Dashboard steps for performing `action` by hand. Plain text, no secret.
    public func instructions(for action: GuidedAction) -> [String] {
        let selectEnvironment =
            "In the Inngest dashboard (https://app.inngest.com), select the environment "
            + "'\(configuration.environment)' in the environment drop down."
        let signingKeysPage = "Using the key icon next to the environment drop down, select \"Signing keys\"."
        let eventKeysPage = "Using the key icon next to the environment drop down, select \"Event keys\"."
        switch action {
        case .createSigningKey:
            return [
                selectEnvironment,
                signingKeysPage,
                "Click \"Create new signing key\". The new key starts inactive: apps keep working with the current "
                    + "key until the rotation.",
                "rekey then sees the new key through the REST API and gives it to every app.",
            ]
        case .promoteSigningKey(let id):
            return [
                selectEnvironment,
                signingKeysPage,
                "Check that the new key \(id) is listed as the inactive key, then click \"Rotate key\".",
                "Confirm the dialog. This deletes the original signing key and promotes the new key to the current "
                    + "key. It cannot be undone.",
            ]
        case .deleteSigningKey(let id):
            return [
                selectEnvironment,
                signingKeysPage,
                "Delete the inactive signing key \(id) (never the current one).",
            ]
        case .createEventKey(let name, let filter):
            let filters =
                graphql == nil
                ? "Copy any event and IP filters from the old key exactly (rekey can't read filters through the "
                    + "REST API, so it can't check them: compare them yourself)."
                : filter.isEmpty
                    ? "Leave the event and IP filters empty: the old key has none."
                    : "Copy the filters from the old key exactly: \(filter.summary)."
            return [
                selectEnvironment,
                eventKeysPage,
                "Click the \"Create event key\" button at the top right.",
                "Enter the name '\(name)' exactly: rekey recognises the new key by this name.",
                filters,
            ]
        case .deleteEventKey(let id, let name):
            return [
                selectEnvironment,
                eventKeysPage,
                "In the event key list, select the old key \(name.map { "'\($0)' " } ?? "")(\(id)) and in the 3-dot "
                    + "menu next to the key name, click \"Delete\".",
            ]
        case .resyncApp(let name):
            return [
                selectEnvironment,
                "From the \"Apps\" tab in the dashboard, manually re-sync the app '\(name)'.",
                "The sync uses the new signing key and confirms that the rotation reached the app.",
            ]
        case .createAPIKey, .deleteAPIKey, .promoteAPIKey:
            return [
                "Inngest API keys are managed in the dashboard's organization settings; rekey does not rotate them."
            ]
        }
    }
}
