import RekeyCrypto

extension RotationSession {
    /// Checks a saved plan against the live state before `rekey run PLAN` executes it, and returns the
    /// playbook it was made from (its snapshot in the plan, not the file as it is now).
    ///
    /// The plan is stale, and refused, when the live state differs from its baseline (keys added or
    /// removed, other filters or material, other values in the apps' configuration, other apps registered
    /// on the platform) or when the same playbook would now plan different steps (a capability the
    /// platform lost makes an automatic step guided). Reads only.
    ///
    /// - Parameters:
    ///   - plan: The plan, read with ``SavedPlan/load(path:)``.
    ///   - path: The plan file, for messages.
    /// - Returns: The playbook to run the plan with.
    /// - Throws: ``SavedPlanError/stale(path:hash:playbook:differences:)``; ``SessionError/snapshotInvalid(_:)``;
    ///   platform and target errors.
    public func verifySavedPlan(_ plan: RotationPlan, path: String) async throws -> Playbook {
        let playbook = try Self.playbook(from: plan)
        let backends = try provider.backends(for: playbook, environment: environment)
        // The plan's own time and id, so that anything derived from them (new keys' names) compares equal.
        let planner = RotationPlanner(
            playbook: playbook,
            platform: backends.platform,
            targets: backends.targets,
            toolVersion: plan.toolVersion,
            clock: EngineClock(now: { plan.createdAt }, sleep: clock.sleep)
        )
        var drift = PlanDrift.between(plan.baseline, try await planner.liveState())
        if drift.isEmpty {
            do {
                let now = try await planner.makePlan(rotationID: plan.rotationID)
                drift = PlanDrift.between(steps: plan.steps, now.steps)
            } catch let error as PlanningError {
                drift = PlanDrift(differences: ["\(error)"])
            }
        }
        guard drift.isEmpty else {
            throw SavedPlanError.stale(
                path: path, hash: plan.hash, playbook: plan.playbook.path, differences: drift.differences)
        }
        if let bytes = try? FileIO.read(plan.playbook.path), SHA256.hex(bytes) != plan.playbook.contentHash {
            observer.handle(
                .warning(
                    "the playbook '\(plan.playbook.path)' changed since the plan was made; the run follows the plan's "
                        + "copy, as reviewed"
                )
            )
        }
        return playbook
    }
}
