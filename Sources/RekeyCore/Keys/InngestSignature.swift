import RekeyCrypto

/// The `X-Inngest-Signature` header: `t=<unix seconds>&s=<hex HMAC-SHA256>`.
///
/// The MAC key is the UTF-8 of the signing key without its `signkey-<env>-` prefix (the hex is *not*
/// decoded); the message is the body bytes followed by the decimal timestamp.
public enum InngestSignature {
    /// Signs `body` at `timestamp` with `key`.
    ///
    /// - Parameters:
    ///   - body: Request or response body bytes (already JCS-canonical for JSON requests; empty for GET).
    ///   - timestamp: Unix seconds.
    ///   - key: The signing key, with or without prefix.
    /// - Returns: The header value.
    public static func header(body: [UInt8], timestamp: Int, key: Secret) -> String {
        "t=\(timestamp)&s=\(mac(body: body, timestamp: timestamp, key: key))"
    }

    /// Verifies a header against `key`, comparing in constant time. `maximumAge` (seconds), when given,
    /// rejects timestamps further than that from `now` in either direction.
    public static func verify(
        header: String,
        body: [UInt8],
        key: Secret,
        now: Int? = nil,
        maximumAge: Int? = nil
    ) -> Bool {
        guard let parsed = parse(header) else { return false }
        if let maximumAge, let now, abs(now - parsed.timestamp) > maximumAge { return false }
        let expected = mac(body: body, timestamp: parsed.timestamp, key: key)
        return ConstantTime.equal(Array(expected.utf8), Array(parsed.signature.utf8))
    }

    /// Signs a JSON request body as the SDKs verify it: over its RFC 8785 canonical form (``JCS``).
    ///
    /// - Returns: The canonical body to send, and the header value.
    public static func signJSON(_ body: JSONValue, timestamp: Int, key: Secret) -> (body: [UInt8], header: String) {
        let canonical = JCS.canonicalize(body)
        return (canonical, header(body: canonical, timestamp: timestamp, key: key))
    }

    /// Verifies the signature an SDK put on its *response* (`X-Inngest-Signature`), which covers the raw
    /// body bytes without canonicalisation and is made with the key that verified our request. The Go
    /// SDK signs the body without its trailing newline, so that form is accepted too.
    ///
    /// - Parameters:
    ///   - header: The response's `X-Inngest-Signature`, `nil` when absent (then `false`).
    ///   - body: The response body as received.
    ///   - key: The key our request was signed with.
    public static func verifyResponse(header: String?, body: [UInt8], key: Secret) -> Bool {
        guard let header else { return false }
        if verify(header: header, body: body, key: key) { return true }
        guard body.last == 0x0A else { return false }
        return verify(header: header, body: Array(body.dropLast()), key: key)
    }

    /// Splits a header into its timestamp and signature, or `nil` when malformed.
    public static func parse(_ header: String) -> (timestamp: Int, signature: String)? {
        var timestamp: Int?
        var signature: String?
        for pair in header.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            switch parts[0] {
            case "t": timestamp = Int(parts[1])
            case "s": signature = String(parts[1])
            default: continue
            }
        }
        guard let timestamp, let signature else { return nil }
        return (timestamp, signature)
    }

    private static func mac(body: [UInt8], timestamp: Int, key: Secret) -> String {
        let macKey = Array(InngestSigningKey.stripPrefix(key.exposeValue()).utf8)
        return HMACSHA256.hex(key: macKey, message: body + Array(String(timestamp).utf8))
    }
}
