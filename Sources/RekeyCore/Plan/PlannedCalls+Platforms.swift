// The calls of the steps of the platforms beyond Inngest Cloud, as `rekey plan` shows them.

extension PlannedCalls {
    func platformCalls(_ step: StepID, item: String) -> [String] {
        let capabilities = platform.capabilities
        let replacement = apiReplacements.first { $0.oldID == item }
        switch step {
        case .createAPIKeys:
            let name = replacement?.newName ?? "?"
            guard capabilities.contains(.createAPIKey) else {
                return guided(.createAPIKey(name: name, scope: replacement?.scope), kind: .api)
            }
            return [
                "observe: " + call(.listKeys(.api)),
                "act: " + call(.createKey(.api, name: name, filter: nil))
                    + (replacement?.scope.map { " (scope \($0))" } ?? " (organisation-wide)")
                    + "; the key is shown once: sealed in the journal",
                "verify: " + call(.listKeys(.api)),
            ]
        case .stageAPIKeys:
            let variable = playbook.apps.first { $0.name == item }.map(playbook.apiKeyVariable(of:)) ?? "?"
            return ["unseal the new key from the journal"] + targetCalls(item, set: [variable])
        case .confirmRedeploy:
            guard let app = playbook.apps.first(where: { $0.name == item }) else { return [] }
            if case .approval = app.verify { return ["a person approves confirm-redeploy"] }
            guard capabilities.contains(.reportsKeyUsage) else { return ["a person approves confirm-redeploy"] }
            return [
                "verify: " + call(.listKeys(.api)) + " until the new key's last use is later than the old key's",
                "or a person approves confirm-redeploy",
            ]
        case .promoteAPIKeys:
            guard capabilities.contains(.promoteAPIKey) else {
                return guided(.promoteAPIKey(id: "<new key>", name: replacement?.newName), kind: .api)
            }
            return [
                "observe: " + call(.listKeys(.api)),
                "act: \(platform.kind): promoteKey(api, <new key replacing \(item)>)",
                "verify: " + call(.listKeys(.api)),
            ]
        case .deleteOldAPIKeys:
            guard capabilities.contains(.deleteAPIKey) else {
                return guided(.deleteAPIKey(id: item, name: replacement?.oldName), kind: .api)
            }
            return [
                "observe: " + call(.listKeys(.api)), "act: " + call(.deleteKey(.api, id: item)),
                "verify: " + call(.listKeys(.api)),
            ]
        case .generateSigningKey, .generateEventKeys:
            return ["act: generate 32 secure random bytes in rekey; sealed in the journal (no call)"]
        case .addEventKeys:
            return serverCalls("INNGEST_EVENT_KEY=<old keys>,<new keys>", check: "lists the old and the new event keys")
        case .installSigningKey:
            return serverCalls("INNGEST_SIGNING_KEY=<new key, bare hex>", check: "accepts the new signing key")
        case .dropOldEventKeys:
            return serverCalls("INNGEST_EVENT_KEY=<new keys>", check: "lists only the new event keys")
        default:
            return []
        }
    }

    private func guided(_ action: GuidedAction, kind: KeyKind) -> [String] {
        [
            "observe: " + call(.listKeys(kind)),
            "act (guided, a person): " + platform.instructions(for: action).joined(separator: " "),
            "verify: " + call(.listKeys(kind)) + " until the change appears",
        ]
    }

    private func serverCalls(_ change: String, check: String) -> [String] {
        guard case .inngestSelfHosted(let settings) = playbook.platform else { return [] }
        let target: String
        switch settings.config {
        case .dotenv(let path): target = "write dotenv \(FileIO.baseName(of: path)): \(change)"
        case .exec(let spec):
            target = "run \(FileIO.baseName(of: spec.set.first ?? "?")) per variable: \(change) (value on stdin)"
        case .manual(let location): target = "a person sets \(change) in \(location)"
        }
        return [
            "observe: GET /v2/keys/signing and /v2/keys/events on the server",
            "act: \(target)",
            "act: run \(ExecTarget.display(settings.restart)) (restart, up to "
                + DurationParser.format(seconds: settings.restartTimeout) + ")",
            "verify: GET /v2/keys/signing and /v2/keys/events: the server \(check)",
        ]
    }
}
