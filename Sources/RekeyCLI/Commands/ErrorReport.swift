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
            case .alreadyExists: return ("\(error)", .usage)
            case .notFound, .corrupt, .unsupportedVersion: return ("\(error)", .invalidInput)
            case .io, .writerFailed: return ("\(error)", .stepFailed)
            }
        case let error as SessionError:
            switch error {
            case .alreadyFinished, .alreadyAborted: return ("\(error)", .success)
            case .unknownStep, .nothingToApprove: return ("\(error)", .usage)
            case .planHashMismatch, .snapshotInvalid: return ("\(error)", .invalidInput)
            case .pastPointOfNoReturn: return ("\(error)", .stepFailed)
            }
        case let error as PlanningError:
            return ("\(error)", .stepFailed)
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
        default:
            return ("\(error)", .stepFailed)
        }
    }

    /// Prints `error` to standard error and returns its exit code.
    static func report(_ error: any Error, on terminal: Terminal) -> ExitCode {
        let (message, code) = describe(error)
        if code == .success {
            terminal.err.line(message)
        } else {
            terminal.err.line(terminal.err.styled("Error:", .red, .bold) + " " + message)
        }
        return code
    }
}
