/// Whether a step seals a secret into its `done` records, which decides when a rotation needs the
/// operator's seal key (``SealingRequirement``).
public enum StepSealing: Sendable, Hashable {
    /// The step never seals.
    case never
    /// The step creates keys of this kind on the platform; it seals them when the platform shows that
    /// kind's secret only once (``Platform/secretsAreReadable(_:)`` is `false`).
    case whenShownOnce(KeyKind)
    /// The step generates secrets itself (no platform holds them yet): it always seals them.
    case always
}
