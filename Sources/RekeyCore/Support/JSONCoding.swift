import Foundation

/// The JSON encoders rekey uses for files it owns: sorted keys (so hashes are stable), no escaped
/// slashes, compact for journal lines.
public enum JSONCoding {
    /// Compact, sorted keys: journal lines and hashed content.
    public static func canonicalBytes<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            // Our own value types always encode; failing here is a bug, not bad input.
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
    }

    /// Pretty, sorted keys: files humans read (plans, sandbox state).
    public static func prettyBytes<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        do {
            return Array(try encoder.encode(value)) + [UInt8(ascii: "\n")]
        } catch {
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
    }

    /// Decodes `T` from bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
