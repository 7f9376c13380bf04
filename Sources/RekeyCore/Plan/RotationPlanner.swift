import Foundation
import RekeyCrypto

/// Builds a ``RotationPlan`` from a playbook and the platform's live state. Read-only: it lists keys
/// and reads targets, and changes nothing.
public struct RotationPlanner: Sendable {
    public var playbook: Playbook
    public var platform: any Platform
    public var targets: [String: any SecretTarget]
    public var toolVersion: String
    public var clock: EngineClock
    /// `--force`: start although the platform shows a rotation under way (an existing inactive signing key
    /// becomes this rotation's new key; a replacement key left by another rotation is warned about).
    public var force = false

    public init(
        playbook: Playbook,
        platform: any Platform,
        targets: [String: any SecretTarget],
        toolVersion: String,
        clock: EngineClock = .system
    ) {
        self.playbook = playbook
        self.platform = platform
        self.targets = targets
        self.toolVersion = toolVersion
        self.clock = clock
    }

    /// Reads the live state and makes the plan.
    ///
    /// - Parameter rotationID: The id to use (generated when `nil`).
    /// - Throws: ``PlanningError`` when the rotation can't start safely; platform errors.
    public func makePlan(rotationID: String? = nil) async throws -> RotationPlan {
        let now = clock.now()
        let id = rotationID ?? "rot-\(now.dateString.replacingOccurrences(of: "-", with: ""))-\(SecureRandom.hex(3))"
        if usesAPIKeys { return try await makeAPIKeyPlan(rotationID: id, now: now) }
        let observation = try await observe()
        let signingKeys = observation.signingKeys
        let eventKeys = observation.eventKeys
        let needsEventKeys = observation.needsEventKeys
        var warnings: [String] = []

        guard let active = signingKeys.first(where: { $0.isActive == true }) else {
            throw PlanningError.noActiveSigningKey
        }
        let creates = playbook.steps.contains(.createSigningKey)
        var adopted: String?
        if let inactive = signingKeys.first(where: { $0.isActive != true }), creates {
            guard force else {
                throw PlanningError.inactiveSigningKeyExists(
                    id: inactive.id, fingerprint: inactive.fingerprint?.hex ?? "?")
            }
            adopted = inactive.id
            warnings.append(
                "--force: the existing inactive signing key \(inactive.id) (\(inactive.fingerprint?.hex ?? "?")) becomes "
                    + "this rotation's new key; 'rekey abort' would delete it"
            )
        }

        for (app, snapshot) in zip(playbook.apps, observation.state.apps) {
            if snapshot.eventKeyID == nil, let name = app.eventKey, needsEventKeys,
                !eventKeys.contains(where: { $0.name == name })
            {
                warnings.append("app '\(app.name)': the playbook names event key '\(name)', which does not exist")
            }
            warnings += Self.hazards(
                app: app.name, signing: snapshot.signingKey, fallback: snapshot.signingKeyFallback,
                event: snapshot.eventKey, active: active, eventKeyFound: snapshot.eventKeyID != nil,
                needsEventKeys: needsEventKeys)
        }
        warnings += observation.valueWarnings
        warnings += reachabilityWarnings(observation)
        if needsEventKeys, eventKeys.contains(where: { $0.filter == nil }) {
            // The Inngest REST API lists event keys without their filters (only the dashboard API has them).
            warnings.append(
                "the platform's API does not show event key filters, so this plan shows none and rekey can't check "
                    + "them: copy each old key's event and IP filters by hand (a dashboard session token lets rekey "
                    + "read and copy them)"
            )
        }
        warnings += EarlierRotations.unfinished(near: playbook.path, environment: playbook.environment).map(\.warning)
        if playbook.steps.contains(.createEventKeys) || playbook.steps.contains(.generateEventKeys) {
            warnings += try refuseUnlessForced(
                EarlierRotations.onPlatform(eventKeys, template: playbook.options.keyName))
        }
        warnings += DotenvTarget.directoryWarnings(for: playbook)

        let replacements = Self.replacements(
            eventKeys: eventKeys,
            template: playbook.options.keyName,
            date: now.dateString,
            rotationID: id
        )
        let plannedSteps = plannedSteps(
            PlanningInput(
                playbook: playbook, platform: platform, baseline: observation.state,
                eventKeyReplacements: replacements))
        let text = (try? FileIO.readText(playbook.path)) ?? ""
        return RotationPlan(
            rotationID: id,
            createdAt: now,
            toolVersion: toolVersion,
            playbook: PlaybookSnapshot(path: playbook.path, contentHash: playbook.contentHash, text: text),
            baseline: observation.state,
            steps: plannedSteps,
            eventKeyReplacements: replacements,
            warnings: warnings,
            adoptedSigningKeyID: adopted
        )
    }

