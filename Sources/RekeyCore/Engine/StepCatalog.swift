/// The behaviour of every known step, whatever the platform.
///
/// The table is the one place that knows every step: the state machine reads each step's traits here
/// (``StepBehavior/isGate``, ``StepBehavior/isReversible``), the executor its behaviour, and
/// ``SealingRequirement`` whether it seals. A new platform adds its steps to ``all`` and its procedure to
/// ``ProcedureCatalog/families``.
public enum StepCatalog {
    /// Every step's behaviour (each step id once).
    public static let all: [any StepBehavior] = [
        // Inngest Cloud (and the sandbox).
        CreateSigningKeyStep(), StageSigningKeysStep(), CreateEventKeysStep(), StageEventKeysStep(),
        ConfirmRedeployStep(), RotateSigningKeyStep(), ResyncAppsStep(), DeleteOldEventKeysStep(),
        DropFallbackStep(),
        // API keys (EventNerds, exec plugins).
        CreateAPIKeysStep(), StageAPIKeysStep(), PromoteAPIKeysStep(), DeleteOldAPIKeysStep(),
        // Self-hosted Inngest.
        GenerateSigningKeyStep(), GenerateEventKeysStep(), AddEventKeysStep(), InstallSigningKeyStep(),
        DropOldEventKeysStep(),
    ]

    private static let byID: [StepID: any StepBehavior] = Dictionary(
        all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

    /// The behaviour of `step`, or `nil` for an unknown step id.
    public static func behavior(for step: StepID) -> (any StepBehavior)? {
        byID[step]
    }

    /// The steps whose items `rekey abort` rolls back.
    public static let reversibleSteps: Set<StepID> = Set(all.filter(\.isReversible).map(\.id))

    /// The gate steps (they complete when every item verified, or on one approval of the whole step).
    public static let gateSteps: Set<StepID> = Set(all.filter(\.isGate).map(\.id))
}
