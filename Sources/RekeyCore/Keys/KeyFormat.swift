/// The formats rekey accepts before it writes a key anywhere (a target file, a command's stdin, a person's
/// screen).
///
/// A key that is empty, or not of its variable's form, is a hazard rather than a typo: the Python SDK
/// treats an empty `INNGEST_SIGNING_KEY_FALLBACK` as a configured key and accepts requests signed with "",
/// and a non-hex signing key lets the app start and then fails every signed request. The checks look at
/// the value in process only; nothing here prints, logs or returns it.
public enum KeyFormat {
    /// Why `value` must not be written to the variable `name`, or `nil` when it may.
    ///
    /// - Parameters:
    ///   - value: The value about to be written.
    ///   - name: The variable (`INNGEST_SIGNING_KEY`, `INNGEST_EVENT_KEY`, …).
    /// - Returns: A lowercase phrase that completes "the value …" (`is empty`, `is not of the form …`),
    ///   never the value itself.
    public static func problem(writing value: Secret, to name: String) -> String? {
        if value.isEmpty { return "is empty" }
        if isSigningKeyVariable(name) {
            return isValidSigningKey(value) ? nil : "is not of the form signkey-<env>-<64 lowercase hex>"
        }
        return hasWhitespaceOrControl(value) ? "contains whitespace or control characters" : nil
    }

    /// Whether `name` holds a signing key (`INNGEST_SIGNING_KEY`, `INNGEST_SIGNING_KEY_FALLBACK`).
    public static func isSigningKeyVariable(_ name: String) -> Bool {
        name == InngestVariables.signingKey || name == InngestVariables.signingKeyFallback
    }

    /// Whether `secret` is exactly `signkey-<lowercase letters>-<64 lowercase hex>`.
    public static func isValidSigningKey(_ secret: Secret) -> Bool {
        secret.withExposedBytes { InngestSigningKey.isValid(String(decoding: $0, as: UTF8.self)) }
    }

    /// Whether `secret` contains a space, a tab, a line break or another control character (an event key
    /// pasted with a trailing newline, say). Such a value is refused for every variable.
    public static func hasWhitespaceOrControl(_ secret: Secret) -> Bool {
        secret.withExposedBytes { bytes in
            bytes.contains { $0 <= 0x20 || $0 == 0x7F }
        }
    }

    /// Whether an `INNGEST_DEV` value puts the SDK in dev mode: anything but unset, `""`, `0` or `false`
    /// (so `INNGEST_DEV=no` or `off` *enables* dev mode, in which the app checks no signature at all).
    /// The comparison is exact: a value the SDK might read either way (`FALSE`) counts as dev mode, so that
    /// the warning errs on the side of the hazard.
    public static func enablesDevMode(_ value: Secret) -> Bool {
        value.withExposedBytes { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            return !text.isEmpty && text != "0" && text != "false"
        }
    }
}
