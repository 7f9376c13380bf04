/// The calls each planned item will make, in order, as `rekey plan` shows them to a reviewer: the
/// platform operations (in the backend's own wording when it has one, see ``PlatformCallDescribing``),
/// the reads and writes of each app's configuration, and the checks of what each app runs with.
///
/// Every step observes first (is it already done?), then acts, then verifies; the lines say which is
/// which. A guided action (the platform's API can't do it) is a person's, and says so.
struct PlannedCalls: Sendable {
    let platform: any Platform
    let playbook: Playbook
    let replacements: [EventKeyReplacement]
    let activeSigningKeyID: String
    /// The API keys' replacements (API-key platforms).
    var apiReplacements: [APIKeyReplacement] = []

    /// `step` with the calls of each of its items filled in.
    func annotate(_ step: PlannedStep) -> PlannedStep {
        var step = step
        step.items = step.items.map { item in
            var item = item
            item.calls = calls(step.id, item: item.id)
            return item
        }
        return step
    }

    private func calls(_ step: StepID, item: String) -> [String] {
        let capabilities = platform.capabilities
        switch step {
        case .createSigningKey:
            return keyCalls(
                kind: .signing,
                act: .createKey(.signing, name: nil, filter: nil),
                automatic: capabilities.contains(.createSigningKey),
                guided: .createSigningKey
            )
        case .stageSigningKeys:
            return [
                "read the new and the old key: " + call(.listKeys(.signing))
            ] + targetCalls(item, set: [InngestVariables.signingKey, InngestVariables.signingKeyFallback])
        case .createEventKeys:
            let replacement = replacements.first { $0.oldID == item }
            return keyCalls(
                kind: .event,
                act: .createKey(.event, name: replacement?.newName, filter: replacement?.filter),
                automatic: capabilities.contains(.createEventKey),
                guided: .createEventKey(name: replacement?.newName ?? "?", filter: replacement?.filter ?? .unrestricted)
            )
        case .stageEventKeys:
            return ["read the new event key: " + call(.listKeys(.event))]
                + targetCalls(item, set: [InngestVariables.eventKey])
        case .confirmRedeploy:
            // API keys are confirmed by their use, not by what an app reports.
            return playbook.steps.contains(.stageAPIKeys) ? platformCalls(step, item: item) : confirmCalls(item)
        case .rotateSigningKey:
            return keyCalls(
                kind: .signing,
                act: .promoteSigningKey(id: "<new signing key>"),
                automatic: capabilities.contains(.promoteSigningKey),
                guided: .promoteSigningKey(id: "<new signing key>")
            ) + ["the platform deletes \(activeSigningKeyID), the old signing key"]
        case .resyncApps:
            let id = playbook.apps.first { $0.name == item }?.platformID ?? item
            guard capabilities.contains(.resyncApp) else {
                return [
                    "act (guided, a person): "
                        + platform.instructions(for: .resyncApp(name: item)).joined(separator: " ")
                ]
            }
            return ["act: " + call(.resyncApp(id: id)) + ", then check that the sync succeeded"]
        case .deleteOldEventKeys:
            let name = replacements.first { $0.oldID == item }?.oldName
            return keyCalls(
                kind: .event,
                act: .deleteKey(.event, id: item),
                automatic: capabilities.contains(.deleteEventKey),
                guided: .deleteEventKey(id: item, name: name)
            )
        case .dropFallback:
            var lines = targetCalls(item, remove: [InngestVariables.signingKeyFallback])
            if let check = runningCheck(item) {
                lines.append("verify: \(check) reports no fallback (waits for a redeploy)")
            }
            return lines
        default:
            return platformCalls(step, item: item)
        }
    }

    // MARK: - Kinds of calls

    private func keyCalls(kind: KeyKind, act: PlatformCall, automatic: Bool, guided: GuidedAction) -> [String] {
        let observe = "observe: " + call(.listKeys(kind))
        guard automatic else {
            return [
                observe,
                "act (guided, a person): " + platform.instructions(for: guided).joined(separator: " "),
                "verify: " + call(.listKeys(kind)) + " until the change appears",
            ]
        }
        return [observe, "act: " + call(act), "verify: " + call(.listKeys(kind))]
    }

    func targetCalls(_ app: String, set names: [String] = [], remove: [String] = []) -> [String] {
        let target = targetName(app)
        switch playbook.apps.first(where: { $0.name == app })?.target {
        case .exec(let spec)?:
            // A deployment tool can't be read back: its exit status, then confirm-redeploy, tell.
            let sets = names.map {
                "act: run " + ExecTarget.display(ExecTargetSpec.render(spec.set, name: $0, app: app))
                    + " (the value on stdin)"
            }
            let unsets = remove.map {
                "act: run " + ExecTarget.display(ExecTargetSpec.render(spec.unset ?? [], name: $0, app: app))
            }
            return sets + unsets + ["verify: each command exits 0"]
        case .manual(let location)?:
            var change: [String] = []
            if !names.isEmpty { change.append("set " + names.joined(separator: ", ")) }
            if !remove.isEmpty { change.append("delete " + remove.joined(separator: ", ")) }
            return [
                "act: a person must \(change.joined(separator: " and ")) in \(location): the run pauses and lists them "
                    + "(fingerprints only; 'rekey reveal' shows a value)",
                "verify: \(runningCheck(app) ?? "the person's confirmation (rekey resume --approve STEP)")",
            ]
        default:
            break
        }
        var change: [String] = []
        if !names.isEmpty { change.append("set " + names.joined(separator: ", ")) }
        if !remove.isEmpty { change.append("delete the line " + remove.joined(separator: ", ")) }
        return [
            "observe: read \(target)",
            "act: write \(target): \(change.joined(separator: "; "))",
            "verify: read \(target) back",
        ]
    }

    private func confirmCalls(_ app: String) -> [String] {
        let options = playbook.options.confirmRedeploy
        let polling =
            "every \(DurationParser.format(seconds: options.interval)), up to "
            + DurationParser.format(seconds: options.timeout)
        guard options.mode != .approve, let check = runningCheck(app) else {
            return ["a person approves confirm-redeploy ('rekey approve JOURNAL confirm-redeploy')"]
        }
        var lines = ["verify: \(check), signed with the new signing key (\(polling))"]
        if options.mode == .verifyOrApprove { lines.append("or a person approves confirm-redeploy") }
        return lines
    }

    /// How an app's running configuration is checked, or `nil` when it can't be (approval only).
    func runningCheck(_ app: String) -> String? {
        guard let spec = playbook.apps.first(where: { $0.name == app }) else { return nil }
        switch spec.verify {
        case .platform: return "\(platform.kind): inspect app '\(spec.platformID)'"
        case .introspection(let url): return "GET \(url) (signed introspection)"
        case .approval: return nil
        }
    }

    private func targetName(_ app: String) -> String {
        guard let spec = playbook.apps.first(where: { $0.name == app }) else { return "the configuration of '\(app)'" }
        return "\(spec.target.kind) \(RotationPlanner.display(spec.target))"
    }

    func call(_ call: PlatformCall) -> String {
        platform.previewCall(call)
    }
}
