/// The behaviour of every known step.
public enum StepCatalog {
    /// The behaviour of `step`, or `nil` for an unknown step id.
    public static func behavior(for step: StepID) -> (any StepBehavior)? {
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
        default: nil
        }
    }
}
