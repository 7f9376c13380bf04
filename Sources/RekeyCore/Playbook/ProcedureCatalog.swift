/// The named procedures a playbook can select, per platform, and the rules any list of steps must follow.
///
/// Each platform kind belongs to a ``Family``: its canonical step order, its named procedures (the first
/// is the default) and the dependencies between its steps. Inngest Cloud and the sandbox share the
/// `inngest` family; self-hosted Inngest, EventNerds and exec plugins have their own. A new platform adds
/// a family here and its steps to ``StepCatalog``.
///
/// Shared by the playbook loader (which validates `procedure` and `steps`), the engine (point of no
/// return) and the CLI (`--until`, `--approve`, help). The members outside ``Family`` describe the
/// `inngest` family, the default.
public enum ProcedureCatalog {
    /// The procedure used when a playbook names neither `procedure` nor `steps` (on the `inngest` family).
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

    /// The procedures of the platforms that rotate keys the same way.
    public struct Family: Sendable, Equatable {
        /// The family's name (`inngest`, `api-keys`, …).
        public var name: String
        /// The `platform.kind` values of playbooks that use it.
        public var platformKinds: [String]
        /// Every step of the family, in the order any selection must respect.
        public var steps: [StepID]
        /// The named procedures, the default first.
        public var procedures: [Procedure]
        /// What each step needs among the steps selected with it (steps not listed need nothing).
        public var requirements: [StepID: Requirement]

        /// The default procedure's name.
        public var defaultProcedure: String { procedures[0].name }

        /// The procedure names, in order.
        public var names: [String] { procedures.map(\.name) }

        /// The steps of the procedure called `name`, or `nil` if the family has none.
        public func steps(for name: String) -> [StepID]? {
            procedures.first { $0.name == name }?.steps
        }

        /// The name of the family's procedure with exactly these steps, or `nil` for a custom list.
        public func name(for steps: [StepID]) -> String? {
            procedures.first { $0.steps == steps }?.name
        }

        /// Whether `step` belongs to the family.
        public func isKnown(_ step: StepID) -> Bool { steps.contains(step) }

        /// The position of `step` in the family's order, or `nil` for a step of another family.
        public func canonicalIndex(of step: StepID) -> Int? { steps.firstIndex(of: step) }

        /// The steps `step` depends on. Dependencies always come earlier in the family's order.
        public func requirement(of step: StepID) -> Requirement { requirements[step] ?? Requirement() }
    }

    // MARK: - Families

    /// Inngest Cloud, and the sandbox that emulates it.
    public static let inngest = Family(
        name: "inngest",
        platformKinds: ["inngest", "sandbox"],
        steps: StepID.inngestProcedure,
        procedures: [
            Procedure(
                name: "inngest",
                summary: "rotate the signing key and every event key (all nine steps)",
                steps: StepID.inngestProcedure
            ),
            Procedure(
                name: "inngest-signing-key",
                summary: "rotate the signing key only",
                steps: [
                    .createSigningKey, .stageSigningKeys, .confirmRedeploy, .rotateSigningKey, .resyncApps,
                    .dropFallback,
                ]
            ),
            Procedure(
                name: "inngest-event-keys",
                summary: "rotate the event keys only",
                steps: [.createEventKeys, .stageEventKeys, .confirmRedeploy, .deleteOldEventKeys]
            ),
        ],
        requirements: [
            .stageSigningKeys: Requirement(allOf: [.createSigningKey]),
            .rotateSigningKey: Requirement(allOf: [.createSigningKey, .stageSigningKeys, .confirmRedeploy]),
            .resyncApps: Requirement(allOf: [.rotateSigningKey]),
            .dropFallback: Requirement(allOf: [.rotateSigningKey]),
            .stageEventKeys: Requirement(allOf: [.createEventKeys]),
            .deleteOldEventKeys: Requirement(allOf: [.createEventKeys, .stageEventKeys, .confirmRedeploy]),
            .confirmRedeploy: Requirement(anyOf: [.stageSigningKeys, .stageEventKeys]),
        ]
    )

    /// Self-hosted Inngest (`inngest start`): one signing key and a list of event keys from its
    /// configuration, no key store and no server-side fallback.
    public static let inngestSelfHosted = Family(
        name: "inngest-self-hosted",
        platformKinds: ["inngest-self-hosted"],
        steps: StepID.selfHostedProcedure,
        procedures: [
            Procedure(
                name: "inngest-self-hosted",
                summary: "rotate the server's signing key and every event key",
                steps: StepID.selfHostedProcedure
            ),
            Procedure(
                name: "inngest-self-hosted-signing-key",
                summary: "rotate the server's signing key only",
                steps: [.generateSigningKey, .stageSigningKeys, .confirmRedeploy, .installSigningKey, .dropFallback]
            ),
            Procedure(
                name: "inngest-self-hosted-event-keys",
                summary: "rotate the server's event keys only",
                steps: [.generateEventKeys, .addEventKeys, .stageEventKeys, .confirmRedeploy, .dropOldEventKeys]
            ),
        ],
        requirements: [
            .stageSigningKeys: Requirement(allOf: [.generateSigningKey]),
            .addEventKeys: Requirement(allOf: [.generateEventKeys]),
            .stageEventKeys: Requirement(allOf: [.generateEventKeys, .addEventKeys]),
            .confirmRedeploy: Requirement(anyOf: [.stageSigningKeys, .stageEventKeys]),
            .installSigningKey: Requirement(allOf: [.generateSigningKey, .stageSigningKeys, .confirmRedeploy]),
            .dropOldEventKeys: Requirement(allOf: [.addEventKeys, .stageEventKeys, .confirmRedeploy]),
            .dropFallback: Requirement(allOf: [.installSigningKey]),
        ]
    )

