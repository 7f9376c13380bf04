/// An app whose configuration a person changes by hand (a dashboard, a ticket to another team).
///
/// rekey can neither write nor read it. When a step needs a change, the engine prints what to set where
/// (variable names and fingerprints, never values) and pauses the run (exit 3). The person shows each
/// value with `rekey reveal JOURNAL --app APP --var NAME` (on a terminal, after a confirmation, and
/// journaled), sets it, and resumes. The change counts as applied once the app's verifier reports the
/// requested fingerprints (introspection, or the sandbox), or when the person confirms it with
/// `rekey resume JOURNAL --approve STEP` after having been shown the request. See ``ManualTargetGate``.
public struct ManualTarget: SecretTarget {
    /// The app whose configuration this is.
    public let app: String
    /// Where the person sets the values, as the playbook says (`Heroku dashboard → billing → Config Vars`).
    public let location: String

    /// Creates the target of `app`, changed by hand at `location`.
    public init(app: String, location: String) {
        self.app = app
        self.location = location
    }

    /// `manual (<location>)`.
    public var summary: String { "manual (\(location))" }

    /// Nothing can be read: every name is ``VariableState/unreadable``.
    public func read(_ names: [String]) async throws -> [String: VariableState] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, VariableState.unreadable) })
    }

    /// Always throws: a person applies the changes; the engine asks them to (``ManualTargetGate``).
    ///
    /// - Throws: ``ManualTargetError/appliedByHand(app:)``.
    public func apply(_ changes: [VariableChange]) async throws {
        throw ManualTargetError.appliedByHand(app: app)
    }
}

/// Errors from ``ManualTarget``.
public enum ManualTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Something called ``ManualTarget/apply(_:)`` directly instead of going through the engine.
    case appliedByHand(app: String)

    public var description: String {
        switch self {
        case .appliedByHand(let app):
            "app '\(app)' has a manual target: a person sets its values; run the rotation with 'rekey run' to be "
                + "shown what to set"
        }
    }
}
