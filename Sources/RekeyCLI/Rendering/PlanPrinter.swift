import RekeyCore

/// Renders a plan for a reviewer: the live state it was made from, warnings, every step's concrete actions
/// and the calls each makes, guided or automatic, the approvals it needs, and the point of no return.
struct PlanPrinter {
    let terminal: Terminal

    /// Prints `plan`; `savedTo` is the `--out` file, if any.
    func print(_ plan: RotationPlan, savedTo: String? = nil) {
        let out = terminal.out
        let environment = plan.playbook.environment ?? "?"
        let platform = plan.playbook.platformKind ?? "?"
        out.line(
            out.styled("Plan \(plan.hash.prefix(12))", .bold) + "  rotation \(plan.rotationID), environment "
                + "\(environment) on \(platform), made \(plan.createdAt)"
        )
        out.line("Playbook: \(plan.playbook.path)")
        out.line(Self.overview(plan))

        out.line()
        out.line(out.styled("Live state", .bold) + out.styled("  (read just now; nothing was changed)", .dim))
        for key in plan.baseline.signingKeys {
            out.line(
                "  signing key \(key.id)  \(key.fingerprint?.hex ?? "?")  \(key.active == true ? "active" : "inactive")"
            )
        }
        for key in plan.baseline.eventKeys {
            out.line(
                "  event key   \(key.id)  \(key.fingerprint?.hex ?? "?")  '\(key.name ?? "")'  "
                    + (key.filter ?? .unrestricted).summary
            )
        }
        for key in plan.baseline.apiKeys ?? [] {
            out.line(
                "  API key \(key.id)  '\(key.name ?? "")'  \(key.prefix.map { "\($0)…  " } ?? "")"
                    + (key.scope.map { "scoped to \($0)" } ?? "organisation-wide")
            )
        }
        for app in plan.baseline.apps {
            if let variable = app.apiKeyVariable {
                out.line(
                    "  app \(app.name): \(variable)=\(app.apiKey?.description ?? "?")"
                        + (app.apiKeyID.map { " (key \($0))" } ?? ""))
                continue
            }
            out.line(
                "  app \(app.name): INNGEST_SIGNING_KEY=\(app.signingKey.description), "
                    + "INNGEST_SIGNING_KEY_FALLBACK=\(app.signingKeyFallback.description), "
                    + "INNGEST_EVENT_KEY=\(app.eventKey.description)\(app.eventKeyID.map { " (\($0))" } ?? "")"
            )
        }
        if let registered = plan.baseline.registeredApps {
            out.line(
                "  apps registered on the platform: \(registered.isEmpty ? "none" : registered.joined(separator: ", "))"
            )
        }

        if !plan.warnings.isEmpty {
            out.line()
            out.line(out.styled("Warnings (\(plan.warnings.count))", .yellow, .bold))
            for warning in plan.warnings { out.line("  " + out.styled("!", .yellow) + " \(warning)") }
        }

        for (index, step) in plan.steps.enumerated() {
            out.line()
            if step.pointOfNoReturn {
                out.line(
                    out.styled(
                        "── point of no return: from here on, forward only ('rekey abort' can't undo it) ──", .yellow,
                        .bold
                    )
                )
            }
            out.line(
                out.styled("\(index + 1). \(step.id)", .bold) + "  \(step.title)  "
                    + out.styled("[\(Self.flags(step).joined(separator: ", "))]", .dim)
            )
            if step.items.isEmpty { out.line(out.styled("   (nothing to do)", .dim)) }
            for item in step.items {
                out.line("   - \(item.summary)")
                for call in item.calls ?? [] { out.line(out.styled("       \(call)", .dim)) }
            }
        }

        out.line()
        out.line("Nothing was changed.")
        for line in Self.nextSteps(plan, savedTo: savedTo) { out.line(line) }
    }

    // MARK: - Markdown (GitHub Actions job summary)

    /// The plan as Markdown, for the job summary of a review job.
    static func markdown(_ plan: RotationPlan, savedTo: String?) -> String {
        var lines: [String] = []
        lines.append(
            "### rekey plan `\(plan.hash.prefix(12))`: \(plan.playbook.environment ?? "?") on \(plan.playbook.platformKind ?? "?")"
        )
        lines.append("")
        lines.append(overview(plan))
        lines.append("")
        if !plan.warnings.isEmpty {
            lines.append("**Warnings**")
            lines.append("")
            for warning in plan.warnings { lines.append("- \(warning)") }
            lines.append("")
        }
        lines.append("| # | step | mode | items |")
        lines.append("| --: | --- | --- | --- |")
        for (index, step) in plan.steps.enumerated() {
            let name = "`\(step.id)`" + (step.pointOfNoReturn ? " (point of no return)" : "")
            let items = step.items.map { $0.summary.replacingPipes() }.joined(separator: "<br>")
            lines.append("| \(index + 1) | \(name) | \(flags(step).joined(separator: ", ")) | \(items) |")
        }
        lines.append("")
        lines.append("```sh")
        lines += nextSteps(plan, savedTo: savedTo)
        lines.append("```")
        lines.append("")
        return lines.joined(separator: "\n")
    }

    // MARK: - Parts

    /// `9 steps: 7 automatic, 2 guided · needs approval: rotate-signing-key · point of no return: step 6`.
    static func overview(_ plan: RotationPlan) -> String {
        let guided = plan.steps.filter { !$0.automatic }.count
        var parts = ["\(plan.steps.count) steps: \(plan.steps.count - guided) automatic, \(guided) guided"]
        let approvals = plan.steps.filter(\.requiresApproval).map(\.id.rawValue)
        if !approvals.isEmpty { parts.append("needs approval: " + approvals.joined(separator: ", ")) }
        if let index = plan.steps.firstIndex(where: \.pointOfNoReturn) {
            parts.append("point of no return: step \(index + 1), \(plan.steps[index].id)")
        } else {
            parts.append("no point of no return: every step can be rolled back")
        }
        return parts.joined(separator: " · ")
    }

    static func flags(_ step: PlannedStep) -> [String] {
        var flags: [String] = [step.automatic ? "automatic" : "guided (a person acts, rekey observes)"]
        if step.requiresApproval { flags.append("needs approval") }
        return flags
    }

    /// How to freeze, review and run exactly this plan.
    static func nextSteps(_ plan: RotationPlan, savedTo: String?) -> [String] {
        let approve = plan.steps.filter(\.requiresApproval).map { " --approve \($0.id)" }.joined()
        let hash = String(plan.hash.prefix(12))
        guard let savedTo else {
            return [
                "Freeze it for review:        rekey plan \(plan.playbook.path) --out plan.json",
                "Then run exactly that plan:  rekey run plan.json",
            ]
        }
        var lines = [
            "Plan written to \(savedTo) (hash \(hash)).",
            "Run exactly this plan:       rekey run \(savedTo)",
        ]
        if !approve.isEmpty {
            lines.append(
                "In CI, approving this plan:  rekey run \(savedTo) --non-interactive\(approve) --plan-hash \(hash)")
        }
        return lines
    }
}

extension String {
    fileprivate func replacingPipes() -> String {
        var result = ""
        for character in self { if character == "|" { result += "\\|" } else { result.append(character) } }
        return result
    }
}
