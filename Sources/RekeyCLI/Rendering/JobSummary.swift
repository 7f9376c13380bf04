import RekeyCore

/// The Markdown that `run`, `resume` and `gate` append to the GitHub Actions job summary: where the
/// rotation stands as a step table (status, items, duration, approver), the point of no return, what it
/// waits on, and the exact command that continues it.
enum JobSummary {
    /// The summary of a rotation.
    ///
    /// - Parameters:
    ///   - status: Where the rotation stands (read back from the journal after the command).
    ///   - headline: How the command ended (`paused at rotate-signing-key`).
    ///   - next: The command that continues, if any.
    /// - Returns: Markdown, ending with a newline.
    static func markdown(status: RotationStatus, headline: String, next: String?) -> String {
        var lines: [String] = []
        lines.append("### rekey: \(cell(status.rotationID)) — \(cell(headline))")
        lines.append("")
        lines.append(
            "Environment **\(cell(status.environment))** on \(cell(status.platform)) · plan `\(status.planHash.prefix(12))` · "
                + "journal `\(status.journal)`"
        )
        lines.append("")
        lines.append("| # | step | status | items | duration | approved by |")
        lines.append("| --: | --- | --- | --: | --: | --- |")
        for (index, step) in status.steps.enumerated() {
            let name = "`\(step.id)`" + (step.pointOfNoReturn ? " (point of no return)" : "")
            let approval = step.approvedBy.map { by in
                cell(by) + (step.approvedVia.map { " (\(cell($0)))" } ?? "")
            }
            lines.append(
                "| \(index + 1) | \(name) | \(mark(step.state)) \(step.state.rawValue) | \(step.itemsDone)/\(step.itemsTotal) "
                    + "| \(step.durationMs.map(duration) ?? "") | \(approval ?? "") |"
            )
        }
        lines.append("")
        if let ponr = status.pointOfNoReturn {
            lines.append(
                "**Point of no return:** `\(ponr)`, "
                    + (status.pointOfNoReturnPassed
                        ? "passed: forward only, `rekey abort` is no longer possible."
                        : "not passed: `rekey abort` can still roll everything back.")
            )
            lines.append("")
        }
        if !status.overrides.isEmpty {
            lines.append("**Overrides** (failed checks a person passed explicitly):")
            lines.append("")
            for override in status.overrides {
                lines.append(
                    "- ⚠️ `\(cell(override.check))` by \(cell(override.by)) (\(cell(override.via))) at \(override.at)"
                        + (override.used ? "" : " (not used yet)") + ": \(cell(override.reason))")
            }
            lines.append("")
        }
        if let failed = status.steps.first(where: { $0.state == .failed }) {
            lines.append("**Failed:** `\(failed.id)`: \(cell(failed.problem ?? "see the journal"))")
            lines.append("")
        }
        if let waitingOn = status.waitingOn {
            lines.append("**Waiting on:** \(cell(waitingOn))")
            lines.append("")
        } else if let blocked = status.blockedBy {
            lines.append("**Blocked:** \(cell(blocked))")
            lines.append("")
        }
        if let next {
            lines.append("**Next:**")
            lines.append("")
            lines.append("```sh")
            lines.append(next)
            lines.append("```")
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// A duration for people: `850 ms`, `12.3 s`, `4m5s`.
    static func duration(_ milliseconds: Int) -> String {
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds < 60_000 {
            let tenths = (milliseconds + 50) / 100
            return "\(tenths / 10).\(tenths % 10) s"
        }
        return DurationParser.format(seconds: Double((milliseconds + 500) / 1000))
    }

    private static func mark(_ state: RotationStatus.StepState) -> String {
        switch state {
        case .done: "✅"
        case .running: "▶️"
        case .waiting: "⏸️"
        case .failed: "❌"
        case .pending: "·"
        }
    }

    /// Text safe inside a table cell: no pipe, no line break.
    private static func cell(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "|": result += "\\|"
            case "\n", "\r": result += " "
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
