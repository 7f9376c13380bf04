/// The environment variables the Inngest SDKs read.
public enum InngestVariables {
    /// The current signing key.
    public static let signingKey = "INNGEST_SIGNING_KEY"
    /// The previous signing key, accepted during a rotation.
    public static let signingKeyFallback = "INNGEST_SIGNING_KEY_FALLBACK"
    /// The event key used to send events.
    public static let eventKey = "INNGEST_EVENT_KEY"

    /// All three, in the order they are read.
    public static let all = [signingKey, signingKeyFallback, eventKey]
    /// Dev mode switch: any value but unset, `""`, `0` or `false` turns signature checks off (read by the
    /// planner to warn; rekey never writes it).
    public static let dev = "INNGEST_DEV"

    /// The snapshot of a variable's state: signing-key variables are fingerprinted like signing keys
    /// (hashed form), others by their UTF-8 bytes.
    public static func snapshot(of state: VariableState?, name: String) -> VariableSnapshot {
        switch state {
        case nil, .absent?: return .absent
        case .empty?: return .empty
        case .unreadable?: return .unreadable
        case .present(let secret)?: return .present(fingerprint(of: secret, variable: name))
        }
    }

    /// The fingerprint of `value` as stored in variable `name`.
    public static func fingerprint(of value: Secret, variable name: String) -> Fingerprint {
        if name == signingKey || name == signingKeyFallback {
            return InngestSigningKey.fingerprint(value) ?? value.utf8Fingerprint
        }
        return value.utf8Fingerprint
    }
}
