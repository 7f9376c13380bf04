#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// GitHub Actions integration, on when `GITHUB_ACTIONS=true`: workflow commands (`::group::`,
/// `::error::`, `::warning::`) and the job summary (`$GITHUB_STEP_SUMMARY`).
///
/// Workflow commands go where the human output goes, so that a group wraps the lines it belongs to:
/// standard output for text, standard error with `--json` (the runner reads commands on both streams,
/// and standard output then carries JSON only). Messages are escaped as the runner expects, so a
/// message can't end the command early or inject another one.
struct GitHubActions: Sendable {
    /// Where workflow commands are written.
    let stream: Terminal.Output
    /// The job summary file, when the runner provides one.
    let summaryPath: String?

    /// The integration for this process, or `nil` when not running on GitHub Actions.
    ///
    /// - Parameters:
    ///   - terminal: The terminal (its environment says whether this is GitHub Actions).
    ///   - json: Whether standard output carries JSON (commands then go to standard error).
    static func detect(terminal: Terminal, json: Bool) -> GitHubActions? {
        guard terminal.environment["GITHUB_ACTIONS"] == "true" else { return nil }
        let summary = terminal.environment["GITHUB_STEP_SUMMARY"].flatMap { $0.isEmpty ? nil : $0 }
        return GitHubActions(stream: json ? terminal.err : terminal.out, summaryPath: summary)
    }

    // MARK: - Workflow commands

    /// Starts a collapsible group of log lines.
    func group(_ title: String) {
        stream.line("::group::" + Self.escapeData(title))
    }

    /// Ends the current group.
    func endGroup() {
        stream.line("::endgroup::")
    }

    /// An error annotation (shown on the run's summary page).
    func error(_ message: String, title: String? = nil) {
        command("error", message, title: title)
    }

    /// A warning annotation.
    func warning(_ message: String, title: String? = nil) {
        command("warning", message, title: title)
    }

    /// A notice annotation.
    func notice(_ message: String, title: String? = nil) {
        command("notice", message, title: title)
    }

    private func command(_ name: String, _ message: String, title: String?) {
        let properties = title.map { " title=" + Self.escapeProperty($0) } ?? ""
        stream.line("::\(name)\(properties)::" + Self.escapeData(message))
    }

    /// Escapes a command's message: `%`, CR and LF (a multi-line message stays one command).
    static func escapeData(_ text: String) -> String {
        escape(text, [("%", "%25"), ("\r", "%0D"), ("\n", "%0A")])
    }

    /// Escapes a command property's value: as a message, plus `:` and `,`.
    static func escapeProperty(_ text: String) -> String {
        escape(text, [("%", "%25"), ("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C")])
    }

    /// Replaces scalars (not characters: `\r\n` is one `Character` but two scalars to escape).
    private static func escape(_ text: String, _ table: [(Unicode.Scalar, String)]) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let replacement = table.first(where: { $0.0 == scalar })?.1 {
                result += replacement
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    // MARK: - Job summary

    /// Appends Markdown to the job summary file. Best effort: a summary that can't be written is reported on
    /// standard error and never changes the exit code.
    ///
    /// - Parameters:
    ///   - markdown: The text to append.
    ///   - terminal: Where to report a failure.
    func appendSummary(_ markdown: String, reportingTo terminal: Terminal) {
        guard let summaryPath else { return }
        let fd = open(summaryPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            terminal.err.line(
                "warning: can't write the job summary '\(summaryPath)': \(String(cString: strerror(errno)))")
            return
        }
        defer { close(fd) }
        var bytes = Array((markdown.hasSuffix("\n") ? markdown : markdown + "\n").utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                terminal.err.line(
                    "warning: can't write the job summary '\(summaryPath)': \(String(cString: strerror(errno)))")
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
