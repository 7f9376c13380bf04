import Foundation

// Planning the API-key procedures (EventNerds, exec plugins), whose live state is a list of keys and one
// variable per app.

extension RotationPlanner {
    /// Whether the playbook rotates API keys (its steps are the API-key procedure's).
    var usesAPIKeys: Bool {
        playbook.steps.contains { [.createAPIKeys, .stageAPIKeys, .promoteAPIKeys, .deleteOldAPIKeys].contains($0) }
    }

    // MARK: - API keys

    /// What an API-key platform and the apps' targets hold now.
    struct APIKeyObservation {
        var keys: [PlatformKey]
        var state: LiveState
        var warnings: [String]
    }

    /// Lists the API keys and reads each app's variable; resolves the key each app names.
    ///
    /// - Throws: ``PlanningError/platformMismatch(_:)`` when an app names a key that does not exist, or a
    ///   name several keys share; ``PlanningError/targetUnreadable(app:reason:)``; platform errors.
    func observeAPIKeys() async throws -> APIKeyObservation {
        let platform = self.platform
        async let listing = platform.listKeys(.api)
        let playbook = self.playbook
        async let targetStates = readTargets { [playbook.apiKeyVariable(of: $0)] }
        let keys = try await listing
        let states = try await targetStates
        var apps: [AppSnapshot] = []
        var warnings: [String] = []
        for (app, state) in zip(playbook.apps, states) {
            let variable = playbook.apiKeyVariable(of: app)
            let snapshot = InngestVariables.snapshot(of: state[variable], name: variable)
            switch snapshot {
            case .absent: warnings.append("app '\(app.name)': \(variable) is not set; rekey will set it")
            case .empty: warnings.append("app '\(app.name)': \(variable) is set but EMPTY; rekey will set it")
            case .unreadable:
                warnings.append(
                    "app '\(app.name)': its \(app.target.kind) target can't be read, so rekey can't keep the old "
                        + "\(variable): 'rekey abort' after stage-api-keys can't put it back (set it by hand then)")
            case .present: break
            }
            apps.append(
                AppSnapshot(
                    name: app.name, signingKey: .absent, signingKeyFallback: .absent, eventKey: .absent,
                    eventKeyID: nil, apiKeyVariable: variable, apiKey: snapshot,
                    apiKeyID: try app.apiKey.map {
                        try Self.resolveAPIKey($0, app: app.name, in: keys, platform: platform.kind)
                    }
                ))
        }
        let named = Set(apps.compactMap(\.apiKeyID))
        let others = keys.filter { !named.contains($0.id) }
        if !others.isEmpty {
            warnings.append(
                "\(others.count) other API key\(others.count == 1 ? " is" : "s are") not named by any app of the "
                    + "playbook; rekey leaves \(others.count == 1 ? "it" : "them") alone")
        }
        let state = LiveState(
            signingKeys: [], eventKeys: [], apps: apps,
            apiKeys: keys.map {
                KeySnapshot(id: $0.id, name: $0.name, active: $0.isActive, scope: $0.scope, prefix: $0.prefix)
            }
        )
        return APIKeyObservation(keys: keys, state: state, warnings: warnings)
    }

    /// The id of the key an app names by id or name.
    static func resolveAPIKey(_ written: String, app: String, in keys: [PlatformKey], platform: String) throws -> String
    {
        if let key = keys.first(where: { $0.id == written }) { return key.id }
        let named = keys.filter { $0.name == written }
        guard let first = named.first else {
            throw PlanningError.platformMismatch(
                "app '\(app)' names the API key '\(written)', which \(platform) does not list; correct apps[].apiKey "
                    + "(the key's name or id)")
        }
        guard named.count == 1 else {
            throw PlanningError.platformMismatch(
                "app '\(app)' names the API key '\(written)', but \(named.count) keys have that name "
                    + "(\(named.map(\.id).joined(separator: ", "))); give the key's id in apps[].apiKey")
        }
        return first.id
    }

    /// The plan of an API-key rotation.
    func makeAPIKeyPlan(rotationID id: String, now: Timestamp) async throws -> RotationPlan {
        let capabilities = platform.capabilities
        if capabilities.contains(.promoteAPIKey), !playbook.steps.contains(.promoteAPIKeys),
            playbook.steps.contains(.createAPIKeys)
        {
            throw PlanningError.platformMismatch(
                "\(platform.kind) makes a new key primary only when it is promoted ('promote-key'), and the playbook "
                    + "does not select promote-api-keys; use \"procedure\": \"api-keys-promote\"")
        }
        let observation = try await observeAPIKeys()
        var warnings = observation.warnings
        var used: [String] = []
        for app in observation.state.apps {
            if let key = app.apiKeyID, !used.contains(key) { used.append(key) }
        }
        var names = Set(observation.keys.compactMap(\.name))
        let replacements: [APIKeyReplacement] = used.compactMap { oldID in
            guard let key = observation.keys.first(where: { $0.id == oldID }) else { return nil }
            var name = Self.render(
                playbook.options.keyName, name: key.name ?? key.id, date: now.dateString, rotationID: id)
            if names.contains(name) { name += " [\(id)]" }
            if names.contains(name) { name += " [\(key.id)]" }
            names.insert(name)
            return APIKeyReplacement(
                oldID: key.id, oldName: key.name, oldPrefix: key.prefix, newName: name, scope: key.scope)
        }
        if playbook.steps.contains(.confirmRedeploy) {
            let unchecked = playbook.apps.filter {
                if case .approval = $0.verify { return true }
                return playbook.options.confirmRedeploy.mode == .approve || !capabilities.contains(.reportsKeyUsage)
            }
            if !unchecked.isEmpty {
                warnings.append(
                    "confirm-redeploy can't check \(unchecked.map { "'\($0.name)'" }.joined(separator: ", ")) "
                        + "automatically: a person must approve it ('rekey approve JOURNAL confirm-redeploy')")
            }
        }
        warnings += EarlierRotations.unfinished(near: playbook.path, environment: playbook.environment).map(\.warning)
        if playbook.steps.contains(.createAPIKeys) {
            warnings += try refuseUnlessForced(
                EarlierRotations.onPlatform(observation.keys, template: playbook.options.keyName))
        }
        warnings += DotenvTarget.directoryWarnings(for: playbook)

        let steps = plannedSteps(
            PlanningInput(
                playbook: playbook, platform: platform, baseline: observation.state,
                apiKeyReplacements: replacements))
        let text = (try? FileIO.readText(playbook.path)) ?? ""
        return RotationPlan(
            rotationID: id,
            createdAt: now,
            toolVersion: toolVersion,
            playbook: PlaybookSnapshot(path: playbook.path, contentHash: playbook.contentHash, text: text),
            baseline: observation.state,
            steps: steps,
            eventKeyReplacements: [],
            warnings: warnings,
            apiKeyReplacements: replacements
        )
    }
}
