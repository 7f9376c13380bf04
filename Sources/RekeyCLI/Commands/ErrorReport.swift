import RekeyCore
import RekeySandbox

/// The one place that maps an error to what the user sees and the exit code.
enum ErrorReport {
    /// The message (one line, lowercase, no secret) and the exit code for `error`.
    static func describe(_ error: any Error) -> (message: String, code: ExitCode) {
        switch error {
        case let error as UsageError:
            return (error.message, .usage)
        case let error as PlaybookError:
            return ("\(error)", .invalidInput)
        case let error as JournalError:
            switch error {
            case .locked: return ("\(error)", .locked)
            case .notFound, .corrupt, .unsupportedVersion, .alreadyExists, .unusableFile, .notAJournal, .unsafeLockFile,
                .replaced:
                return ("\(error)", .invalidInput)
            case .io, .writerFailed: return ("\(error)", .stepFailed)
            }
        case let error as SessionError:
            switch error {
            case .alreadyFinished, .alreadyAborted, .nothingToAbort: return ("\(error)", .success)
            case .unknownStep, .nothingToApprove, .nothingToOverride, .overrideNeedsReason: return ("\(error)", .usage)
            case .planHashMismatch, .snapshotInvalid: return ("\(error)", .invalidInput)
            case .pastPointOfNoReturn, .unfinishedRotation: return ("\(error)", .stepFailed)
            case .abortNotConfirmed: return ("\(error)", .paused)
            case .environmentLocked: return ("\(error)", .locked)
            }
        case let error as PlanningError:
            return ("\(error)", .stepFailed)
        case let error as SavedPlanError:
            return ("\(error)", .invalidInput)
        case let error as PlatformError:
            if case .unavailable = error { return ("\(error)", .unavailable) }
            return ("\(error)", .stepFailed)
        case let error as BackendError:
            return ("\(error)", .invalidInput)
        case let error as SandboxError:
            return ("\(error)", .invalidInput)
        case let error as FaultPointSyntaxError:
            return ("\(error)", .usage)
        case let error as StepError:
            return ("\(error)", .stepFailed)
        case let error as SealError:
            switch error {
            case .tampered, .malformed: return ("\(error)", .invalidInput)
            case .sealingFailed: return ("\(error)", .stepFailed)
            default: return ("\(error)", .usage)
            }
        case let error as RevealError:
            switch error {
            case .secretUnavailable: return ("\(error)", .stepFailed)
            default: return ("\(error)", .usage)
            }
        default:
            return ("\(error)", .stepFailed)
        }
    }

    /// Prints `error` to standard error and returns its exit code. With `json` (the command's `--json`),
    /// standard output also gets one `error` event (schema rekey.events/v1), so that a consumer reading
    /// JSON Lines learns why there is nothing else; on GitHub Actions the error is also an annotation.
    static func report(_ error: any Error, on terminal: Terminal, json: Bool = false) -> ExitCode {
        let (message, code) = describe(error)
        reportJSON(error, when: json, on: terminal)
        if code != .success { GitHubActions.detect(terminal: terminal, json: json)?.error(message, title: "rekey") }
        if code == .success {
            terminal.err.line(message)
        } else {
            terminal.err.line(terminal.err.styled("Error:", .red, .bold) + " " + message)
        }
        return code
    }

    /// Prints the `error` event for `error` on standard output when `json` is on.
    static func reportJSON(_ error: any Error, when json: Bool, on terminal: Terminal) {
        guard json else { return }
        let (message, code) = describe(error)
        var fields: [String: JSONValue] = [
            "message": .string(message),
            "exitCode": .number(Double(code.rawValue)),
            "exitName": .string(code.name),
        ]
        if case .stale(_, _, _, let differences) = error as? SavedPlanError {
            fields["differences"] = .array(differences.map { .string($0) })
        }
        terminal.out.line(JSONEventPrinter.line("error", fields))
    }
}
