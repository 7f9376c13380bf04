import Foundation
import RekeyCrypto

/// A secret encrypted for the journal: AES-256-GCM under the operator's ``SealKey``, bound to the
/// rotation, step and item that created it (``SealBinding``).
///
/// Used only where a platform shows a new secret once (``Platform/secretsAreReadable(_:)`` is `false`) and a
/// crash must not lose it; secrets a platform shows again are never stored, only their fingerprints.
/// Encoded as `{"v": 1, "alg": "A256GCM", "kid": "<key id>", "box": "<base64 of nonce ‖ ciphertext ‖ tag>"}`.
/// Opening checks the key id first (a wrong key is reported as such), then the GCM tag (anything altered
/// or moved fails); unauthenticated plaintext is never returned.
public struct SealedSecret: Sendable, Hashable, Codable {
    /// The format version this type writes and reads.
    public static let formatVersion = 1
    /// The algorithm name written in `alg`.
    public static let algorithm = "A256GCM"

    /// The ``SealKey/id`` of the key that sealed it.
    public let keyID: String
    /// `nonce ‖ ciphertext ‖ tag`.
    private let box: [UInt8]

    private init(keyID: String, box: [UInt8]) {
        self.keyID = keyID
        self.box = box
    }

    /// Seals `secret` with `key`, bound to `binding`.
    ///
    /// - Throws: ``SealError/sealingFailed(item:reason:)`` when libcrypto fails.
    public static func seal(_ secret: Secret, with key: SealKey, binding: SealBinding) throws(SealError) -> SealedSecret
    {
        do {
            let box = try key.withKeyBytes { keyBytes in
                try secret.withExposedBytes { plaintext in
                    try AES256GCM.seal(plaintext, key: keyBytes, associatedData: binding.associatedData)
                }
            }
            return SealedSecret(keyID: key.id, box: box)
        } catch {
            throw .sealingFailed(item: binding.description, reason: "\(error)")
        }
    }

    /// Opens the secret with `key`, checking that it was sealed for `binding`.
    ///
    /// - Throws: ``SealError/wrongKey(item:sealedWith:given:)`` for another key,
    ///   ``SealError/tampered(item:)`` when the box or its binding differs, ``SealError/malformed(item:reason:)``
    ///   when it is too short or not UTF-8.
    public func open(with key: SealKey, binding: SealBinding) throws(SealError) -> Secret {
        guard key.id == keyID else { throw .wrongKey(item: binding.description, sealedWith: keyID, given: key.id) }
        let plaintext: [UInt8]
        do {
            plaintext = try key.withKeyBytes {
                try AES256GCM.open(box, key: $0, associatedData: binding.associatedData)
            }
        } catch AES256GCM.Error.authenticationFailed {
            throw .tampered(item: binding.description)
        } catch AES256GCM.Error.truncated {
            throw .malformed(item: binding.description, reason: "the sealed value is truncated")
        } catch {
            throw .malformed(item: binding.description, reason: "\(error)")
        }
        guard let text = String(validating: plaintext, as: UTF8.self) else {
            throw .malformed(item: binding.description, reason: "the opened value is not UTF-8")
        }
        return Secret(text)
    }

    // MARK: - Codable

    enum CodingKeys: String, CodingKey {
        case version = "v"
        case algorithm = "alg"
        case keyID = "kid"
        case box
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Self.formatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container,
                debugDescription: "sealed secret version \(version) is not supported (this rekey reads version 1)"
            )
        }
        let algorithm = try container.decode(String.self, forKey: .algorithm)
        guard algorithm == Self.algorithm else {
            throw DecodingError.dataCorruptedError(
                forKey: .algorithm, in: container, debugDescription: "unknown sealing algorithm '\(algorithm)'"
            )
        }
        keyID = try container.decode(String.self, forKey: .keyID)
        let text = try container.decode(String.self, forKey: .box)
        guard let data = Data(base64Encoded: text),
            data.count >= AES256GCM.nonceByteCount + AES256GCM.tagByteCount
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .box, in: container,
                debugDescription: "the sealed box is not base64 of nonce, ciphertext and tag"
            )
        }
        box = Array(data)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatVersion, forKey: .version)
        try container.encode(Self.algorithm, forKey: .algorithm)
        try container.encode(keyID, forKey: .keyID)
        try container.encode(Data(box).base64EncodedString(), forKey: .box)
    }
}
