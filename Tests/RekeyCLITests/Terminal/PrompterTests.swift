import RekeyCore
import Testing

@testable import RekeyCLI

@Suite struct PrompterTests {
    @Test func refusesToPromptWhenStandardInputIsNotATerminal() {
        let recorder = TerminalRecorder(answers: ["production"], stdinIsTTY: false)
        let prompter = Prompter(terminal: recorder.terminal)
        #expect(!prompter.canPrompt)
        #expect(throws: PromptError.notATerminal(prompt: "Rotate?")) {
            try prompter.confirm(typed: "production", prompt: "Rotate?")
        }
        #expect(throws: PromptError.self) { try prompter.readLine(prompt: "Name: ") }
        #expect(throws: PromptError.self) { try prompter.readHidden(prompt: "Key: ") }
        // Nothing was read and nothing was asked.
        #expect(recorder.remainingAnswers == ["production"])
        #expect(recorder.readEchoes.isEmpty)
        #expect(recorder.stderr.isEmpty)
    }

    @Test func refusesToPromptWhenPromptsAreDisabled() {
        let recorder = TerminalRecorder(answers: ["production"], stdinIsTTY: true)
        let prompter = Prompter(terminal: recorder.terminal, allowsPrompts: false)
        #expect(!prompter.canPrompt)
        #expect(throws: PromptError.promptsDisabled(prompt: "Rotate?")) {
            try prompter.confirm(typed: "production", prompt: "Rotate?")
        }
        #expect(recorder.remainingAnswers == ["production"])
    }

    @Test func refusalsPauseTheRotation() {
        #expect(PromptError.notATerminal(prompt: "x").exitCode == .paused)
        #expect(PromptError.promptsDisabled(prompt: "x").exitCode == .paused)
        #expect(PromptError.notATerminal(prompt: "Rotate? ").description.contains("not a terminal"))
        #expect(PromptError.promptsDisabled(prompt: "Rotate?").description.contains("--non-interactive"))
    }

    @Test(arguments: [
        ("production", true),
        ("  production \t", true),
        ("Production", false),
        ("prod", false),
        ("yes", false),
        ("", false),
    ])
    func confirmRequiresTheExactWord(answer: String, expected: Bool) throws {
        let recorder = TerminalRecorder(answers: [answer], stdinIsTTY: true)
        let prompter = Prompter(terminal: recorder.terminal)
        #expect(try prompter.confirm(typed: "production", prompt: "This deletes the old signing key.") == expected)
        #expect(recorder.stderr.hasPrefix("This deletes the old signing key.\nType 'production'"))
        #expect(recorder.stdout.isEmpty)
    }

    @Test func confirmAtEndOfInputIsARefusal() throws {
        let recorder = TerminalRecorder(answers: [], stdinIsTTY: true)
        #expect(try Prompter(terminal: recorder.terminal).confirm(typed: "production", prompt: "Rotate?") == false)
    }

    @Test func readLineReturnsTheTrimmedAnswer() throws {
        let recorder = TerminalRecorder(answers: ["  alice  "], stdinIsTTY: true)
        #expect(try Prompter(terminal: recorder.terminal).readLine(prompt: "Your name: ") == "alice")
        #expect(recorder.stderr == "Your name: ")
        #expect(recorder.readEchoes == [true])
    }

    @Test func readLineAtEndOfInputThrows() {
        let recorder = TerminalRecorder(answers: [], stdinIsTTY: true)
        #expect(throws: PromptError.endOfInput(prompt: "Your name: ")) {
            try Prompter(terminal: recorder.terminal).readLine(prompt: "Your name: ")
        }
    }

    @Test func readHiddenReadsWithoutEchoAndNeverShowsTheValue() throws {
        let value = "signkey-prod-0123456789abcdef"
        let recorder = TerminalRecorder(answers: [value], stdinIsTTY: true)
        let secret = try Prompter(terminal: recorder.terminal).readHidden(prompt: "Session token: ")
        #expect(secret.exposeValue() == value)
        #expect(recorder.readEchoes == [false])
        #expect(recorder.stderr == "Session token: \n")
        #expect(!recorder.stdout.contains(value) && !recorder.stderr.contains(value))
        #expect("\(secret)" == "<redacted>")
    }

    @Test func readHiddenRejectsAnEmptyEntry() {
        let recorder = TerminalRecorder(answers: ["   "], stdinIsTTY: true)
        #expect(throws: PromptError.emptySecret(prompt: "Key: ")) {
            try Prompter(terminal: recorder.terminal).readHidden(prompt: "Key: ")
        }
    }
}
