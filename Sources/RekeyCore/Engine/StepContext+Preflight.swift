// The reads a pre-flight makes right before an irreversible or outage-capable action, as building blocks
// the steps combine: the platform's keys, and for each app what its configuration holds and what it runs.
// Each adds its reads and every difference from what the action needs to a ``CheckFindings``.

extension StepContext {
    /// The apps of the rotation: every app the plan staged (or, when nothing was staged, the playbook's).
    var rotatedApps: [String] {
        let staged = [StepID.stageSigningKeys, .stageEventKeys, .stageAPIKeys].flatMap { step in
            plan.step(step)?.items.map(\.id) ?? []
        }
        var seen = Set<String>()
        let apps = staged.isEmpty ? playbook.apps.map(\.name) : staged
        return apps.filter { seen.insert($0).inserted }
    }

    /// Whether the redeploy gate confirmed `app` by a person's approval or an override (nothing could
    /// check it, or a person took the risk): then a pre-flight can't ask more of it either.
    func confirmedByPerson(_ app: String) -> String? {
        guard let outcome = outcomes[ItemRef(step: .confirmRedeploy, item: app)], let detail = outcome.detail else {
            return nil
        }
        return detail
    }

    /// The signing key the platform signs with at this point of the rotation: the new key once the
    /// rotation's promotion is done, the old one before.
    func currentSigningKey() throws -> (id: String, fingerprint: Fingerprint?) {
        if outcomes[ItemRef(step: .rotateSigningKey, item: SigningKeyItem.id)] != nil
            || outcomes[ItemRef(step: .installSigningKey, item: ServerItem.id)] != nil
        {
            return try newSigningKey()
        }
        let old = try oldSigningKey()
        return (old.id, old.fingerprint)
    }

    /// Reads the platform's signing keys and adds them to `findings`: the plan's old key must still be the
    /// active one (else someone rotated outside rekey), the new key must exist with its recorded fingerprint,
    /// and no other signing key may have appeared.
    func checkSigningKeysBeforePromotion(_ findings: inout CheckFindings) async throws {
        let old = try oldSigningKey()
        let new = try newSigningKey()
        let keys = try await self.keys(.signing)
        findings.read("platform: signing keys", Self.describe(keys))
        guard let created = keys.first(where: { $0.id == new.id }) else {
            findings.problem(
                "the new signing key \(new.id) is not on the platform any more (deleted outside rekey?); abort this "
                    + "rotation ('rekey abort') and start a new one")
            return
        }
        if let fingerprint = new.fingerprint, created.fingerprint != nil, created.fingerprint != fingerprint {
            findings.problem(
                "the signing key \(new.id) has fingerprint \(created.fingerprint?.hex ?? "?"), the journal recorded "
                    + "\(fingerprint): it is not the key the apps were given")
        }
        if let active = keys.first(where: { $0.isActive == true }), active.id != old.id, active.id != new.id {
            findings.problem(
                "the platform's active signing key is \(active.id), not \(old.id) as planned: the key was rotated "
                    + "outside rekey; check the dashboard before going on")
        }
        for other in keys where other.id != old.id && other.id != new.id {
            findings.problem(
                "an unknown signing key \(other.id) (\(other.fingerprint?.hex ?? "?")) appeared on the platform: is "
                    + "another rotation running? Find out before going on")
        }
    }

    /// Adds to `findings` whether every app of the rotation will accept requests signed with the new signing
    /// key once it is the only one: its configuration holds it (as the key or the fallback), and it runs
    /// with it (a signed probe).
    func checkAppsAcceptNewSigningKey(_ findings: inout CheckFindings) async throws {
        let new = try newSigningKey()
        let old = try oldSigningKey()
        let newSecret = try await secret(.signing, id: new.id, fingerprint: new.fingerprint)
        let oldSecret = try await secret(.signing, id: old.id, fingerprint: old.fingerprint)
        var names: [Fingerprint: String] = [:]
        if let fingerprint = new.fingerprint { names[fingerprint] = "new" }
        if let fingerprint = old.fingerprint { names[fingerprint] = "old" }
        for app in rotatedApps {
            let state = try await readVariables(
                [InngestVariables.signingKey, InngestVariables.signingKeyFallback], ofApp: app)
            let primary = InngestVariables.snapshot(
                of: state[InngestVariables.signingKey], name: InngestVariables.signingKey)
            let fallback = InngestVariables.snapshot(
                of: state[InngestVariables.signingKeyFallback], name: InngestVariables.signingKeyFallback)
            findings.read(
                "\(app): configured", "INNGEST_SIGNING_KEY=\(primary), INNGEST_SIGNING_KEY_FALLBACK=\(fallback)")
            if primary != .unreadable, let fingerprint = new.fingerprint,
                primary != .present(fingerprint), fallback != .present(fingerprint)
            {
                findings.problem(
                    "app '\(app)': its configuration holds INNGEST_SIGNING_KEY=\(primary), "
                        + "INNGEST_SIGNING_KEY_FALLBACK=\(fallback), not the new key \(fingerprint): at its next "
                        + "restart it would refuse the platform's requests; stage it again")
            }
            let probe = try await probe(app, keys: [("new", newSecret), ("old", oldSecret)])
            findings.read("\(app): running", probe.describe(names))
            for hazard in probe.hazards { findings.problem(hazard) }
            switch probe.status {
            case .accepted(let label, _) where label == "new":
                break
            case .noVerifier:
                if confirmedByPerson(app) == nil {
                    findings.problem(
                        "app '\(app)' can't be checked and nobody confirmed its redeploy at confirm-redeploy")
                }
            case .unreachable(let why):
                findings.problem(
                    "app '\(app)' can't be reached to check that it accepts the new key (\(why)); resume when it "
                        + "answers again")
            case .devMode, .acceptsEmptyKey:
                break  // its hazards are listed above
            case .accepted, .refusedAll:
                findings.problem(
                    "app '\(app)' \(probe.describe(names)): it would refuse the platform's requests once the new key "
                        + "is the only one; redeploy it with the staged configuration")
            }
        }
    }