    /// EventNerds: API keys shown once, scoped to an event or to the organisation.
    public static let eventNerds = Family(
        name: "eventnerds",
        platformKinds: ["eventnerds"],
        steps: [.createAPIKeys, .stageAPIKeys, .confirmRedeploy, .deleteOldAPIKeys],
        procedures: [
            Procedure(
                name: "eventnerds",
                summary: "replace every API key the apps use (create, stage, confirm, delete the old)",
                steps: [.createAPIKeys, .stageAPIKeys, .confirmRedeploy, .deleteOldAPIKeys]
            )
        ],
        requirements: apiKeyRequirements
    )

    /// Exec plugins: any platform with a list of keys, through the plugin protocol.
    public static let plugin = Family(
        name: "exec",
        platformKinds: ["exec"],
        steps: StepID.apiKeyProcedure,
        procedures: [
            Procedure(
                name: "api-keys",
                summary: "replace every key the apps use (create, stage, confirm, delete the old)",
                steps: [.createAPIKeys, .stageAPIKeys, .confirmRedeploy, .deleteOldAPIKeys]
            ),
            Procedure(
                name: "api-keys-promote",
                summary: "as api-keys, promoting each new key before the old one is deleted",
                steps: StepID.apiKeyProcedure
            ),
        ],
        requirements: apiKeyRequirements
    )

    private static let apiKeyRequirements: [StepID: Requirement] = [
        .stageAPIKeys: Requirement(allOf: [.createAPIKeys]),
        .confirmRedeploy: Requirement(anyOf: [.stageAPIKeys]),
        .promoteAPIKeys: Requirement(allOf: [.createAPIKeys, .stageAPIKeys, .confirmRedeploy]),
        .deleteOldAPIKeys: Requirement(allOf: [.createAPIKeys, .stageAPIKeys, .confirmRedeploy]),
    ]

    /// Every family, the default (`inngest`) first.
    public static let families: [Family] = [inngest, inngestSelfHosted, eventNerds, plugin]

    /// The family of playbooks whose `platform.kind` is `kind`, or `nil` for an unknown kind.
    public static func family(forPlatform kind: String) -> Family? {
        families.first { $0.platformKinds.contains(kind) }
    }

    /// The family a rotation's steps belong to (the first whose order contains them all), or `nil`.
    public static func family(of steps: [StepID]) -> Family? {
        families.first { family in steps.allSatisfy(family.isKnown) }
    }

    /// Every step of every family, each once, in family order (for the CLI's `--until` and `--approve`).
    public static var everyStep: [StepID] {
        var result: [StepID] = []
        for step in families.flatMap(\.steps) where !result.contains(step) { result.append(step) }
        return result
    }

    // MARK: - The default family

    /// Every named procedure of the `inngest` family, in the order help lists them.
    public static var procedures: [Procedure] { inngest.procedures }

    /// The procedure names of the `inngest` family, in order.
    public static var names: [String] { inngest.names }

    /// Every step of the `inngest` family, in canonical order (a step list must respect this order).
    public static var allSteps: [StepID] { inngest.steps }

    /// The steps of the `inngest` family's procedure called `name`, or `nil` if there is none.
    public static func steps(for name: String) -> [StepID]? {
        inngest.steps(for: name)
    }

    /// The name of the `inngest` family's procedure with exactly these steps, or `nil` for a custom list.
    public static func name(for steps: [StepID]) -> String? {
        inngest.name(for: steps)
    }

    /// Whether `step` is a step of the `inngest` family.
    public static func isKnown(_ step: StepID) -> Bool {
        inngest.isKnown(step)
    }

    /// The position of `step` in the `inngest` family's order, or `nil` for another step.
    public static func canonicalIndex(of step: StepID) -> Int? {
        inngest.canonicalIndex(of: step)
    }

    /// The steps that stage new values into apps' configuration.
    public static let stageSteps: [StepID] = [.stageSigningKeys, .stageEventKeys, .stageAPIKeys]

    /// The first irreversible step of a step list (``StepUndo/irreversible``, as each step's type declares:
    /// `rotate-signing-key` in the Inngest procedure, `delete-old-event-keys` when it rotates event keys
    /// only), or `nil`. `abort` can roll back only before it.
    public static func pointOfNoReturn(in steps: [StepID]) -> StepID? {
        steps.first { StepCatalog.behavior(for: $0).undo == .irreversible }
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

    /// The steps `step` depends on in the `inngest` family. Dependencies always come earlier in the
    /// canonical order.
    public static func requirement(of step: StepID) -> Requirement {
        inngest.requirement(of: step)
    }
}
