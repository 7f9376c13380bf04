import RekeyCore

/// Renders a plan for a reviewer: live state, every step's concrete actions, warnings, and the point
/// of no return.
struct PlanPrinter {
    let terminal: Terminal

    func print(_ plan: RotationPlan) {
        let out = terminal.out
        let environment = plan.playbook.environment ?? "?"
        let platform = plan.playbook.platformKind ?? "?"
        out.line(out.styled("Plan \(plan.hash.prefix(12))", .bold) + "  rotation \(plan.rotationID), environment "
            + "\(environment) on \(platform), made \(plan.createdAt)")
        out.line()
        out.line(out.styled("Live state", .bold))
        for key in plan.baseline.signingKeys {
            out.line("  signing key \(key.id)  \(key.fingerprint?.hex ?? "?")  \(key.active == true ? "active" : "inactive")")
        }
        for key in plan.baseline.eventKeys {
            out.line("  event key   \(key.id)  \(key.fingerprint?.hex ?? "?")  '\(key.name ?? "")'  \((key.filter ?? .unrestricted).summary)")
        }
        for app in plan.baseline.apps {
            out.line(
                "  app \(app.name): INNGEST_SIGNING_KEY=\(app.signingKey.description), "
                    + "INNGEST_SIGNING_KEY_FALLBACK=\(app.signingKeyFallback.description), "
                    + "INNGEST_EVENT_KEY=\(app.eventKey.description)\(app.eventKeyID.map { " (\($0))" } ?? "")"
            )
        }
        for (index, step) in plan.steps.enumerated() {
            out.line()
            if step.pointOfNoReturn {
                out.line(out.styled("── point of no return: from here on, forward only ──", .yellow, .bold))
            }
            var flags: [String] = [step.automatic ? "automatic" : "guided (a person acts, rekey observes)"]
            if step.requiresApproval { flags.append("needs approval") }
            out.line(out.styled("\(index + 1). \(step.id)", .bold) + "  \(step.title)  " + out.styled("[\(flags.joined(separator: ", "))]", .dim))
            if step.items.isEmpty { out.line(out.styled("   (nothing to do)", .dim)) }
            for item in step.items { out.line("   - \(item.summary)") }
        }
        if !plan.warnings.isEmpty {
            out.line()
            for warning in plan.warnings { out.line(out.styled("warning:", .yellow) + " \(warning)") }
        }
        out.line()
        out.line("Nothing was changed. Run it with: rekey run \(plan.playbook.path)")
    }
}
