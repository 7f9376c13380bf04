/// What one step does to one item, in four phases (observe, act, verify, and undo for rollback).
///
/// Implementers must guarantee:
/// - `observe` has no side effect and recognises the step's own earlier work (by the name, id or
///   fingerprint the plan or intent recorded), so a run that died after the side effect adopts it
///   instead of doing it again.
/// - `act` performs the side effect once (platform writes go through ``StepContext/write(_:reconcile:perform:)``)
///   or guides a human through it.
/// - `verify` reads back and throws ``StepError/verificationFailed(_:)`` when the world differs.
/// - No secret in any outcome, summary or error.
public protocol StepBehavior: Sendable {
    /// The step.
    var id: StepID { get }

    /// Whether items change anything (a read-only gate writes no intent records).
    var hasSideEffects: Bool { get }

    /// Whether the step is a gate: it completes when every item verified, or on one approval of the whole
    /// step (`confirm-redeploy`). Default `false`.
    var isGate: Bool { get }

    /// Whether ``undo(_:in:)`` rolls the step's items back during `rekey abort`. Only steps before the point
    /// of no return may be reversible. Default `false`.
    var isReversible: Bool { get }

    /// Whether the step seals a secret into its `done` records (and so needs the operator's seal key).
    /// Default ``StepSealing/never``.
    var sealing: StepSealing { get }

    /// Returns the outcome if the item is already done, `nil` otherwise.
    func observe(_ item: String, in context: StepContext) async throws -> ItemOutcome?

    /// The intent record's summary and idempotency key for `item`.
    func intent(_ item: String, in context: StepContext) -> (action: String, idempotencyKey: String)

    /// Performs the side effect and returns its outcome.
    func act(_ item: String, in context: StepContext) async throws -> ItemOutcome

    /// Checks the outcome against the world.
    func verify(_ item: String, outcome: ItemOutcome, in context: StepContext) async throws

    /// Undoes the item during an abort; returns what was done, or `nil` if nothing needed undoing.
    func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome?

    /// A one-line description of a done item for progress output.
    func summary(_ item: String, outcome: ItemOutcome, in context: StepContext) -> String
}

extension StepBehavior {
    public var hasSideEffects: Bool { true }

    public var isGate: Bool { false }

    public var isReversible: Bool { false }

    public var sealing: StepSealing { .never }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? { nil }
}