    /// Adds to `findings` whether the event key that replaces `oldID` is on the platform as planned (same
    /// id, fingerprint and filters), and whether every app that used `oldID` is configured with and runs
    /// its replacement, so that `oldID` can go.
    func checkEventKeyReplaced(_ oldID: String, _ findings: inout CheckFindings) async throws {
        let new = try newEventKey(replacing: oldID)
        let keys = try await self.keys(.event)
        let oldName = plan.baseline.eventKeys.first { $0.id == oldID }?.name ?? oldID
        if let listed = keys.first(where: { $0.id == new.id }) {
            findings.read(
                "platform: replacement of \(oldID)",
                "\(listed.id) '\(listed.name ?? "?")' \(listed.fingerprint?.hex ?? "?"), \((listed.filter ?? .unrestricted).summary)"
            )
            if let planned = plan.replacement(forEventKey: oldID)?.filter, let filter = listed.filter, filter != planned
            {
                findings.problem(
                    "the replacement \(new.id) of '\(oldName)' has \(filter.summary) now, but the old key had "
                        + "\(planned.summary): its filters were changed outside rekey; restore them in the dashboard")
            }
            if let fingerprint = new.fingerprint, let listedFingerprint = listed.fingerprint,
                listedFingerprint != fingerprint
            {
                findings.problem(
                    "the replacement \(new.id) of '\(oldName)' has fingerprint \(listedFingerprint), the journal "
                        + "recorded \(fingerprint)")
            }
        } else {
            findings.read("platform: replacement of \(oldID)", "missing")
            findings.problem(
                "the replacement \(new.id) of event key '\(oldName)' is not on the platform any more (deleted "
                    + "outside rekey?): deleting \(oldID) now would leave its apps without a valid event key")
        }
        let template = KeyNameTemplate(playbook.options.keyName)
        let known = Set(plan.baseline.eventKeys.map(\.id) + [new.id])
        for other in keys where !known.contains(other.id) {
            if let name = other.name, template.isReplacementName(name, of: oldName) {
                findings.problem(
                    "an unknown event key \(other.id) '\(name)' appeared, named like a replacement of '\(oldName)': is "
                        + "another rotation running? Find out before going on")
            }
        }
        guard let fingerprint = new.fingerprint else { return }
        let signing = try currentSigningKey()
        let signingSecret = try await secret(.signing, id: signing.id, fingerprint: signing.fingerprint)
        for app in plan.baseline.apps where app.eventKeyID == oldID {
            let state = try await readVariables([InngestVariables.eventKey], ofApp: app.name)
            let configured = InngestVariables.snapshot(
                of: state[InngestVariables.eventKey], name: InngestVariables.eventKey)
            findings.read("\(app.name): configured", "INNGEST_EVENT_KEY=\(configured)")
            if configured != .unreadable, configured != .present(fingerprint) {
                findings.problem(
                    "app '\(app.name)': its configuration holds INNGEST_EVENT_KEY=\(configured), not the replacement "
                        + "\(fingerprint): it would be left without a valid event key; stage it again")
            }
            let probe = try await probe(app.name, keys: [("current", signingSecret)])
            findings.read("\(app.name): running", probe.describe([fingerprint: "new event"]))
            switch probe.status {
            case .accepted(_, let report):
                if let hash = report.eventKeyHash {
                    if !fingerprint.matches(reportedHash: hash) {
                        findings.problem(
                            "app '\(app.name)' still runs event key \(hash.prefix(Fingerprint.length)), not its "
                                + "replacement \(fingerprint); redeploy it")
                    }
                } else if report.hasEventKey != nil {
                    findings.problem("app '\(app.name)' runs without an event key")
                }
            case .noVerifier:
                if confirmedByPerson(app.name) == nil {
                    findings.problem(
                        "app '\(app.name)' can't be checked and nobody confirmed its redeploy at confirm-redeploy")
                }
            case .unreachable(let why):
                findings.problem("app '\(app.name)' can't be reached to check its event key (\(why))")
            case .devMode, .acceptsEmptyKey, .refusedAll:
                findings.problem("app '\(app.name)' \(probe.describe([fingerprint: "new event"]))")
            }
        }
    }

