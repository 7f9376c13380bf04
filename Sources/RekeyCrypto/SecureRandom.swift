import CLibCrypto

/// Cryptographically secure random bytes from libcrypto's DRBG.
public enum SecureRandom {
    /// Returns `count` random bytes.
    ///
    /// - Precondition: libcrypto's generator is seeded (it seeds itself from the OS; a failure here
    ///   means the process cannot safely create keys at all, so it stops rather than continue).
    public static func bytes(_ count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return buffer }
        let ok = buffer.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "libcrypto RAND_bytes failed: the random generator is not available")
        return buffer
    }

    /// Returns `count` random bytes as lowercase hex (`2 * count` characters).
    public static func hex(_ count: Int) -> String {
        Hex.encode(bytes(count))
    }
}
