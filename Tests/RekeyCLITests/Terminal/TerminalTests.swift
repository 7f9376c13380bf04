import Testing

@testable import RekeyCLI

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct TerminalTests {
    // MARK: - Exit codes

    @Test func exitCodesHaveTheDocumentedValues() {
        let values = ExitCode.allCases.map { ($0, $0.rawValue) }
        #expect(values.map(\.1) == [0, 1, 3, 64, 65, 69, 75, 130])
        #expect(ExitCode.success.rawValue == 0)
        #expect(ExitCode.stepFailed.rawValue == 1)
        #expect(ExitCode.paused.rawValue == 3)
        #expect(ExitCode.usage.rawValue == 64)
        #expect(ExitCode.invalidInput.rawValue == 65)
        #expect(ExitCode.unavailable.rawValue == 69)
        #expect(ExitCode.locked.rawValue == 75)
        #expect(ExitCode.interrupted.rawValue == 130)
    }

    @Test(arguments: ExitCode.allCases)
    func everyExitCodeExplainsItselfAndTheNextStep(code: ExitCode) {
        #expect(!code.name.isEmpty && !code.name.contains(" "))
        #expect(!code.meaning.isEmpty)
        #expect(!code.nextStep.isEmpty)
    }

    // MARK: - Colour

    @Test(arguments: [
        (true, ["TERM": "xterm-256color"], true),
        (true, [:], true),
        (false, ["TERM": "xterm-256color"], false),
        (true, ["TERM": "dumb"], false),
        (true, ["TERM": "xterm", "NO_COLOR": "1"], false),
        (true, ["TERM": "xterm", "NO_COLOR": "yes please"], false),
        (true, ["TERM": "xterm", "NO_COLOR": ""], true),
    ])
    func colourFollowsTTYTermAndNoColor(isTTY: Bool, environment: [String: String], expected: Bool) {
        #expect(Terminal.colorEnabled(isTTY: isTTY, environment: environment) == expected)
    }

    @Test func stylesVanishWhenColourIsOff() {
        let plain = TerminalRecorder(stdoutIsTTY: false, environment: ["TERM": "xterm"]).terminal
        #expect(plain.out.styled("done", .bold, .green) == "done")
        let dumb = TerminalRecorder(stdoutIsTTY: true, environment: ["TERM": "dumb"]).terminal
        #expect(dumb.out.styled("done", .red) == "done")
    }

    @Test func stylesEmitANSIEscapesWhenColourIsOn() {
        let terminal = TerminalRecorder(stdoutIsTTY: true, environment: ["TERM": "xterm"]).terminal
        #expect(terminal.out.styled("done", .bold, .green) == "\u{1B}[1;32mdone\u{1B}[0m")
        #expect(terminal.out.styled("x", .dim) == "\u{1B}[2mx\u{1B}[0m")
        #expect(terminal.out.styled("x", .yellow) == "\u{1B}[33mx\u{1B}[0m")
        #expect(terminal.out.styled("x", .cyan) == "\u{1B}[36mx\u{1B}[0m")
        #expect(terminal.out.styled("x", .red) == "\u{1B}[31mx\u{1B}[0m")
        #expect(terminal.out.styled("") == "")
        // Standard error decides on its own.
        #expect(terminal.err.styled("x", .red) == "x")
    }

    // MARK: - Streams

    @Test func recorderCapturesEachStreamSeparately() {
        let recorder = TerminalRecorder()
        let terminal = recorder.terminal
        terminal.out.line("result")
        terminal.err.write("progress")
        terminal.err.line()
        #expect(recorder.stdout == "result\n")
        #expect(recorder.stderr == "progress\n")
    }

    @Test func pipesAreNotTerminalsAndHaveTheDefaultWidth() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        #expect(!Terminal.isTTY(fds[0]))
        #expect(!Terminal.isTTY(fds[1]))
        #expect(Terminal.width(of: fds[1], environment: [:]) == 80)
        #expect(Terminal.width(of: fds[1], environment: ["COLUMNS": "132"]) == 132)
        #expect(Terminal.width(of: fds[1], environment: ["COLUMNS": "wide"]) == 80)
        #expect(Terminal.width(of: fds[1], environment: ["COLUMNS": "0"]) == 80)
    }

    @Test func standardTerminalUsesTheInjectedEnvironment() {
        let terminal = Terminal.standard(environment: ["NO_COLOR": "1", "TERM": "xterm"])
        #expect(terminal.environment["NO_COLOR"] == "1")
        #expect(!terminal.out.colorEnabled)
        #expect(!terminal.err.colorEnabled)
        #expect(terminal.width > 0)
    }
}
