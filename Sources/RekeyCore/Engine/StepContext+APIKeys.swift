extension StepContext {
    /// The replacement the plan made for old API key `oldID`.
    public func apiKeyReplacement(_ oldID: String) throws(StepError) -> APIKeyReplacement {
        guard let replacement = plan.replacement(forAPIKey: oldID) else {
            throw .precondition("the plan has no replacement for API key \(oldID)")
        }
        return replacement
    }

    /// The API key created to replace old key `oldID` (by `create-api-keys`).
    public func newAPIKey(replacing oldID: String) throws(StepError) -> (id: String, fingerprint: Fingerprint?) {
        guard let outcome = outcomes[ItemRef(step: .createAPIKeys, item: oldID)], let id = outcome.keyID else {
            throw .precondition("no replacement is recorded for API key \(oldID); 'create-api-keys' must be done first")
        }
        return (id, outcome.fingerprint)
    }

    /// The API key app `app` used when the plan was made.
    public func oldAPIKeyID(ofApp app: String) throws(StepError) -> String {
        guard let id = plan.baseline.app(app)?.apiKeyID else {
            throw .precondition("the plan recorded no API key for app '\(app)'")
        }
        return id
    }

    /// The variable app `app` holds its API key in.
    public func apiKeyVariable(ofApp app: String) throws(StepError) -> String {
        if let variable = plan.baseline.app(app)?.apiKeyVariable { return variable }
        return playbook.apiKeyVariable(of: try self.app(app))
    }

    /// Reads `names` from the app's target, turning a target error into a step error.
    func readVariables(_ names: [String], ofApp app: String) async throws -> [String: VariableState] {
        let target = try target(app)
        do {
            return try await target.read(names)
        } catch {
            throw StepError.target("\(target.summary): \(error)")
        }
    }
}