    /// Reads the live state a plan is made from (keys, what each app's configuration holds, the apps
    /// registered on the platform), without judging it. Read-only: a saved plan compares it with the
    /// state it saw (see ``PlanDrift``).
    ///
    /// - Throws: ``PlanningError/targetUnreadable(app:reason:)``; platform errors.
    public func liveState() async throws -> LiveState {
        if usesAPIKeys { return try await observeAPIKeys().state }
        return try await observe().state
    }

    // MARK: - Observation

    /// What the platform and the targets hold now.
    private struct Observation {
        var signingKeys: [PlatformKey]
        var eventKeys: [PlatformKey]
        var needsEventKeys: Bool
        var state: LiveState
        /// Why the platform's apps could not be listed, when they could not.
        var appsUnlisted: String?
        /// Dangerous values found in the targets (``RotationPlanner/valueHazards(app:state:steps:)``).
        var valueWarnings: [String] = []
    }

    private static func listEventKeys(_ platform: any Platform, if needed: Bool) async throws -> [PlatformKey] {
        needed ? try await platform.listKeys(.event) : []
    }

    /// Reads every app's target, at most `options.concurrency` at once (a deployment tool behind an `exec`
    /// target can take a second per call), in playbook order.
    ///
    /// - Parameter names: The variables to read for an app.
    /// - Throws: ``PlanningError/targetUnreadable(app:reason:)`` for the first app, in playbook order, whose
    ///   target has none or can't be read.
    func readTargets(_ names: @escaping @Sendable (AppSpec) -> [String]) async throws -> [[String: VariableState]] {
        let apps = playbook.apps
        for app in apps where targets[app.name] == nil {
            throw PlanningError.targetUnreadable(app: app.name, reason: "no target configured")
        }
        let targets = self.targets
        let limit = max(1, playbook.options.concurrency)
        var states = [Result<[String: VariableState], any Error>?](repeating: nil, count: apps.count)
        await withTaskGroup(of: (Int, Result<[String: VariableState], any Error>).self) { group in
            var next = 0
            func start() {
                let index = next
                next += 1
                let app = apps[index]
                let target = targets[app.name]!
                group.addTask {
                    do {
                        return (index, .success(try await target.read(names(app))))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(limit, apps.count) { start() }
            for await (index, result) in group {
                states[index] = result
                if next < apps.count { start() }
            }
        }
        return try zip(apps, states).map { app, result in
            switch result {
            case .success(let state)?: return state
            case .failure(let error)?: throw PlanningError.targetUnreadable(app: app.name, reason: "\(error)")
            case nil: preconditionFailure("every target was read")
            }
        }
    }

    private func observe() async throws -> Observation {
        let steps = Set(playbook.steps)
        let needsEventKeys =
            steps.contains(.createEventKeys) || steps.contains(.stageEventKeys)
            || steps.contains(.deleteOldEventKeys)

        // The listings and the targets are independent: read them all at once.
        let platform = self.platform
        async let signingListing = platform.listKeys(.signing)
        async let eventListing = Self.listEventKeys(platform, if: needsEventKeys)
        async let targetStates = readTargets { _ in InngestVariables.all + [InngestVariables.dev] }
        // Awaited in this order, so a platform error is reported before a target's, as when read one by one.
        let signingKeys = try await signingListing
        let eventKeys = try await eventListing
        let states = try await targetStates

        // Targets: what each app runs with now.
        var apps: [AppSnapshot] = []
        var valueWarnings: [String] = []
        for (app, state) in zip(playbook.apps, states) {
            valueWarnings += Self.valueHazards(app: app, state: state, steps: playbook.steps)
            let signing = InngestVariables.snapshot(
                of: state[InngestVariables.signingKey], name: InngestVariables.signingKey)
            let fallback = InngestVariables.snapshot(
                of: state[InngestVariables.signingKeyFallback],
                name: InngestVariables.signingKeyFallback
            )
            let event = InngestVariables.snapshot(of: state[InngestVariables.eventKey], name: InngestVariables.eventKey)
            var eventKeyID: String?
            if let fingerprint = event.fingerprint {
                eventKeyID = eventKeys.first { $0.fingerprint == fingerprint }?.id
            }
            if eventKeyID == nil, let name = app.eventKey {
                eventKeyID = eventKeys.first { $0.name == name }?.id
            }
            apps.append(
                AppSnapshot(
                    name: app.name,
                    signingKey: signing,
                    signingKeyFallback: fallback,
                    eventKey: event,
                    eventKeyID: eventKeyID
                )
            )
        }

        // The apps the platform knows: resyncs address them by id.
        var registered: [String]?
        var appsUnlisted: String?
        if steps.contains(.resyncApps), platform.capabilities.contains(.listApps) {
            do {
                registered = try await platform.listApps().map(\.id)
            } catch {
                appsUnlisted = "\(error)"
            }
        }

        let state = LiveState(
            signingKeys: signingKeys.map {
                KeySnapshot(id: $0.id, name: $0.name, fingerprint: $0.fingerprint, active: $0.isActive)
            },
            eventKeys: eventKeys.map {
                KeySnapshot(id: $0.id, name: $0.name, fingerprint: $0.fingerprint, filter: $0.filter ?? .unrestricted)
            },
            apps: apps,
            registeredApps: registered
        )
        return Observation(
            signingKeys: signingKeys,
            eventKeys: eventKeys,
            needsEventKeys: needsEventKeys,
            state: state,
            appsUnlisted: appsUnlisted,
            valueWarnings: valueWarnings
        )
    }

    /// Apps rekey can't reach the way the plan needs: not registered on the platform (their resync
    /// would fail), or without an automatic check (confirm-redeploy waits for a person).
    private func reachabilityWarnings(_ observation: Observation) -> [String] {
        var warnings: [String] = []
        if let reason = observation.appsUnlisted {
            warnings.append("can't list the platform's apps (\(reason)); resync-apps may fail for apps it doesn't know")
        }
        if let registered = observation.state.registeredApps {
            for app in playbook.apps where !registered.contains(app.platformID) {
                warnings.append(
                    "app '\(app.name)': the platform has no app '\(app.platformID)', so resync-apps will fail for it; "
                        + "register the app, or set its platformID in the playbook"
                )
            }
        }
        if playbook.steps.contains(.confirmRedeploy) {
            let unchecked = playbook.apps.filter {
                if case .approval = $0.verify { return true }
                return playbook.options.confirmRedeploy.mode == .approve
            }
            if !unchecked.isEmpty {
                warnings.append(
                    "confirm-redeploy can't check \(unchecked.map { "'\($0.name)'" }.joined(separator: ", ")) "
                        + "automatically: a person must approve it ('rekey approve JOURNAL confirm-redeploy')"
                )
            }
        }
        return warnings
    }

    // MARK: - Steps

    /// Every selected step's part of the plan, as its type plans it (``StepBehavior/plan(_:)``), with the
    /// traits the plan records: the point of no return, the approvals, the gate, what abort does.
    func plannedSteps(_ input: PlanningInput) -> [PlannedStep] {
        let pointOfNoReturn = ProcedureCatalog.pointOfNoReturn(in: playbook.steps)
        let approvals = Set(playbook.options.requireApproval ?? pointOfNoReturn.map { [$0] } ?? [])
        return playbook.steps.map { id in
            let behavior = StepCatalog.behavior(for: id)
            let plan = behavior.plan(input)
            return PlannedStep(
                id: id,
                title: plan.title,
                items: plan.items.map { item in
                    var item = item
                    item.calls = behavior.calls(item.id, input)
                    return item
                },
                pointOfNoReturn: id == pointOfNoReturn,
                requiresApproval: approvals.contains(id),
                automatic: plan.automatic,
                gate: behavior.isGate,
                undo: behavior.undo
            )
        }
    }

    // MARK: - Helpers

    /// `findings` of a rotation under way on the platform: an error, or with `--force` warnings.
    func refuseUnlessForced(_ findings: [String]) throws -> [String] {
        guard !findings.isEmpty else { return [] }
        guard force else { throw PlanningError.rotationUnderwayOnPlatform(findings) }
        return findings.map { "--force: " + $0 }
    }

    /// New names for the replacement keys, unique among themselves and the existing keys.
    static func replacements(
        eventKeys: [PlatformKey],
        template: String,
        date: String,
        rotationID: String
    ) -> [EventKeyReplacement] {
        var used = Set(eventKeys.compactMap(\.name))
        var result: [EventKeyReplacement] = []
        for key in eventKeys {
            var name = render(template, name: key.name ?? key.id, date: date, rotationID: rotationID)
            if used.contains(name) { name += " [\(rotationID)]" }
            if used.contains(name) { name += " [\(key.id)]" }
            used.insert(name)
            result.append(
                EventKeyReplacement(
                    oldID: key.id,
                    oldName: key.name,
                    oldFingerprint: key.fingerprint,
                    newName: name,
                    filter: key.filter ?? .unrestricted
                )
            )
        }
        return result
    }

    /// Renders the key-name template.
    public static func render(_ template: String, name: String, date: String, rotationID: String) -> String {
        template
            .replacingOccurrences(of: "{name}", with: name)
            .replacingOccurrences(of: "{date}", with: date)
            .replacingOccurrences(of: "{rotation}", with: rotationID)
    }

    static func hazards(
        app: String,
        signing: VariableSnapshot,
        fallback: VariableSnapshot,
        event: VariableSnapshot,
        active: PlatformKey,
        eventKeyFound: Bool,
        needsEventKeys: Bool
    ) -> [String] {
        var warnings: [String] = []
        switch signing {
        case .absent: warnings.append("app '\(app)': INNGEST_SIGNING_KEY is not set")
        case .empty:
            warnings.append("app '\(app)': INNGEST_SIGNING_KEY is set but EMPTY: anyone can sign requests to it")
        case .present(let fingerprint) where fingerprint != active.fingerprint:
            warnings.append(
                "app '\(app)': INNGEST_SIGNING_KEY (\(fingerprint)) is not the environment's active key "
                    + "(\(active.fingerprint?.hex ?? "?")); abort can't restore it"
            )
        default: break
        }
        switch fallback {
        case .empty:
            warnings.append(
                "app '\(app)': INNGEST_SIGNING_KEY_FALLBACK is set but EMPTY: anyone can sign requests to it; "
                    + "rekey will overwrite it and finally delete the line"
            )
        case .present(let fingerprint):
            warnings.append(
                "app '\(app)': INNGEST_SIGNING_KEY_FALLBACK is already set (\(fingerprint)); rekey replaces it")
        default: break
        }
        if needsEventKeys {
            switch event {
            case .empty: warnings.append("app '\(app)': INNGEST_EVENT_KEY is set but EMPTY")
            case .present(let fingerprint) where !eventKeyFound:
                warnings.append(
                    "app '\(app)': INNGEST_EVENT_KEY (\(fingerprint)) is not a key of this environment; rekey leaves it"
                )
            default: break
            }
        }
        return warnings
    }

    static func display(_ target: TargetSpec) -> String {
        switch target {
        case .dotenv(let path): FileIO.baseName(of: path)
        case .exec(let spec): FileIO.baseName(of: spec.set.first ?? "?")
        case .manual(let location): location
        }
    }
}
