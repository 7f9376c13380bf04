import RekeyCore

/// `rekey reveal JOURNAL --app APP --var NAME`: shows, on a terminal only and after a typed confirmation,
/// a value a manual target was asked to hold. The reveal is journaled (who, when, app, variable,
/// fingerprint) before the value is printed.
struct RevealCommand {
    let context: CommandContext

    init(_ context: CommandContext) { self.context = context }

    func run() async throws -> ExitCode {
        let arguments = context.arguments
        guard let journal = arguments.positional(0) else { preconditionFailure("the parser requires JOURNAL") }
        guard let app = arguments.string("app") else {
            throw UsageError.missingArgument("--app", command: arguments.commandPath)
        }
        guard let variable = arguments.string("var") else {
            throw UsageError.missingArgument("--var", command: arguments.commandPath)
        }
        let terminal = context.terminal
        guard terminal.input.isTTY else { throw RevealError.notATerminal(stream: "input") }
        guard terminal.out.isTTY else { throw RevealError.notATerminal(stream: "output") }

        let reveal = try SecretReveal.prepare(
            journalPath: FileIO.absolute(journal),
            app: app,
            variable: variable,
            provider: BackendFactory(),
            environment: context.environment,
            sealKey: try context.sealKey()
        )
        let actor = Identity.actor(explicit: nil, environment: context.environment)
        let prompt =
            "About to show \(variable) for app '\(app)' (fingerprint \(reveal.fingerprint), asked by \(reveal.step)) "
            + "on this screen, to be set in \(reveal.location).\n"
            + "The journal will record that \(actor) saw it. Anyone who can see your screen will see it too."
        guard try Prompter(terminal: terminal).confirm(typed: app, prompt: prompt) else { throw RevealError.declined }

        let secret = try await reveal.reveal(by: actor)
        terminal.err.line("\(variable) for app '\(app)' (fingerprint \(reveal.fingerprint)):")
        // The one place rekey shows a secret: on purpose, to a person at a terminal, after journaling it.
        terminal.out.line(secret.exposeValue())
        terminal.err.line(
            "Recorded in the journal. Set it in \(reveal.location), clear your screen and scrollback, then: "
                + "rekey resume \(journal)")
        return .success
    }
}
