import RekeyCrypto

/// The public identity of a secret: the first 12 lowercase hex characters of a SHA-256.
///
/// For an Inngest signing key the SHA-256 is the *hashed signing key* (SHA-256 of the hex-decoded key
/// without its `signkey-<env>-` prefix), which is what the SDKs report as `signing_key_hash`; for every
/// other secret it is the SHA-256 of its UTF-8 bytes, which is what the SDKs report as `event_key_hash`.
/// 48 bits identify a key among the handful an environment holds and reveal nothing usable about it.
public struct Fingerprint: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Number of hex characters kept.
    public static let length = 12

    /// The 12 lowercase hex characters.
    public let hex: String

    /// Creates a fingerprint from 12 lowercase hex characters, or `nil` if `hex` is not of that form.
    public init?(hex: String) {
        guard hex.utf8.count == Self.length,
            hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        self.hex = hex
    }

    /// Creates the fingerprint of a full SHA-256 hex digest (any case, 12 or more characters).
    public init?(digestHex: String) {
        self.init(hex: String(digestHex.lowercased().prefix(Self.length)))
    }

    /// The fingerprint of a string's UTF-8 bytes.
    public init(ofUTF8 string: String) {
        self.hex = String(SHA256.hex(string).prefix(Self.length))
    }

    /// Whether a hash reported by an SDK (full digest, 12-character prefix, with or without a
    /// `signkey-<env>-` prefix) identifies this fingerprint.
    public func matches(reportedHash: String) -> Bool {
        let bare = InngestSigningKey.stripPrefix(reportedHash).lowercased()
        guard bare.count >= Self.length else { return false }
        return bare.hasPrefix(hex)
    }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let value = Fingerprint(hex: string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a 12-character hex fingerprint")
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    public static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool { lhs.hex < rhs.hex }
}
