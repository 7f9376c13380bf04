import RekeyCore

/// `rekey status JOURNAL [--json]` and `rekey explain JOURNAL`: read-only views of a journal.
struct StatusCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    /// Loads and verifies the journal named by the first argument.
    static func load(_ context: CommandContext) throws -> (JournalContents, RotationStateMachine, RotationStatus) {
        guard let journal = context.arguments.positional(0) else { preconditionFailure("the parser requires JOURNAL") }
        let contents = try JournalReader.read(path: FileIO.absolute(journal))
        let machine = try RotationSession.replay(contents)
        return (contents, machine, RotationStatus(contents: contents, machine: machine))
    }

    func run() throws -> ExitCode {
        let (contents, _, status) = try Self.load(context)
        if context.json {
            context.terminal.out.line(String(decoding: JSONCoding.canonicalBytes(status), as: UTF8.self))
        } else {
            StatusPrinter(terminal: context.terminal).print(status, contents: contents)
        }
        return .success
    }

    func explain() throws -> ExitCode {
        let (contents, machine, status) = try Self.load(context)
        StatusPrinter(terminal: context.terminal).explain(status, contents: contents, machine: machine)
        return .success
    }
}
