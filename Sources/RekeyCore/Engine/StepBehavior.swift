/// One step of a procedure: its part of the plan and what it does to each item.
///
/// A step type owns everything about the step: its title and items in the plan, the calls `rekey plan`
/// shows, its cost on the critical path, whether `rekey abort` can undo it, whether it is a gate, and its
/// four phases (observe, act, verify, undo). ``StepCatalog/behavior(for:)`` maps every ``StepID`` to its
/// type with an exhaustive `switch`, so a step cannot be selected without being planned.
///
/// Implementers must guarantee:
/// - `plan` lists every item the step will work on: a step with no items completes at once, which is
///   right only when there is nothing to do (no app uses an event key, say).
/// - `observe` has no side effect and recognises the step's own earlier work (by the name, id or
///   fingerprint the plan or intent recorded), so a run that died after the side effect adopts it
///   instead of doing it again.
/// - `act` performs the side effect once (platform writes go through ``StepContext/write(_:reconcile:perform:)``)
///   or guides a human through it.
/// - `verify` reads back and throws ``StepError/verificationFailed(_:)`` when the world differs.
/// - No secret in any outcome, summary, planned call or error.
public protocol StepBehavior: Sendable {
    /// The step.
    var id: StepID { get }

    // MARK: Planning

    /// The step's title and items, from the live state the plan is made from.
    func plan(_ input: PlanningInput) -> StepPlan

    /// The calls `item` will make, in order, as `rekey plan` shows them (`observe: GET /v2/keys/signing`).
    func calls(_ item: String, _ input: PlanningInput) -> [String]

    /// What one item costs on the critical path (``CriticalPath``). Default: a key mutation, one listing
    /// before the first write, then a write and its read-back per item.
    var cost: CriticalPath.Cost { get }

    /// What `rekey abort` does with the step's items. Default ``StepUndo/none``.
    var undo: StepUndo { get }

    /// Whether the step is a gate: it completes when every item verified (or was approved where nothing can
    /// verify it). Default `false`.
    var isGate: Bool { get }

    /// Whether the step seals a secret into its `done` records (and so needs the operator's seal key).
    /// Default ``StepSealing/never``.
    var sealing: StepSealing { get }

    // MARK: Execution

    /// Whether items change anything (a read-only gate writes no intent records).
    var hasSideEffects: Bool { get }

    /// Re-reads the platform and the apps right before the item's irreversible or outage-capable action
    /// (promote, delete a replaced key, drop the fallback) and says whether the world still matches what the
    /// action needs; `nil` for a step without one (the default). The executor journals the reads and the
    /// verdict, and the action happens only when the check passed or a person overrode it.
    func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings?

    /// During an abort, before the item's undo deletes what the step created: whether any app still runs
    /// or is configured with it (the executor waits until none does); `nil` for no check (the default).
    func undoPreflight(_ item: String, in context: StepContext) async throws -> CheckFindings?

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
    public var cost: CriticalPath.Cost { CriticalPath.Cost(before: 1, perItem: 2) }

    public var undo: StepUndo { .none }

    public var hasSideEffects: Bool { true }

    public var isGate: Bool { false }

    public var sealing: StepSealing { .never }

    public func undo(_ item: String, in context: StepContext) async throws -> ItemOutcome? { nil }

    public func preflight(_ item: String, in context: StepContext) async throws -> CheckFindings? { nil }

    public func undoPreflight(_ item: String, in context: StepContext) async throws -> CheckFindings? { nil }

    /// Whether `rekey abort` rolls the step's items back.
    public var isReversible: Bool { undo.isReversible }
}

/// What `rekey abort` does with a step, recorded in the plan (``PlannedStep/undo``) so that replaying a
/// journal does not depend on the binary's tables.
public enum StepUndo: String, Sendable, Hashable, Codable {
    /// Nothing to undo (a gate, a resync, a step after the point of no return).
    case none
    /// Abort puts the apps' configuration back as the plan found it. Runs first.
    case restoreTargets = "restore-targets"
    /// Abort deletes what the step created, after every app runs its old keys again (a key an app runs
    /// is never deleted). Runs after every ``restoreTargets`` step.
    case deleteCreated = "delete-created"
    /// The step can't be undone: the first such step of a plan is its point of no return.
    case irreversible

    /// Whether abort has something to do for the step's items.
    public var isReversible: Bool { self == .restoreTargets || self == .deleteCreated }
}

/// A step's part of the plan, before the planner adds the traits every step has.
public struct StepPlan: Sendable, Equatable {
    /// One line (`Create a new signing key (inactive until the rotation)`).
    public var title: String
    /// The items, in order (their `calls` are filled in from ``StepBehavior/calls(_:_:)``).
    public var items: [PlannedItem]
    /// Whether the platform's API performs it (`false`: a person does, rekey observes).
    public var automatic: Bool

    public init(title: String, items: [PlannedItem], automatic: Bool = true) {
        self.title = title
        self.items = items
        self.automatic = automatic
    }
}
