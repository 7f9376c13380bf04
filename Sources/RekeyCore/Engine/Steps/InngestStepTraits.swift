// The traits of the Inngest steps, declared with the steps rather than in the state machine: which ones
// `rekey abort` rolls back, which one is a gate, and which ones create a key that may need sealing.

extension CreateSigningKeyStep {
    public var isReversible: Bool { true }
    public var sealing: StepSealing { .whenShownOnce(.signing) }
}

extension StageSigningKeysStep {
    public var isReversible: Bool { true }
}

extension CreateEventKeysStep {
    public var isReversible: Bool { true }
    public var sealing: StepSealing { .whenShownOnce(.event) }
}

extension StageEventKeysStep {
    public var isReversible: Bool { true }
}

extension ConfirmRedeployStep {
    public var isGate: Bool { true }
}
