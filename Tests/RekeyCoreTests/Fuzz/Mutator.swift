/// Deterministic mutations of valid inputs, for parser robustness tests.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

    /// Interesting bytes for JSON and journal parsers.
    private static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "null", "true", "false", "-0", "1e999",
        "0.0000001", "\n", "\u{0}", "\u{7f}", "é", "🔑", "\"v\":2", "\"seq\":-1", "\"prev\":null", "{\"a\":",
        "signkey-prod-", "\"steps\":[]", "\"apps\":{}", "\"version\":1",
    ].map { Array($0.utf8) }

    /// One to four random mutations of `input`.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let position = below(bytes.count + 1)
            switch below(8) {
            case 0 where !bytes.isEmpty:  // flip a bit
                let index = min(position, bytes.count - 1)
                bytes[index] ^= UInt8(1 << below(8))
            case 1 where !bytes.isEmpty:  // delete a run
                let end = min(bytes.count, position + 1 + below(16))
                bytes.removeSubrange(min(position, bytes.count)..<end)
            case 2:  // insert a token
                bytes.insert(contentsOf: Self.tokens[below(Self.tokens.count)], at: position)
            case 3:  // truncate
                bytes = Array(bytes.prefix(position))
            case 4 where !bytes.isEmpty:  // duplicate a slice
                let start = below(bytes.count)
                let end = min(bytes.count, start + 1 + below(64))
                bytes.insert(contentsOf: bytes[start..<end], at: position)
            case 5 where !bytes.isEmpty:  // replace a byte with a random one
                bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: next())
            case 6 where bytes.count > 2:  // swap two slices' bytes
                let a = below(bytes.count)
                let b = below(bytes.count)
                bytes.swapAt(a, b)
            default:  // insert random bytes
                for _ in 0...below(8) {
                    bytes.insert(UInt8(truncatingIfNeeded: next()), at: min(position, bytes.count))
                }
            }
        }
        return bytes
    }
}
