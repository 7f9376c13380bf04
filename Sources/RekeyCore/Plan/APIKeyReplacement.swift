/// An old API key and the key that will replace it (API-key platforms).
public struct APIKeyReplacement: Sendable, Equatable, Codable {
    /// The old key's id.
    public var oldID: String
    /// The old key's name.
    public var oldName: String?
    /// The old key's visible prefix.
    public var oldPrefix: String?
    /// The name of the new key: the old name plus the rotation suffix (its idempotency marker).
    public var newName: String
    /// The scope copied from the old key (EventNerds `event_id`); `nil` for organisation-wide.
    public var scope: String?

    public init(oldID: String, oldName: String?, oldPrefix: String?, newName: String, scope: String?) {
        self.oldID = oldID
        self.oldName = oldName
        self.oldPrefix = oldPrefix
        self.newName = newName
        self.scope = scope
    }
}

extension RotationPlan {
    /// The replacement planned for old API key `id`.
    public func replacement(forAPIKey id: String) -> APIKeyReplacement? {
        apiKeyReplacements?.first { $0.oldID == id }
    }
}
