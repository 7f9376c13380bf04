/// Why a seal key can't be used, or a sealed secret can't be opened. Descriptions name the key's source
/// or the sealed item and say what to do; they never show a key or a secret.
public enum SealError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rotation will create secrets the platform shows only once, and no key was given.
    case keyMissing(steps: [StepID], platform: String)
    /// The key text is empty.
    case keyEmpty(source: String)
    /// The key text is not base64.
    case keyNotBase64(source: String)
    /// The key does not have 32 bytes.
    case keyWrongLength(source: String, count: Int)
    /// The key file can't be read (missing, permissions).
    case keyFileUnreadable(path: String, reason: String)
    /// The key file is not a regular file.
    case keyFileNotRegular(path: String)
    /// The key file can be read or written by others (its mode has group or other bits).
    case keyFileTooOpen(path: String, mode: UInt32)
    /// The key file belongs to another user.
    case keyFileNotOwned(path: String, owner: UInt32)
    /// The secret was sealed with another key.
    case wrongKey(item: String, sealedWith: String, given: String)
    /// The sealed value does not open with the right key: it was altered, or moved to another item.
    case tampered(item: String)
    /// The sealed value is not readable (bad base64, an unknown format).
    case malformed(item: String, reason: String)
    /// libcrypto failed while sealing.
    case sealingFailed(item: String, reason: String)

    public var description: String {
        switch self {
        case .keyMissing(let steps, let platform):
            "the \(platform) platform shows the secrets created by \(steps.map(\.rawValue).joined(separator: ", ")) "
                + "only once, so rekey keeps them sealed in the journal until every app holds them, and needs a seal "
                + "key: set \(SealKey.environmentVariable) to base64 of 32 random bytes ('openssl rand -base64 32'), or "
                + "pass --seal-key-file FILE (mode 0600); keep the key until the rotation is finished"
        case .keyEmpty(let source):
            "\(source) is empty; it must hold base64 of 32 random bytes ('openssl rand -base64 32')"
        case .keyNotBase64(let source):
            "\(source) is not base64; it must hold base64 of 32 random bytes ('openssl rand -base64 32')"
        case .keyWrongLength(let source, let count):
            "\(source) holds \(count) bytes, not 32; create a key with 'openssl rand -base64 32'"
        case .keyFileUnreadable(let path, let reason):
            "cannot read seal key file '\(path)' (\(reason)); check the path and its permissions"
        case .keyFileNotRegular(let path):
            "seal key file '\(path)' is not a regular file; give the path of the key file"
        case .keyFileTooOpen(let path, let mode):
            "seal key file '\(path)' has mode \(String(mode, radix: 8, uppercase: false).leftPadded(to: 4)); "
                + "others may read it, so rekey refuses it: run 'chmod 600 \(path)'"
        case .keyFileNotOwned(let path, let owner):
            "seal key file '\(path)' belongs to uid \(owner), not to you; use a key file you own (mode 0600)"
        case .wrongKey(let item, let sealedWith, let given):
            "the secret sealed for \(item) was sealed with seal key \(sealedWith), but the key given is \(given); "
                + "use the key the rotation started with (\(SealKey.environmentVariable) or --seal-key-file)"
        case .tampered(let item):
            "the secret sealed for \(item) does not open with the right key: the journal was altered or the value "
                + "was copied from another item; check 'rekey log JOURNAL --verify'"
        case .malformed(let item, let reason):
            "the secret sealed for \(item) is unreadable (\(reason)); check 'rekey log JOURNAL --verify'"
        case .sealingFailed(let item, let reason):
            "cannot seal the secret of \(item): \(reason)"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
