import RekeyCrypto

/// The frozen plan of one rotation: what the platform and the targets looked like, and exactly what
/// each step will do. It is the journal's first record; its hash binds approvals and saved plans.
///
/// A plan holds no secret: keys appear by id, name, filters and ``Fingerprint``.
public struct RotationPlan: Sendable, Equatable, Codable {
    /// The plan format version.
    public static let formatVersion = 1

    /// Format version.
    public var version: Int
    /// A unique id for this rotation (`rot-20261123-3f9a1c`): part of new keys' names.
    public var rotationID: String
    /// When the plan was made.
    public var createdAt: Timestamp
    /// The rekey version that made it.
    public var toolVersion: String
    /// The playbook as it was read, and where from.
    public var playbook: PlaybookSnapshot
    /// The platform's and the targets' state when the plan was made.
    public var baseline: LiveState
    /// The steps, in order, with their items.
    public var steps: [PlannedStep]
    /// For each old event key (by id), the key that will replace it.
    public var eventKeyReplacements: [EventKeyReplacement]
    /// Things a reviewer must know (hazards, unknown keys in targets).
    public var warnings: [String]
    /// An inactive signing key that existed before the plan and that this rotation adopts as its new
    /// key (`rekey run --force`); `nil` normally.
    public var adoptedSigningKeyID: String?
    /// API-key platforms: for each old API key (by id), the key that will replace it; `nil` elsewhere.
    public var apiKeyReplacements: [APIKeyReplacement]?
    /// SHA-256 (hex) of this plan's canonical encoding with `hash` empty.
    public var hash: String

    public init(
        rotationID: String,
        createdAt: Timestamp,
        toolVersion: String,
        playbook: PlaybookSnapshot,
        baseline: LiveState,
        steps: [PlannedStep],
        eventKeyReplacements: [EventKeyReplacement],
        warnings: [String],
        adoptedSigningKeyID: String? = nil,
        apiKeyReplacements: [APIKeyReplacement]? = nil
    ) {
        self.adoptedSigningKeyID = adoptedSigningKeyID
        self.apiKeyReplacements = apiKeyReplacements
        self.version = Self.formatVersion
        self.rotationID = rotationID
        self.createdAt = createdAt
        self.toolVersion = toolVersion
        self.playbook = playbook
        self.baseline = baseline
        self.steps = steps
        self.eventKeyReplacements = eventKeyReplacements
        self.warnings = warnings
        self.hash = ""
        self.hash = computedHash()
    }

    /// The hash this plan's content should have.
    public func computedHash() -> String {
        var copy = self
        copy.hash = ""
        return SHA256.hex(JSONCoding.canonicalBytes(copy))
    }

    /// Whether ``hash`` matches the content.
    public var hashIsValid: Bool { hash == computedHash() }

    /// The step with `id`, if planned.
    public func step(_ id: StepID) -> PlannedStep? {
        steps.first { $0.id == id }
    }

    /// The point of no return, if the plan has one.
    public var pointOfNoReturn: StepID? {
        steps.first { $0.pointOfNoReturn }?.id
    }

    /// The replacement planned for old event key `id`.
    public func replacement(forEventKey id: String) -> EventKeyReplacement? {
        eventKeyReplacements.first { $0.oldID == id }
    }
}

/// The playbook as it was when the plan was made. The raw JSON is kept (a playbook holds no secret),
/// so that `resume` runs exactly what was planned even if the file changed since.
public struct PlaybookSnapshot: Sendable, Equatable, Codable {
    /// Absolute path of the playbook file.
    public var path: String
    /// SHA-256 of the file's bytes.
    public var contentHash: String
    /// The file's text.
    public var text: String

    public init(path: String, contentHash: String, text: String) {
        self.path = path
        self.contentHash = contentHash
        self.text = text
    }

