// The building blocks of the calls `rekey plan` shows for each item (``StepBehavior/calls(_:_:)``): the
// platform operations (in the backend's own wording when it has one, see ``PlatformCallDescribing``), the
// reads and writes of each app's configuration, and the checks of what each app runs with.
//
// Every step observes first (is it already done?), then acts, then verifies; the lines say which is
// which. A guided action (the platform's API can't do it) is a person's, and says so.

extension PlanningInput {
    /// A platform call in the backend's wording.
    public func call(_ call: PlatformCall) -> String {
        platform.previewCall(call)
    }

    /// Observe, act and verify lines of a key mutation, automatic or guided.
    public func keyCalls(kind: KeyKind, act: PlatformCall, automatic: Bool, guided: GuidedAction) -> [String] {
        let observe = "observe: " + call(.listKeys(kind))
        guard automatic else { return guidedCalls(guided, kind: kind) }
        return [observe, "act: " + call(act), "verify: " + call(.listKeys(kind))]
    }

    /// Observe, act and verify lines of a key mutation a person performs.
    public func guidedCalls(_ action: GuidedAction, kind: KeyKind) -> [String] {
        [
            "observe: " + call(.listKeys(kind)),
            "act (guided, a person): " + platform.instructions(for: action).joined(separator: " "),
            "verify: " + call(.listKeys(kind)) + " until the change appears",
        ]
    }

    /// The reads and writes of an app's configuration that sets `names` and removes `remove`.
    public func targetCalls(_ app: String, set names: [String] = [], remove: [String] = []) -> [String] {
        let target = targetName(app)
        switch self.app(app)?.target {
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

    /// How an app's running configuration is checked, or `nil` when it can't be (approval only).
    public func runningCheck(_ app: String) -> String? {
        guard let spec = self.app(app) else { return nil }
        switch spec.verify {
        case .platform: return "\(platform.kind): inspect app '\(spec.platformID)'"
        case .introspection(let url): return "GET \(url) (signed introspection)"
        case .approval: return nil
        }
    }

    /// `dotenv api.env`, `exec vercel`, `manual Heroku dashboard`.
    public func targetName(_ app: String) -> String {
        guard let spec = self.app(app) else { return "the configuration of '\(app)'" }
        return "\(spec.target.kind) \(RotationPlanner.display(spec.target))"
    }
}
