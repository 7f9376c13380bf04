import RekeyCrypto

/// A secret value (a signing key, an event key, an API key) that cannot leak by accident.
///
/// `Secret` has no `Codable` conformance and its `description`, `debugDescription` and reflection all
/// print `<redacted>`, so string interpolation, `print`, `dump`, logging and error messages cannot show
/// the value. The value is reached only through ``exposeValue()`` and ``withExposedBytes(_:)``, which
/// are easy to grep for: every call site is a place where a secret deliberately leaves the process
/// (a target file, a child's stdin, an HTTP request to the platform, a MAC key).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    /// Wraps a secret value.
    public init(_ value: String) {
        self.value = value
    }

    /// The secret value. Call only where the value must leave the process on purpose.
    public func exposeValue() -> String {
        value
    }

    /// Runs `body` with the UTF-8 bytes of the value.
    public func withExposedBytes<R>(_ body: ([UInt8]) throws -> R) rethrows -> R {
        try body(Array(value.utf8))
    }

    /// Whether the value is the empty string (an empty key is a hazard, never a valid key).
    public var isEmpty: Bool { value.isEmpty }

    /// The fingerprint of the value's UTF-8 bytes (see ``Fingerprint``).
    public var utf8Fingerprint: Fingerprint { Fingerprint(ofUTF8: value) }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
