import RekeyCrypto

/// Inngest signing-key formats and hashes, as the SDKs compute them.
///
/// A signing key is `signkey-<env>-<64 lowercase hex>`. The SDKs strip a leading `signkey-\w+-` before
/// every use; the *hashed signing key* (the `Authorization: Bearer` value and the introspection
/// `signing_key_hash`) is the SHA-256 of the hex-decoded remainder.
public enum InngestSigningKey {
    /// Removes a leading `signkey-<word>-` (word characters: letters, digits, underscore). Other strings
    /// are returned unchanged.
    public static func stripPrefix(_ key: String) -> String {
        let utf8 = Array(key.utf8)
        let prefix = Array("signkey-".utf8)
        guard utf8.count > prefix.count, Array(utf8[0..<prefix.count]) == prefix else { return key }
        var index = prefix.count
        let wordStart = index
        while index < utf8.count, isWordCharacter(utf8[index]) { index += 1 }
        guard index > wordStart, index < utf8.count, utf8[index] == UInt8(ascii: "-") else { return key }
        return String(decoding: utf8[(index + 1)...], as: UTF8.self)
    }

    /// The environment word of a prefixed key (`prod` for `signkey-prod-…`), or `nil`.
    public static func environmentWord(_ key: String) -> String? {
        let stripped = stripPrefix(key)
        guard stripped != key else { return nil }
        let head = key.dropFirst("signkey-".count).dropLast(stripped.count + 1)
        return String(head)
    }

    /// Whether `key` is exactly `signkey-<lowercase letters>-<64 lowercase hex>`: the only form rekey
    /// writes anywhere (the Python SDK starts with a non-hex key and fails every request later).
    public static func isValid(_ key: String) -> Bool {
        guard let word = environmentWord(key), !word.isEmpty,
            word.utf8.allSatisfy({ (97...122).contains($0) })
        else { return false }
        let hex = stripPrefix(key)
        return hex.utf8.count == 64 && hex.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Whether `hex` is a bare 64-character lowercase hex key (the self-hosted server's form).
    public static func isValidBareHex(_ hex: String) -> Bool {
        hex.utf8.count == 64 && hex.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The hashed signing key: lowercase hex SHA-256 of the hex-decoded key without prefix, with no
    /// prefix (the Python SDK's form). `nil` when the remainder is not hex.
    public static func hashed(_ key: Secret) -> String? {
        guard let bytes = Hex.decode(stripPrefix(key.exposeValue())) else { return nil }
        return SHA256.hex(bytes)
    }

    /// The hashed signing key with the original prefix kept (`signkey-prod-<hash>`, the JS and Go form).
    public static func hashedWithPrefix(_ key: Secret) -> String? {
        guard let hash = hashed(key) else { return nil }
        let value = key.exposeValue()
        let stripped = stripPrefix(value)
        return String(value.dropLast(stripped.count)) + hash
    }

    /// The fingerprint of a signing key: the first 12 hex characters of its hashed form.
    public static func fingerprint(_ key: Secret) -> Fingerprint? {
        hashed(key).flatMap { Fingerprint(digestHex: $0) }
    }

    /// Creates a new random key `signkey-<env>-<64 hex>` from 32 secure random bytes.
    public static func generate(environmentWord: String) -> Secret {
        Secret("signkey-\(environmentWord)-\(SecureRandom.hex(32))")
    }

    private static func isWordCharacter(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) || c == UInt8(ascii: "_")
    }
}
