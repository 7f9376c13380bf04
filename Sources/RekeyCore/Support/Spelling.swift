/// "Did you mean …?" suggestions for misspelt names (fields, steps, procedures, commands).
public enum Spelling {
    /// The Levenshtein distance between two strings, compared by Unicode scalar and case-insensitively
    /// for ASCII letters.
    public static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.lowercased().unicodeScalars)
        let b = Array(rhs.lowercased().unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word` within `maximumDistance` edits, if any (the first on ties);
    /// failing that, the closest candidate that contains every word of `word` (`rotate-key` →
    /// `rotate-signing-key`, `keyname` → no, `apiKey` → `apiKeyEnv`).
    ///
    /// - Parameters:
    ///   - word: What the user wrote.
    ///   - candidates: The valid names.
    ///   - maximumDistance: The most edits a suggestion may be away (default 2).
    public static func suggestion<Candidates: Sequence>(
        for word: String,
        among candidates: Candidates,
        maximumDistance: Int = 2
    ) -> String? where Candidates.Element == String {
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = distance(word, candidate)
            if d <= maximumDistance, d < best?.distance ?? Int.max { best = (candidate, d) }
        }
        if let best { return best.name }
        let wanted = words(of: word)
        guard !wanted.isEmpty else { return nil }
        for candidate in candidates where wanted.isSubset(of: words(of: candidate)) {
            let d = distance(word, candidate)
            if d < best?.distance ?? Int.max { best = (candidate, d) }
        }
        return best?.name
    }

    /// Lowercased words of a kebab-case, snake_case, dotted or camelCase name.
    private static func words(of name: String) -> Set<String> {
        var result = Set<String>()
        var current = ""
        var previousWasLower = false
        for character in name {
            if character == "-" || character == "_" || character == " " || character == "." {
                if !current.isEmpty { result.insert(current) }
                current = ""
                previousWasLower = false
                continue
            }
            if character.isUppercase && previousWasLower {
                result.insert(current)
                current = ""
            }
            current += character.lowercased()
            previousWasLower = character.isLowercase || character.isNumber
        }
        if !current.isEmpty { result.insert(current) }
        return result
    }
}
