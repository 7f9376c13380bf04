/// The named procedures a playbook can select, and the rules any list of steps must follow.
///
/// Shared by the playbook loader (which validates `procedure` and `steps`), the engine (point of no
/// return) and the CLI (`--until`, `--approve`, help).
public enum ProcedureCatalog {
    /// The procedure used when a playbook names neither `procedure` nor `steps`.
    public static let defaultName = "inngest"

    /// The procedure name recorded for a playbook that lists its own `steps`.
    public static let customName = "custom"

    /// A named procedure.
    public struct Procedure: Sendable, Equatable {
        /// The name used in playbooks (`inngest-signing-key`).
        public var name: String
        /// One line for help output.
        public var summary: String
        /// The steps, in order.
        public var steps: [StepID]
    }

    /// Every named procedure, in the order help lists them.
    public static let procedures: [Procedure] = [
        Procedure(
            name: "inngest",
            summary: "rotate the signing key and every event key (all nine steps)",
            steps: StepID.inngestProcedure
        ),
        Procedure(
            name: "inngest-signing-key",
            summary: "rotate the signing key only",
            steps: [
                .createSigningKey, .stageSigningKeys, .confirmRedeploy, .rotateSigningKey, .resyncApps, .dropFallback,
            ]
        ),
        Procedure(
            name: "inngest-event-keys",
            summary: "rotate the event keys only",
            steps: [.createEventKeys, .stageEventKeys, .confirmRedeploy, .deleteOldEventKeys]
        ),
    ]

    /// The procedure names, in order.
    public static var names: [String] { procedures.map(\.name) }

    /// Every known step, in canonical order (a step list must respect this order).
    public static var allSteps: [StepID] { StepID.inngestProcedure }

    /// The steps of the procedure called `name`, or `nil` if there is none.
    public static func steps(for name: String) -> [StepID]? {
        procedures.first { $0.name == name }?.steps
    }

    /// The name of the procedure with exactly these steps, or `nil` for a custom list.
    public static func name(for steps: [StepID]) -> String? {
        procedures.first { $0.steps == steps }?.name
    }

    /// Whether `step` is a step rekey knows.
    public static func isKnown(_ step: StepID) -> Bool {
        allSteps.contains(step)
    }

    /// The position of `step` in the canonical order, or `nil` for an unknown step.
    public static func canonicalIndex(of step: StepID) -> Int? {
        allSteps.firstIndex(of: step)
    }

    /// The steps that stage new values into apps' configuration.
    public static let stageSteps: [StepID] = [.stageSigningKeys, .stageEventKeys]

    /// The first irreversible step of a step list: `rotate-signing-key` if present, else
    /// `delete-old-event-keys` if present, else `nil`. `abort` can roll back only before it.
    public static func pointOfNoReturn(in steps: [StepID]) -> StepID? {
        if steps.contains(.rotateSigningKey) { return .rotateSigningKey }
        if steps.contains(.deleteOldEventKeys) { return .deleteOldEventKeys }
        return nil
    }

    // MARK: - Dependencies

    /// What a step needs among the steps selected with it.
    public struct Requirement: Sendable, Equatable {
        /// Every one of these steps must be selected.
        public var allOf: [StepID]
        /// At least one of these steps must be selected (no condition when empty).
        public var anyOf: [StepID]

        public init(allOf: [StepID] = [], anyOf: [StepID] = []) {
            self.allOf = allOf
            self.anyOf = anyOf
        }

        /// Whether there is nothing to require.
        public var isEmpty: Bool { allOf.isEmpty && anyOf.isEmpty }

        /// The part of the requirement that `selected` does not meet, or `nil` when it is met.
        public func unmet(in selected: [StepID]) -> Requirement? {
            let missing = Requirement(
                allOf: allOf.filter { !selected.contains($0) },
                anyOf: anyOf.contains(where: selected.contains) ? [] : anyOf
            )
            return missing.isEmpty ? nil : missing
        }

        /// `'create-signing-key' and 'confirm-redeploy'`, `'stage-signing-keys' or 'stage-event-keys'`.
        public var phrase: String {
            var parts: [String] = []
            if !allOf.isEmpty { parts.append(Self.list(allOf, conjunction: "and")) }
            if !anyOf.isEmpty { parts.append("at least one of " + Self.list(anyOf, conjunction: "or")) }
            return parts.joined(separator: ", and ")
        }

        private static func list(_ steps: [StepID], conjunction: String) -> String {
            let quoted = steps.map { "'\($0)'" }
            guard quoted.count > 1 else { return quoted.first ?? "" }
            return quoted.dropLast().joined(separator: ", ") + " \(conjunction) " + quoted.last!
        }
    }

    /// The steps `step` depends on. Dependencies always come earlier in the canonical order.
    public static func requirement(of step: StepID) -> Requirement {
        switch step {
        case .stageSigningKeys: Requirement(allOf: [.createSigningKey])
        case .rotateSigningKey: Requirement(allOf: [.createSigningKey, .stageSigningKeys, .confirmRedeploy])
        case .resyncApps: Requirement(allOf: [.rotateSigningKey])
        case .dropFallback: Requirement(allOf: [.rotateSigningKey])
        case .stageEventKeys: Requirement(allOf: [.createEventKeys])
        case .deleteOldEventKeys: Requirement(allOf: [.createEventKeys, .stageEventKeys, .confirmRedeploy])
        case .confirmRedeploy: Requirement(anyOf: stageSteps)
        default: Requirement()
        }
    }
}
