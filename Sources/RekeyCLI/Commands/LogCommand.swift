import RekeyCore

/// `rekey log JOURNAL [--verify] [--json]`: the journal's records, verified.
struct LogCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() throws -> ExitCode {
        guard let journal = context.arguments.positional(0) else { preconditionFailure("the parser requires JOURNAL") }
        let path = FileIO.absolute(journal)
        // Reading verifies the chain, the plan hash and the tail anchor; damage throws (exit 65).
        let contents = try JournalReader.read(path: path)
        _ = try RotationSession.replay(contents)
        let out = context.terminal.out
        if context.arguments.flag("verify") {
            out.line("journal '\(journal)': \(contents.records.count) records, hash chain intact, plan hash valid")
            switch contents.tailAnchored {
            case true?:
                out.line("tail: matches the anchor in \(FileIO.baseName(of: JournalLock.path(forJournal: path)))")
            default:
                out.line(
                    "tail: not anchored (no lock file next to the journal), so removal of the last lines can't be detected"
                )
            }
            if let torn = contents.tornTail {
                out.line("note: line \(torn.line) is incomplete (a crash while writing it); resume drops it")
            }
            return .success
        }
        for record in contents.records {
            if context.json {
                out.line(String(decoding: JSONCoding.canonicalBytes(record), as: UTF8.self))
            } else {
                out.line(Self.describe(record))
            }
        }
        return .success
    }

    static func describe(_ record: JournalRecord) -> String {
        var text = "\(String(record.seq).leftPad(4)) \(record.at) \(record.type.rawValue)"
        if let step = record.step { text += " \(step)" }
        if let item = record.item { text += "/\(item)" }
        let data = record.data
        if let plan = data.plan { text += " rotation \(plan.rotationID), plan \(plan.hash.prefix(12))" }
        if let action = data.action { text += ": \(action)" }
        if let outcome = data.outcome {
            var parts: [String] = []
            if let id = outcome.keyID { parts.append("key \(id)") }
            if let fingerprint = outcome.fingerprint { parts.append("fp \(fingerprint)") }
            if let variables = outcome.variables {
                parts += variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value?.hex ?? "removed")" }
            }
            if let detail = outcome.detail { parts.append(detail) }
            if outcome.sealed != nil { parts.append("secret sealed") }
            if !parts.isEmpty { text += ": " + parts.joined(separator: ", ") }
        }
        if data.adopted == true { text += " (found already done)" }
        if let variable = data.variable { text += ": \(variable)" }
        if let fingerprint = data.fingerprint { text += " (fp \(fingerprint))" }
        if let check = data.check { text += " check \(check)" }
        if let verdict = data.verdict { text += ": \(verdict.uppercased())" }
        if let kind = data.kind { text += " [\(kind.rawValue)]" }
        if let by = data.by { text += " by \(by)" }
        if let via = data.via { text += " via \(via)" }
        if let error = data.error { text += ": \(error)" }
        if let message = data.message { text += ": \(message)" }
        if let reason = data.reason { text += ", because: \(reason)" }
        return text
    }
}
