import CLibCrypto

/// AES-256-GCM authenticated encryption over libcrypto's EVP interface.
///
/// A sealed box is `nonce (12 bytes) || ciphertext || tag (16 bytes)`. Every seal draws a fresh random
/// nonce, so the same key may seal many messages.
public enum AES256GCM {
    /// Key length in bytes.
    public static let keyByteCount = 32
    /// Nonce length in bytes.
    public static let nonceByteCount = 12
    /// Tag length in bytes.
    public static let tagByteCount = 16

    /// Errors from sealing and opening.
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        /// The key is not 32 bytes.
        case invalidKeyLength(Int)
        /// The box is shorter than a nonce plus a tag.
        case truncated
        /// The tag did not verify: wrong key, wrong associated data, or altered bytes.
        case authenticationFailed
        /// libcrypto reported a failure it should not (out of memory, bad state).
        case library(String)

        public var description: String {
            switch self {
            case .invalidKeyLength(let n): "seal key must be 32 bytes, got \(n)"
            case .truncated: "sealed value is truncated"
            case .authenticationFailed:
                "sealed value does not open with this key (wrong key, or the value was altered)"
            case .library(let what): "libcrypto failure in \(what)"
            }
        }
    }

    /// Encrypts and authenticates `plaintext`, binding `associatedData`.
    ///
    /// - Returns: `nonce || ciphertext || tag`.
    /// - Throws: `AES256GCM.Error.invalidKeyLength` for a key that is not 32 bytes.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8]) throws(Error) -> [UInt8] {
        try seal(plaintext, key: key, nonce: SecureRandom.bytes(nonceByteCount), associatedData: associatedData)
    }

    /// Seals with a caller-chosen nonce (tests only: reusing a nonce under one key breaks GCM).
    static func seal(
        _ plaintext: [UInt8],
        key: [UInt8],
        nonce: [UInt8],
        associatedData: [UInt8]
    ) throws(Error) -> [UInt8] {
        guard key.count == keyByteCount else { throw .invalidKeyLength(key.count) }
        guard let context = EVP_CIPHER_CTX_new() else { throw .library("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1,
            EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1
        else { throw .library("EVP_EncryptInit_ex") }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            guard EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw .library("EVP_EncryptUpdate(aad)")
            }
        }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var written: Int32 = 0
        if !plaintext.isEmpty {
            guard EVP_EncryptUpdate(context, &ciphertext, &written, plaintext, Int32(plaintext.count)) == 1 else {
                throw .library("EVP_EncryptUpdate")
            }
        }
        var finalLength: Int32 = 0
        let finalOK = ciphertext.withUnsafeMutableBufferPointer { buffer in
            EVP_EncryptFinal_ex(context, buffer.baseAddress! + Int(written), &finalLength)
        }
        guard finalOK == 1 else { throw .library("EVP_EncryptFinal_ex") }
        ciphertext.removeLast(ciphertext.count - Int(written + finalLength))
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), &tag) == 1 else {
            throw .library("EVP_CTRL_GCM_GET_TAG")
        }
        return nonce + ciphertext + tag
    }

    /// Verifies and decrypts a box produced by ``seal(_:key:associatedData:)``.
    ///
    /// - Throws: `.authenticationFailed` when the key, the associated data or any byte differs;
    ///   never returns unauthenticated plaintext.
    public static func open(_ box: [UInt8], key: [UInt8], associatedData: [UInt8]) throws(Error) -> [UInt8] {
        guard key.count == keyByteCount else { throw .invalidKeyLength(key.count) }
        guard box.count >= nonceByteCount + tagByteCount else { throw .truncated }
        let nonce = Array(box[0..<nonceByteCount])
        let ciphertext = Array(box[nonceByteCount..<(box.count - tagByteCount)])
        var tag = Array(box[(box.count - tagByteCount)...])
        guard let context = EVP_CIPHER_CTX_new() else { throw .library("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1
        else { throw .library("EVP_DecryptInit_ex") }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            guard EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw .library("EVP_DecryptUpdate(aad)")
            }
        }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written: Int32 = 0
        if !ciphertext.isEmpty {
            guard EVP_DecryptUpdate(context, &plaintext, &written, ciphertext, Int32(ciphertext.count)) == 1 else {
                throw .library("EVP_DecryptUpdate")
            }
        }
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), &tag) == 1 else {
            throw .library("EVP_CTRL_GCM_SET_TAG")
        }
        var finalLength: Int32 = 0
        let finalOK = plaintext.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(context, buffer.baseAddress! + Int(written), &finalLength)
        }
        guard finalOK == 1 else { throw .authenticationFailed }
        plaintext.removeLast(plaintext.count - Int(written + finalLength))
        return plaintext
    }
}
