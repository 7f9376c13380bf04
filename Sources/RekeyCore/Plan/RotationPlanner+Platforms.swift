import Foundation

// Planning for the platforms beyond Inngest Cloud: the API-key procedures (EventNerds, exec plugins),
// whose live state is a list of keys and one variable per app, and the steps of self-hosted Inngest,
// whose live state is the Inngest one.

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

        let pointOfNoReturn = ProcedureCatalog.pointOfNoReturn(in: playbook.steps)
        let approvals = Set(playbook.options.requireApproval ?? pointOfNoReturn.map { [$0] } ?? [])
        let calls = PlannedCalls(
            platform: platform, playbook: playbook, replacements: [], activeSigningKeyID: "",
            apiReplacements: replacements)
        let steps = playbook.steps.map { step in
            let (title, items, automatic) = plannedAPIKeyStep(
                step, state: observation.state, replacements: replacements)
            return calls.annotate(
                PlannedStep(
                    id: step, title: title, items: items, pointOfNoReturn: step == pointOfNoReturn,
                    requiresApproval: approvals.contains(step), automatic: automatic))
        }
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

    private func plannedAPIKeyStep(_ step: StepID, state: LiveState, replacements: [APIKeyReplacement])
        -> (String, [PlannedItem], Bool)
    {
        let capabilities = platform.capabilities
        switch step {
        case .createAPIKeys:
            return (
                "Create new API keys: the same names plus the rotation suffix, the same scopes",
                replacements.map {
                    PlannedItem(
                        id: $0.oldID,
                        summary: "'\($0.newName)' replaces '\($0.oldName ?? $0.oldID)' (\($0.oldID)), "
                            + CreateAPIKeysStep.scopePhrase($0.scope))
                },
                capabilities.contains(.createAPIKey)
            )
        case .stageAPIKeys:
            return (
                "Give every app the new API key that replaces the one it uses",
                state.apps.filter { $0.apiKeyID != nil }.map { app in
                    let replacement = replacements.first { $0.oldID == app.apiKeyID }
                    return PlannedItem(
                        id: app.name,
                        summary: "\(app.name): \(app.apiKeyVariable ?? "?")=<'\(replacement?.newName ?? "?")'> "
                            + "(was \(app.apiKey?.description ?? "?"))")
                },
                true
            )
        case .confirmRedeploy:
            let usage = capabilities.contains(.reportsKeyUsage)
            return (
                "Confirm every app was redeployed: its new key is used, its old key no longer",
                playbook.apps.filter { app in state.app(app.name)?.apiKeyID != nil }.map { app in
                    let how: String
                    if case .approval = app.verify { how = "approval" } else { how = usage ? "key usage" : "approval" }
                    return PlannedItem(id: app.name, summary: "\(app.name): verify by \(how)")
                },
                playbook.options.confirmRedeploy.mode != .approve && usage
            )
        case .promoteAPIKeys:
            return (
                "Promote every new API key to primary",
                replacements.map {
                    PlannedItem(id: $0.oldID, summary: "promote '\($0.newName)' (replaces \($0.oldID))")
                },
                capabilities.contains(.promoteAPIKey)
            )
        case .deleteOldAPIKeys:
            return (
                "Delete the old API keys",
                replacements.map {
                    PlannedItem(id: $0.oldID, summary: "delete '\($0.oldName ?? $0.oldID)' (\($0.oldID))")
                },
                capabilities.contains(.deleteAPIKey)
            )
        default:
            return (step.rawValue, [], true)
        }
    }

    // MARK: - Self-hosted Inngest

    /// Title, items and automation of the self-hosted steps (the others are planned like Inngest's).
    func plannedServerStep(_ step: StepID, replacements: [EventKeyReplacement], active: PlatformKey)
        -> (String, [PlannedItem], Bool)
    {
        let old = active.fingerprint?.hex ?? "?"
        switch step {
        case .generateSigningKey:
            return (
                "Generate a new signing key (rekey generates it; sealed in the journal)",
                [
                    PlannedItem(
                        id: SigningKeyItem.id, summary: "generate 32 random bytes; the server keeps \(old) for now")
                ],
                true
            )
        case .generateEventKeys:
            return (
                "Generate one new event key per old one (sealed in the journal)",
                replacements.map { PlannedItem(id: $0.oldID, summary: "generate the replacement of \($0.oldID)") },
                true
            )
        case .addEventKeys:
            return (
                "List the old and the new event keys in the server's configuration; restart the server",
                [
                    PlannedItem(
                        id: ServerItem.id,
                        summary:
                            "server: \(replacements.count) old + \(replacements.count) new event keys, then restart")
                ],
                true
            )
        case .installSigningKey:
            return (
                "Install the new signing key in the server's configuration; restart it (the old key stops working)",
                [PlannedItem(id: ServerItem.id, summary: "server: signing key <new> replaces \(old), then restart")],
                true
            )
        case .dropOldEventKeys:
            return (
                "Remove the old event keys from the server's configuration; restart the server",
                [
                    PlannedItem(
                        id: ServerItem.id,
                        summary: "server: only the \(replacements.count) new event keys, then restart")
                ],
                true
            )
        default:
            return (step.rawValue, [], true)
        }
    }
}
