import RekeyCore

// Guided steps: the sandbox "dashboard" mirrors the Inngest dashboard, so the wording follows Inngest's
// "Rotating keys" guide.

extension SandboxPlatform {
    /// Dashboard steps for performing `action` by hand in the sandbox. Plain text, no secret.
    public func instructions(for action: GuidedAction) -> [String] {
        let environment = (try? store.snapshot().environment).map { "'\($0)'" } ?? "of this rotation"
        let selectEnvironment = "In the sandbox dashboard, select the environment \(environment)."
        switch action {
        case .createSigningKey:
            return [
                selectEnvironment,
                "Using the key icon next to the environment drop down, select \"Signing keys\".",
                "Click \"Create new signing key\". The new key starts inactive: apps keep working with the "
                    + "current key.",
            ]
        case .promoteSigningKey(let id):
            return [
                selectEnvironment,
                "Using the key icon next to the environment drop down, select \"Signing keys\".",
                "On the signing key management page, click \"Rotate key\" for the new key \(id).",
                "Confirm the dialog. This deletes the original signing key and promotes the new key to the "
                    + "current key. It cannot be undone.",
            ]
        case .deleteSigningKey(let id):
            return [
                selectEnvironment,
                "Using the key icon next to the environment drop down, select \"Signing keys\".",
                "Select the inactive signing key \(id) and click \"Delete\".",
            ]
        case .createEventKey(let name, let filter):
            return [
                selectEnvironment,
                "Using the key icon next to the environment drop down, select \"Event keys\".",
                "Click the \"Create event key\" button at the top right.",
                "Enter the name '\(name)'.",
                filter.isEmpty
                    ? "Leave the event and IP filters empty (the old key has none)."
                    : "Copy the filters from the old key exactly: \(filter.summary).",
            ]
        case .deleteEventKey(let id, let name):
            return [
                selectEnvironment,
                "Using the key icon next to the environment drop down, select \"Event keys\".",
                "In the event key list, select the key \(name.map { "'\($0)' " } ?? "")(\(id)) and in the "
                    + "3-dot menu next to the key name, click \"Delete\".",
            ]
        case .resyncApp(let name):
            return [
                selectEnvironment,
                "From the \"Apps\" tab in the dashboard, manually re-sync the app '\(name)'.",
                "The sync uses the current signing key; it confirms that the app runs with it.",
            ]
        case .createAPIKey, .deleteAPIKey, .promoteAPIKey:
            return ["The sandbox environment has no API keys: there is nothing to do for this step."]
        }
    }
}
