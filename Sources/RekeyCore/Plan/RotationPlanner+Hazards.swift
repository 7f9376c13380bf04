extension RotationPlanner {
    /// Warnings about values a target holds now that are dangerous whatever the rotation does: a key not
    /// of its form, dev mode (no signature checks), and targets rekey can't read to check at all.
    /// Empty or foreign keys are covered by ``hazards(app:signing:fallback:event:active:eventKeyFound:needsEventKeys:)``.
    ///
    /// - Parameters:
    ///   - app: The app.
    ///   - state: What its target holds (the Inngest variables and `INNGEST_DEV`).
    ///   - steps: The playbook's steps.
    /// - Returns: Lowercase warnings naming the app and the variable, never a value.
    static func valueHazards(app: AppSpec, state: [String: VariableState], steps: [StepID]) -> [String] {
        var warnings: [String] = []
        if state.values.contains(.unreadable) {
            warnings.append(
                "app '\(app.name)': its \(app.target.kind) target can't be read, so rekey can't check what it holds "
                    + "now (an empty INNGEST_SIGNING_KEY_FALLBACK, or INNGEST_DEV, lets anyone call the app); check it "
                    + "by hand, or verify the app by introspection"
            )
            if steps.contains(.stageEventKeys), app.eventKey == nil {
                warnings.append(
                    "app '\(app.name)': rekey can't read which event key it uses and the playbook names none, so "
                        + "stage-event-keys skips it; add \"eventKey\": \"<the key's name>\" to the app"
                )
            }
        }
        if case .present(let value)? = state[InngestVariables.dev], KeyFormat.enablesDevMode(value) {
            warnings.append(
                "app '\(app.name)': INNGEST_DEV is set to a value that turns dev mode on (anything but empty, 0 or "
                    + "false, even 'no' or 'off'): the app checks no signature at all; remove it"
            )
        }
        for name in [InngestVariables.signingKey, InngestVariables.signingKeyFallback] {
            guard case .present(let value)? = state[name], !KeyFormat.isValidSigningKey(value) else { continue }
            warnings.append(
                "app '\(app.name)': \(name) is not of the form signkey-<env>-<64 lowercase hex>: the SDK starts with "
                    + "it, then fails every signed request"
            )
        }
        if case .present(let value)? = state[InngestVariables.eventKey], KeyFormat.hasWhitespaceOrControl(value) {
            warnings.append(
                "app '\(app.name)': INNGEST_EVENT_KEY contains whitespace or control characters (a pasted newline?)"
            )
        }
        return warnings
    }
}
