/// The state of one configuration variable in a target.
public enum VariableState: Sendable, Equatable {
    /// The variable is not set.
    case absent
    /// The variable is set to the empty string: a hazard for key variables (the Python SDK treats an
    /// empty `INNGEST_SIGNING_KEY_FALLBACK` as a configured key and accepts requests signed with "").
    case empty
    /// The variable holds a value.
    case present(Secret)
    /// The target can't be read back (exec and manual targets); only verification can tell.
    case unreadable
}

/// One change to a target's variables.
public enum VariableChange: Sendable, Equatable {
    /// Set `name` to `value` (never empty: the engine refuses to write an empty key).
    case set(name: String, value: Secret)
    /// Remove `name` entirely (never write `NAME=`).
    case remove(name: String)

    /// The variable the change touches.
    public var name: String {
        switch self {
        case .set(let name, _), .remove(let name): name
        }
    }
}

/// Where an app's configuration lives: a dotenv file, a command per variable, or a human.
///
/// Implementers must guarantee:
/// - ``apply(_:)`` is atomic per call where the medium allows it (a dotenv file is replaced in one
///   rename, so a crash leaves either the old or the new file), and idempotent: applying the same
///   changes twice leaves the same result.
/// - Values never appear in errors, argv, or output.
public protocol SecretTarget: Sendable {
    /// A short description for messages (`dotenv apps/api.env`), no secret.
    var summary: String { get }

    /// Reads the current state of `names`. Write-only targets return ``VariableState/unreadable``.
    func read(_ names: [String]) async throws -> [String: VariableState]

    /// Applies `changes` together.
    func apply(_ changes: [VariableChange]) async throws
}
