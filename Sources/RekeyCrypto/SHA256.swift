import CLibCrypto

/// SHA-256 over libcrypto's one-shot EVP digest.
public enum SHA256 {
    /// The length of a digest, in bytes.
    public static let byteCount = 32

    /// Returns the SHA-256 digest of `data`.
    ///
    /// - Parameter data: The bytes to hash.
    /// - Returns: 32 bytes.
    public static func hash<Bytes: Collection>(_ data: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok = withContiguousBytes(data) { input in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, FetchedDigest.sha256.md, nil)
            }
        }
        precondition(ok == 1 && length == UInt32(byteCount), "libcrypto EVP_Digest(SHA-256) failed")
        return digest
    }

    /// Writes the SHA-256 digest of `data` into `digest` (``byteCount`` bytes), allocating nothing.
    public static func hash(_ data: UnsafeBufferPointer<UInt8>, into digest: UnsafeMutableBufferPointer<UInt8>) {
        precondition(digest.count == byteCount, "a SHA-256 digest takes \(byteCount) bytes")
        var length: UInt32 = 0
        let ok = EVP_Digest(data.baseAddress, data.count, digest.baseAddress, &length, FetchedDigest.sha256.md, nil)
        precondition(ok == 1 && length == UInt32(byteCount), "libcrypto EVP_Digest(SHA-256) failed")
    }

    /// Returns the lowercase hexadecimal SHA-256 digest of `data`.
    public static func hex<Bytes: Collection>(_ data: Bytes) -> String where Bytes.Element == UInt8 {
        Hex.encode(hash(data))
    }

    /// Returns the lowercase hexadecimal SHA-256 digest of a string's UTF-8 bytes.
    public static func hex(_ string: String) -> String {
        hex(Array(string.utf8))
    }
}

/// Runs `body` with a contiguous view of `data`, copying only when the collection isn't contiguous.
func withContiguousBytes<Bytes: Collection, R>(
    _ data: Bytes,
    _ body: (UnsafeRawBufferPointer) throws -> R
) rethrows -> R where Bytes.Element == UInt8 {
    if let result = try data.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return try Array(data).withUnsafeBytes(body)
}

/// SHA-256 fetched from libcrypto once. `EVP_sha256()` makes OpenSSL 3 look the algorithm up again on
/// every digest (a locked table lookup), which dominated hashing short inputs such as journal lines.
private final class FetchedDigest: @unchecked Sendable {
    // Invariant: `md` is never changed after init, and OpenSSL allows a fetched EVP_MD to be used from
    // many threads at once.
    let md: OpaquePointer?

    static let sha256 = FetchedDigest(name: "SHA256")

    private init(name: String) {
        // Falls back to the built-in method if the fetch fails (EVP_Digest then fetches implicitly).
        md = EVP_MD_fetch(nil, name, nil) ?? EVP_sha256()
    }
}