    /// The playbook's `environment`, read from the text without a full load (which needs the
    /// playbook's files to still exist).
    public var environment: String? {
        guard case .object(let object)? = try? JSONValue.parse(Array(text.utf8)),
            case .string(let value)? = object["environment"]
        else { return nil }
        return value
    }

    /// The playbook's `platform.kind`.
    public var platformKind: String? {
        guard case .object(let object)? = try? JSONValue.parse(Array(text.utf8)),
            case .object(let platform)? = object["platform"], case .string(let kind)? = platform["kind"]
        else { return nil }
        return kind
    }
}

/// What the platform and the targets looked like.
public struct LiveState: Sendable, Equatable, Codable {
    /// Signing keys.
    public var signingKeys: [KeySnapshot]
    /// Event keys.
    public var eventKeys: [KeySnapshot]
    /// Each app's key variables.
    public var apps: [AppSnapshot]
    /// The ids of the apps registered on the platform, when it can list them (`nil`: not listed).
    public var registeredApps: [String]?
    /// API keys (API-key platforms; `nil` elsewhere). Listed without their material.
    public var apiKeys: [KeySnapshot]?

    public init(
        signingKeys: [KeySnapshot],
        eventKeys: [KeySnapshot],
        apps: [AppSnapshot],
        registeredApps: [String]? = nil,
        apiKeys: [KeySnapshot]? = nil
    ) {
        self.signingKeys = signingKeys
        self.eventKeys = eventKeys
        self.apps = apps
        self.registeredApps = registeredApps
        self.apiKeys = apiKeys
    }

    /// The active signing key.
    public var activeSigningKey: KeySnapshot? {
        signingKeys.first { $0.active == true }
    }

    /// The app named `name`.
    public func app(_ name: String) -> AppSnapshot? {
        apps.first { $0.name == name }
    }
}

/// A key without its material.
public struct KeySnapshot: Sendable, Equatable, Codable {
    public var id: String
    public var name: String?
    public var fingerprint: Fingerprint?
    public var active: Bool?
    public var filter: KeyFilter?
    /// The scope an API key is bound to (EventNerds `event_id`); `nil` for organisation-wide and other kinds.
    public var scope: String?
    /// The visible prefix of an API key (EventNerds `prefix`).
    public var prefix: String?

    public init(
        id: String,
        name: String? = nil,
        fingerprint: Fingerprint? = nil,
        active: Bool? = nil,
        filter: KeyFilter? = nil,
        scope: String? = nil,
        prefix: String? = nil
    ) {
        self.id = id
        self.name = name
        self.fingerprint = fingerprint
        self.active = active
        self.filter = filter
        self.scope = scope
        self.prefix = prefix
    }
}

/// The observed state of one variable, without its value.
public enum VariableSnapshot: Sendable, Equatable, Codable {
    case absent
    case empty
    case present(Fingerprint)
    case unreadable

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch text {
        case "absent": self = .absent
        case "empty": self = .empty
        case "unreadable": self = .unreadable
        default:
            guard let fingerprint = Fingerprint(hex: text) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "expected absent, empty, unreadable or a fingerprint"
                    )
                )
            }
            self = .present(fingerprint)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// `absent`, `empty`, `unreadable`, or the fingerprint.
    public var description: String {
        switch self {
        case .absent: "absent"
        case .empty: "empty"
        case .unreadable: "unreadable"
        case .present(let fingerprint): fingerprint.hex
        }
    }

    /// The fingerprint, when present.
    public var fingerprint: Fingerprint? {
        if case .present(let fingerprint) = self { return fingerprint }
        return nil
    }
}

/// One app's key variables as found.
public struct AppSnapshot: Sendable, Equatable, Codable {
    public var name: String
    /// `INNGEST_SIGNING_KEY`.
    public var signingKey: VariableSnapshot
    /// `INNGEST_SIGNING_KEY_FALLBACK`.
    public var signingKeyFallback: VariableSnapshot
    /// `INNGEST_EVENT_KEY`.
    public var eventKey: VariableSnapshot
    /// The id of the platform event key the app uses, when known.
    public var eventKeyID: String?
    /// API-key platforms: the variable holding the app's key (`nil` elsewhere).
    public var apiKeyVariable: String?
    /// API-key platforms: what that variable holds.
    public var apiKey: VariableSnapshot?
    /// API-key platforms: the id of the platform key the app uses (named in the playbook).
    public var apiKeyID: String?

