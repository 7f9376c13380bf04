import Foundation
import RekeyCrypto

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The operator's key for sealing once-shown secrets in the journal: 32 bytes for AES-256-GCM.
///
/// It comes from `REKEY_SEAL_KEY` (base64 of 32 bytes, e.g. `openssl rand -base64 32`) or from a file
/// given with `--seal-key-file` that only its owner can read (mode 0600 or 0400), holding the same base64
/// text or the 32 raw bytes. rekey never writes the key anywhere and never passes it to a child process.
/// Its ``id`` (a digest of the key, not the key) is stored next to each sealed value, so that a wrong key
/// is reported as such instead of as damage.
public struct SealKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The environment variable holding the key as base64.
    public static let environmentVariable = "REKEY_SEAL_KEY"

    /// The key's length in bytes.
    public static let byteCount = AES256GCM.keyByteCount

    private let bytes: [UInt8]

    /// A public identifier of the key: the first 12 hex characters of a SHA-256 over a fixed label and
    /// the key. It tells two keys apart and reveals nothing usable about either.
    public let id: String

    /// Wraps 32 key bytes.
    ///
    /// - Parameters:
    ///   - bytes: The key.
    ///   - source: Where the bytes came from, for the error (`REKEY_SEAL_KEY`, `seal key file 'k'`).
    /// - Throws: ``SealError/keyWrongLength(source:count:)`` unless there are exactly 32 bytes.
    public init(bytes: [UInt8], source: String = "the seal key") throws(SealError) {
        guard bytes.count == Self.byteCount else { throw .keyWrongLength(source: source, count: bytes.count) }
        self.bytes = bytes
        self.id = String(SHA256.hex(Array("rekey seal key id v1".utf8) + [0] + bytes).prefix(12))
    }

    /// A new random key (tests, and `rekey` itself never: the operator provides the key).
    public static func random() -> SealKey {
        // 32 bytes always pass the length check.
        try! SealKey(bytes: SecureRandom.bytes(byteCount))
    }

    /// Parses base64 text (surrounding whitespace ignored) that must decode to 32 bytes.
    ///
    /// - Parameters:
    ///   - text: The base64 text.
    ///   - source: Where it came from, for the error.
    public static func parse(base64 text: String, source: String) throws(SealError) -> SealKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .keyEmpty(source: source) }
        guard let data = Data(base64Encoded: trimmed) else { throw .keyNotBase64(source: source) }
        return try SealKey(bytes: Array(data), source: source)
    }

    /// Reads a key file: refused unless it is a regular file owned by the current user that nobody else
    /// may read or write (mode 0600 or 0400). It holds base64 text of 32 bytes, or the 32 raw bytes.
    ///
    /// - Parameter path: The file (absolute, or relative to the current directory).
    /// - Throws: ``SealError`` naming the file and the fix.
    public static func load(file path: String) throws(SealError) -> SealKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .keyFileUnreadable(path: path, reason: FileIOError("stat", path: path).description)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .keyFileNotRegular(path: path) }
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 == 0 else { throw .keyFileTooOpen(path: path, mode: mode) }
        guard info.st_uid == geteuid() else { throw .keyFileNotOwned(path: path, owner: info.st_uid) }
        let contents: [UInt8]
        do {
            contents = try FileIO.read(path, limit: 64 << 10)
        } catch {
            throw .keyFileUnreadable(path: path, reason: error.description)
        }
        let source = "seal key file '\(path)'"
        let text = String(validating: contents, as: UTF8.self)
        if let text, let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            data.count == byteCount
        {
            return try SealKey(bytes: Array(data), source: source)
        }
        // Base64 of 32 bytes is 44 characters, so 32 bytes that are not base64 are the raw key.
        if contents.count == byteCount { return try SealKey(bytes: contents, source: source) }
        guard let text else { throw .keyNotBase64(source: source) }
        return try parse(base64: text, source: source)
    }

    /// The key for a command: `--seal-key-file` when given, else `REKEY_SEAL_KEY`, else `nil`.
    ///
    /// - Parameters:
    ///   - file: The `--seal-key-file` value, if any.
    ///   - environment: The process environment.
    public static func resolve(file: String?, environment: [String: String]) throws(SealError) -> SealKey? {
        if let file { return try load(file: file) }
        guard let text = environment[environmentVariable] else { return nil }
        return try parse(base64: text, source: environmentVariable)
    }

    /// Runs `body` with the key bytes (sealing and opening only).
    func withKeyBytes<R>(_ body: ([UInt8]) throws -> R) rethrows -> R {
        try body(bytes)
    }

    public var description: String { "seal key \(id)" }
    public var debugDescription: String { "SealKey(id: \(id))" }
    public var customMirror: Mirror { Mirror(self, children: ["id": id], displayStyle: .struct) }
}
