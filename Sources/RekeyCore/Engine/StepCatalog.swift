/// The behaviour of every step, whatever the platform.
///
/// The one place that maps a ``StepID`` to its type, with an exhaustive `switch`: a new step is a new
/// case of ``StepID`` and a new type, and the compiler asks for the line here. The state machine reads a
/// step's traits from the plan (which records them), the planner and the executor its behaviour.
public enum StepCatalog {
    /// The behaviour of `step`.
    public static func behavior(for step: StepID) -> any StepBehavior {
        switch step {
        case .createSigningKey: CreateSigningKeyStep()
        case .stageSigningKeys: StageSigningKeysStep()
        case .createEventKeys: CreateEventKeysStep()
        case .stageEventKeys: StageEventKeysStep()
        case .confirmRedeploy: ConfirmRedeployStep()
        case .rotateSigningKey: RotateSigningKeyStep()
        case .resyncApps: ResyncAppsStep()
        case .deleteOldEventKeys: DeleteOldEventKeysStep()
        case .dropFallback: DropFallbackStep()
        case .createAPIKeys: CreateAPIKeysStep()
        case .stageAPIKeys: StageAPIKeysStep()
        case .promoteAPIKeys: PromoteAPIKeysStep()
        case .deleteOldAPIKeys: DeleteOldAPIKeysStep()
        case .generateSigningKey: GenerateSigningKeyStep()
        case .generateEventKeys: GenerateEventKeysStep()
        case .addEventKeys: AddEventKeysStep()
        case .installSigningKey: InstallSigningKeyStep()
        case .dropOldEventKeys: DropOldEventKeysStep()
        }
    }

    /// Every step's behaviour, in ``StepID`` order.
    public static var all: [any StepBehavior] { StepID.allCases.map(behavior(for:)) }

    /// The steps whose items `rekey abort` rolls back (as their types declare).
    public static let reversibleSteps: Set<StepID> = Set(StepID.allCases.filter { behavior(for: $0).isReversible })

    /// The gate steps (as their types declare).
    public static let gateSteps: Set<StepID> = Set(StepID.allCases.filter { behavior(for: $0).isGate })

    /// The steps that can't be undone (as their types declare).
    public static let irreversibleSteps: Set<StepID> = Set(
        StepID.allCases.filter { behavior(for: $0).undo == .irreversible })
}