    public init(
        name: String,
        signingKey: VariableSnapshot,
        signingKeyFallback: VariableSnapshot,
        eventKey: VariableSnapshot,
        eventKeyID: String?,
        apiKeyVariable: String? = nil,
        apiKey: VariableSnapshot? = nil,
        apiKeyID: String? = nil
    ) {
        self.name = name
        self.signingKey = signingKey
        self.signingKeyFallback = signingKeyFallback
        self.eventKey = eventKey
        self.eventKeyID = eventKeyID
        self.apiKeyVariable = apiKeyVariable
        self.apiKey = apiKey
        self.apiKeyID = apiKeyID
    }
}

/// A step as planned.
public struct PlannedStep: Sendable, Equatable, Codable {
    public var id: StepID
    /// One-line description.
    public var title: String
    /// The items the step fans out over (app names, event key ids, or `signing-key`).
    public var items: [PlannedItem]
    /// Whether this step is the point of no return.
    public var pointOfNoReturn: Bool
    /// Whether it needs an explicit approval before it starts.
    public var requiresApproval: Bool
    /// Whether the platform's API performs it (`false`: a human does, rekey observes).
    public var automatic: Bool
    /// Whether the step is a gate (``StepBehavior/isGate``); `nil` in plans made before rekey recorded it.
    public var gate: Bool?
    /// What `rekey abort` does with it (``StepBehavior/undo``); `nil` in plans made before rekey recorded it.
    public var undo: StepUndo?

    public init(
        id: StepID,
        title: String,
        items: [PlannedItem],
        pointOfNoReturn: Bool,
        requiresApproval: Bool,
        automatic: Bool,
        gate: Bool? = nil,
        undo: StepUndo? = nil
    ) {
        self.id = id
        self.title = title
        self.items = items
        self.pointOfNoReturn = pointOfNoReturn
        self.requiresApproval = requiresApproval
        self.automatic = automatic
        self.gate = gate
        self.undo = undo
    }

    /// Whether the step is a gate: as the plan recorded, else as its type declares (older plans).
    public var isGate: Bool { gate ?? StepCatalog.behavior(for: id).isGate }

    /// What `rekey abort` does with the step: as the plan recorded, else as its type declares (older plans).
    public var undoKind: StepUndo { undo ?? StepCatalog.behavior(for: id).undo }
}

/// One item of a step.
public struct PlannedItem: Sendable, Equatable, Codable {
    /// Stable id within the step (app name, key id, `signing-key`).
    public var id: String
    /// What will happen to it, for humans (`api: INNGEST_SIGNING_KEY=new, …`).
    public var summary: String
    /// The calls the item will make (platform operations, target reads and writes), in order, for the
    /// reviewer; `nil` in plans made before rekey listed them.
    public var calls: [String]?

    public init(id: String, summary: String, calls: [String]? = nil) {
        self.id = id
        self.summary = summary
        self.calls = calls
    }
}

/// An old event key and the key that will replace it.
public struct EventKeyReplacement: Sendable, Equatable, Codable {
    public var oldID: String
    public var oldName: String?
    public var oldFingerprint: Fingerprint?
    /// The name of the new key (its idempotency marker).
    public var newName: String
    /// The filters copied from the old key.
    public var filter: KeyFilter

    public init(oldID: String, oldName: String?, oldFingerprint: Fingerprint?, newName: String, filter: KeyFilter) {
        self.oldID = oldID
        self.oldName = oldName
        self.oldFingerprint = oldFingerprint
        self.newName = newName
        self.filter = filter
    }
}
