#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Syntax checks for the IP entries of an event-key filter: an IPv4 or IPv6 address, optionally with a
/// `/prefix` CIDR length (0–32 or 0–128).
enum IPAddressRange {
    /// Whether `text` is an address or a CIDR range, written without spaces.
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        let isIPv6 = address.contains(":")
        if parts.count == 2 {
            let prefix = parts[1]
            guard (1...3).contains(prefix.count), prefix.utf8.allSatisfy({ (48...57).contains($0) }),
                let length = Int(prefix), length <= (isIPv6 ? 128 : 32)
            else { return false }
        }
        var buffer = [UInt8](repeating: 0, count: 16)
        return buffer.withUnsafeMutableBytes { inet_pton(isIPv6 ? AF_INET6 : AF_INET, address, $0.baseAddress) } == 1
    }
}
