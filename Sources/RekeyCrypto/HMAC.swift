import CLibCrypto

/// HMAC-SHA256 over libcrypto.
public enum HMACSHA256 {
    /// Returns the 32-byte HMAC-SHA256 of `message` under `key`.
    ///
    /// - Parameters:
    ///   - key: The MAC key bytes (any length).
    ///   - message: The bytes to authenticate.
    public static func authenticationCode<Key: Collection, Message: Collection>(
        key: Key,
        message: Message
    ) -> [UInt8] where Key.Element == UInt8, Message.Element == UInt8 {
        var out = [UInt8](repeating: 0, count: SHA256.byteCount)
        var length: UInt32 = 0
        let result = withContiguousBytes(key) { keyBytes in
            withContiguousBytes(message) { messageBytes in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    // HMAC() treats a nil key pointer as "no key"; give it a valid pointer for empty keys.
                    var empty: UInt8 = 0
                    return withUnsafePointer(to: &empty) { emptyPointer in
                        HMAC(
                            EVP_sha256(),
                            keyBytes.baseAddress ?? UnsafeRawPointer(emptyPointer),
                            Int32(keyBytes.count),
                            messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                                ?? UnsafePointer(emptyPointer),
                            messageBytes.count,
                            outBuffer.baseAddress,
                            &length
                        )
                    }
                }
            }
        }
        precondition(result != nil && length == UInt32(SHA256.byteCount), "libcrypto HMAC(SHA-256) failed")
        return out
    }

    /// Returns the lowercase hexadecimal HMAC-SHA256 of `message` under `key`.
    public static func hex<Key: Collection, Message: Collection>(
        key: Key,
        message: Message
    ) -> String where Key.Element == UInt8, Message.Element == UInt8 {
        Hex.encode(authenticationCode(key: key, message: message))
    }
}

/// Constant-time comparison, so that verifying a MAC leaks no timing about where it differs.
public enum ConstantTime {
    /// Returns whether `a` and `b` hold the same bytes, in time that depends only on their lengths.
    public static func equal<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
