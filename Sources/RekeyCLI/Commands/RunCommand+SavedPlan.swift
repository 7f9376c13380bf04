import RekeyCore

/// `rekey run PLAN`: a plan frozen by `rekey plan --out`, checked against the live state and run exactly as
/// reviewed; and `--plan-hash`, which binds a run's approvals to one plan.
extension RunCommand {
    /// The saved plan at `path`, or `nil` when the file is not a plan (a playbook: the loader reports on it).
    /// Judged by content, not by name.
    func savedPlan(at path: String) throws -> RotationPlan? {
        let absolute = FileIO.absolute(path)
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(absolute, limit: SavedPlan.maximumSize)
        } catch {
            // Larger than any plan, and so than any playbook: say so here. Anything else (missing, a FIFO) is
            // the playbook loader's to report.
            guard case .tooLarge = error.problem else { return nil }
            throw SavedPlanError.unreadable(
                path: path, reason: "\(error.reason), more than any plan or playbook needs; check the path")
        }
        guard SavedPlan.isPlan(bytes) else { return nil }
        return try SavedPlan.decode(bytes, path: path)
    }

    /// Runs a saved plan: refuses another plan's hash (exit 65) and a stale plan (exit 65, with the
    /// differences), then starts exactly that plan.
    func run(saved plan: RotationPlan, path: String) async throws -> ExitCode {
        let arguments = context.arguments
        try requirePlanHash(plan)
        let (observer, printer) = makeObserver()
        let session = try context.session(observer: observer)
        let playbook = try await session.verifySavedPlan(plan, path: path)
        let outcome = try await session.start(
            playbookPath: plan.playbook.path,
            journalPath: arguments.string("journal").map(FileIO.absolute),
            approvals: try approvals(),
            until: try arguments.string("until").map(context.step),
            prepared: (playbook, plan)
        )
        return report(outcome, printer: printer)
    }

    /// `--plan-hash H`: go ahead only if the rotation's plan is H.
    ///
    /// - Throws: ``SessionError/planHashMismatch(expected:given:)`` (exit 65) for another plan.
    func requirePlanHash(_ plan: RotationPlan) throws {
        guard let given = context.arguments.string("plan-hash") else { return }
        guard SavedPlan.hash(given, names: plan) else {
            throw SessionError.planHashMismatch(expected: plan.hash, given: given)
        }
    }

    /// `--plan-hash H` on `resume`: the journal's plan must be H. Reads the journal (its plan record never
    /// changes), without locking it.
    func requirePlanHash(ofJournal journal: String) throws {
        guard context.arguments.string("plan-hash") != nil else { return }
        try requirePlanHash(JournalReader.read(path: journal).plan)
    }

    /// `--plan-hash` with a playbook can't name the plan: it is made now, with a new hash.
    func refusePlanHashWithoutSavedPlan(_ playbook: String) throws {
        guard let given = context.arguments.string("plan-hash") else { return }
        throw UsageError.invalid(
            "--plan-hash \(given) needs a saved plan, but '\(playbook)' is a playbook: its plan is made now, with a "
                + "new hash; freeze it with 'rekey plan \(playbook) --out plan.json', review it, then run "
                + "'rekey run plan.json --plan-hash HASH'",
            command: context.arguments.commandPath
        )
    }
}
