/// What a sealed secret is bound to: the rotation, the step and the item that created it.
///
/// The binding is the AES-GCM associated data, so a sealed value copied into another rotation's journal,
/// or onto another item of the same journal, does not open.
public struct SealBinding: Sendable, Hashable, CustomStringConvertible {
    /// The rotation id.
    public var rotationID: String
    /// The step that created the secret.
    public var step: StepID
    /// The item within the step.
    public var item: String

    public init(rotationID: String, step: StepID, item: String) {
        self.rotationID = rotationID
        self.step = step
        self.item = item
    }

    /// The binding of `ref` in rotation `rotationID`.
    public init(rotationID: String, ref: ItemRef) {
        self.init(rotationID: rotationID, step: ref.step, item: ref.item)
    }

    /// `step/item` (for messages).
    public var description: String { "\(step)/\(item)" }

    /// The associated data: a fixed label, then the three fields, NUL-separated (none may contain NUL
    /// in a valid journal, so the encoding is unambiguous).
    var associatedData: [UInt8] {
        Array("rekey sealed secret v1".utf8) + [0] + Array(rotationID.utf8) + [0] + Array(step.rawValue.utf8) + [0]
            + Array(item.utf8)
    }
}
