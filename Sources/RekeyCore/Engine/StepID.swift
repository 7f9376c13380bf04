/// The identifier of a rotation step (`create-signing-key`, …). Stable: it appears in journals,
/// playbooks, `--until`, `--approve` and `gate`.
public struct StepID: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    public static func < (lhs: StepID, rhs: StepID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // MARK: - The Inngest procedure (seed runbook "Rotating keys")

    /// 1. Create a new (inactive) signing key.
    public static let createSigningKey: StepID = "create-signing-key"
    /// 2. Every app gets `INNGEST_SIGNING_KEY=new`, `INNGEST_SIGNING_KEY_FALLBACK=old`.
    public static let stageSigningKeys: StepID = "stage-signing-keys"
    /// 3. A new event key per old one, with the same filters.
    public static let createEventKeys: StepID = "create-event-keys"
    /// 4. Every app gets `INNGEST_EVENT_KEY=` its replacement key.
    public static let stageEventKeys: StepID = "stage-event-keys"
    /// 5. Gate: every app runs with the new values.
    public static let confirmRedeploy: StepID = "confirm-redeploy"
    /// 6. Promote the new signing key; the platform deletes the old one. Point of no return.
    public static let rotateSigningKey: StepID = "rotate-signing-key"
    /// 7. Resync every app.
    public static let resyncApps: StepID = "resync-apps"
    /// 8. Delete the replaced event keys.
    public static let deleteOldEventKeys: StepID = "delete-old-event-keys"
    /// 9. Remove `INNGEST_SIGNING_KEY_FALLBACK` from every app.
    public static let dropFallback: StepID = "drop-fallback"

    /// The nine Inngest steps in order.
    public static let inngestProcedure: [StepID] = [
        .createSigningKey, .stageSigningKeys, .createEventKeys, .stageEventKeys, .confirmRedeploy,
        .rotateSigningKey, .resyncApps, .deleteOldEventKeys, .dropFallback,
    ]
}