    /// Adds to `findings` whether any app is still configured with, or runs, a key of `kind` with
    /// `fingerprint` (abort: a key an app uses is never deleted).
    func checkNoAppUses(_ kind: KeyKind, fingerprint: Fingerprint, keyID: String, _ findings: inout CheckFindings)
        async throws
    {
        let variables: [String] =
            kind == .signing
            ? [InngestVariables.signingKey, InngestVariables.signingKeyFallback] : [InngestVariables.eventKey]
        let old = try oldSigningKey()
        let oldSecret = try await secret(.signing, id: old.id, fingerprint: old.fingerprint)
        for app in rotatedApps {
            let state = try await readVariables(variables, ofApp: app)
            for variable in variables {
                let snapshot = InngestVariables.snapshot(of: state[variable], name: variable)
                if snapshot == .present(fingerprint) {
                    findings.problem(
                        "app '\(app)': its configuration still holds \(variable)=\(fingerprint) (\(keyID))")
                }
            }
            let probe = try await probe(app, keys: [("old", oldSecret)])
            findings.read("\(app): running", probe.describe([fingerprint: "new"]))
            switch probe.status {
            case .accepted(_, let report), .acceptsEmptyKey(let report):
                let hashes =
                    kind == .signing ? [report.signingKeyHash, report.signingKeyFallbackHash] : [report.eventKeyHash]
                if hashes.compactMap({ $0 }).contains(where: fingerprint.matches(reportedHash:)) {
                    findings.problem("app '\(app)' still runs \(keyID) (\(fingerprint)); redeploy it")
                }
            case .refusedAll:
                findings.problem("app '\(app)' \(probe.describe([fingerprint: "new"])); redeploy it")
            case .unreachable(let why):
                findings.problem("app '\(app)' can't be reached to check that it runs its old keys again (\(why))")
            case .noVerifier, .devMode:
                break
            }
        }
    }

    static func describe(_ keys: [PlatformKey]) -> String {
        keys.map { "\($0.id) \($0.fingerprint?.hex ?? "?")\($0.isActive == true ? " active" : "")" }
            .joined(separator: ", ")
    }
}

extension StepContext {
    /// Adds to `findings` whether the API key that replaces `oldID` is on the platform, and whether every app
    /// that used `oldID` is configured with the replacement (and, where the platform reports key usage, uses
    /// it more recently than the old key).
    func checkAPIKeyReplaced(_ oldID: String, _ findings: inout CheckFindings) async throws {
        let new = try newAPIKey(replacing: oldID)
        let keys = try await self.keys(.api)
        let newKey = keys.first { $0.id == new.id }
        findings.read("platform: replacement of \(oldID)", newKey.map { "\($0.id) '\($0.name ?? "?")'" } ?? "missing")
        if newKey == nil {
            findings.problem(
                "the replacement \(new.id) of API key \(oldID) is not on the platform any more (deleted outside "
                    + "rekey?): its apps would be left without a valid key")
        }
        let reportsUsage = platform.capabilities.contains(.reportsKeyUsage)
        let oldUsed = keys.first { $0.id == oldID }?.lastUsedAt
        for app in plan.baseline.apps where app.apiKeyID == oldID {
            let variable = try apiKeyVariable(ofApp: app.name)
            let state = try await readVariables([variable], ofApp: app.name)[variable]
            switch state {
            case .present(let value)?:
                let fingerprint = value.utf8Fingerprint
                findings.read("\(app.name): configured \(variable)", fingerprint.hex)
                if let expected = new.fingerprint, fingerprint != expected {
                    findings.problem(
                        "app '\(app.name)': its configuration holds \(variable)=\(fingerprint), not the replacement "
                            + "\(expected); stage it again")
                }
            case .unreadable?, nil:
                findings.read("\(app.name): configured \(variable)", "unreadable")
            case .absent?, .empty?:
                findings.problem("app '\(app.name)': its configuration has no \(variable)")
            }
            if reportsUsage, confirmedByPerson(app.name) == nil, let newKey {
                if let oldUsed, newKey.lastUsedAt.map({ oldUsed >= $0 }) ?? true {
                    findings.problem(
                        "app '\(app.name)': the old key \(oldID) was used at least as recently as its replacement: an "
                            + "instance still runs the old key")
                }
            }
        }
    }

    /// Adds to `findings` whether any app's configuration still holds the API key with `fingerprint`.
    func checkNoAppHoldsAPIKey(_ fingerprint: Fingerprint, keyID: String, _ findings: inout CheckFindings)
        async throws
    {
        for app in rotatedApps {
            let variable = try apiKeyVariable(ofApp: app)
            if case .present(let value)? = try await readVariables([variable], ofApp: app)[variable],
                value.utf8Fingerprint == fingerprint
            {
                findings.problem("app '\(app)': its configuration still holds \(variable)=\(fingerprint) (\(keyID))")
            }
        }
    }
}
