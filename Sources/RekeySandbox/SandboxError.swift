import RekeyCore

/// Errors of the sandbox itself (its state file, its apps' env files, its scaffold), as opposed to the
/// platform rules it emulates, which throw ``PlatformError``. Descriptions name the file or object and
/// the fix, and never hold key material.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The state file does not exist.
    case stateMissing(path: String)
    /// The state file is not valid sandbox state (bad JSON, wrong shape, broken invariant).
    case stateCorrupt(path: String, detail: String)
    /// The state file has a format version this build does not read.
    case unsupportedVersion(path: String, version: Int)
    /// Another process held the state lock for longer than the timeout.
    case stateLocked(path: String, seconds: Double)
    /// An app's env file could not be read on redeploy.
    case envFileMissing(app: String, path: String)
    /// No app with this id or name.
    case appNotFound(String)
    /// `SandboxScaffold` refuses to write into a directory that already holds something.
    case directoryNotEmpty(path: String)
    /// A scaffold parameter is out of range.
    case invalidArgument(String)
    /// A file operation failed.
    case io(FileIOError)

    public var description: String {
        switch self {
        case .stateMissing(let path):
            "sandbox state '\(path)' does not exist; create a sandbox with 'rekey sandbox init DIR'"
        case .stateCorrupt(let path, let detail):
            "sandbox state '\(path)': \(detail); fix or recreate the file"
        case .unsupportedVersion(let path, let version):
            "sandbox state '\(path)': unsupported version \(version) (this rekey reads version "
                + "\(SandboxState.formatVersion)); use a matching rekey or recreate the sandbox"
        case .stateLocked(let path, let seconds):
            "sandbox state '\(path)' stayed locked by another process for \(Self.format(seconds)) s; "
                + "retry when it is done"
        case .envFileMissing(let app, let path):
            "sandbox app '\(app)': env file '\(path)' can't be read; restore it or fix the app's envFile"
        case .appNotFound(let app):
            "sandbox has no app '\(app)'; see 'rekey sandbox show' for the app names"
        case .directoryNotEmpty(let path):
            "directory '\(path)' is not empty; choose a new directory for the sandbox or remove this one"
        case .invalidArgument(let message):
            "invalid sandbox parameter: \(message)"
        case .io(let error):
            "sandbox file error: \(error)"
        }
    }

    /// The same failure as a ``PlatformError``, for callers of the ``Platform`` protocol: a lock held too
    /// long is worth retrying, a missing app is `notFound`, a missing env file or a corrupt state needs a
    /// human fix.
    public var platformError: PlatformError {
        switch self {
        case .stateLocked: .transient(description, retryAfter: 1)
        case .appNotFound: .notFound(description)
        case .stateCorrupt, .unsupportedVersion: .invalidResponse(description)
        case .stateMissing, .io: .unavailable(description)
        case .envFileMissing, .directoryNotEmpty, .invalidArgument: .rejected(description)
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
