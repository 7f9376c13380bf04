import Foundation

/// The playbook's name template for new keys (`{name} (rotated {date})`), read backwards: whether a key's
/// name is one this template gives to the replacement of another key, whatever the date or rotation.
///
/// That is how rekey recognises, from the platform alone, a rotation that is under way wherever its journal
/// is: an old key and a key named as its replacement both exist.
public struct KeyNameTemplate: Sendable {
    /// The template.
    public let template: String

    public init(_ template: String) {
        self.template = template
    }

    /// Whether `name` is what the template renders for the replacement of a key named `original` (on any
    /// date, in any rotation), with or without the suffixes rekey adds to keep names unique.
    public func isReplacementName(_ name: String, of original: String) -> Bool {
        guard name != original, let expression = try? NSRegularExpression(pattern: pattern(for: original)) else {
            return false
        }
        let range = NSRange(name.startIndex..., in: name)
        return expression.firstMatch(in: name, range: range) != nil
    }

    private func pattern(for original: String) -> String {
        var pattern = "^"
        var rest = Substring(template)
        let placeholders: [(String, String)] = [
            ("{name}", NSRegularExpression.escapedPattern(for: original)),
            ("{date}", "[0-9]{4}-[0-9]{2}-[0-9]{2}"),
            ("{rotation}", "rot-[0-9]{8}-[0-9a-f]{6}"),
        ]
        while !rest.isEmpty {
            if let (placeholder, expression) = placeholders.first(where: { rest.hasPrefix($0.0) }) {
                pattern += expression
                rest = rest.dropFirst(placeholder.count)
            } else {
                pattern += NSRegularExpression.escapedPattern(for: String(rest.first!))
                rest = rest.dropFirst()
            }
        }
        // The suffixes ``RotationPlanner/replacements(eventKeys:template:date:rotationID:)`` adds on a clash.
        return pattern + "( \\[rot-[0-9]{8}-[0-9a-f]{6}\\])?( \\[[^\\]]+\\])?$"
    }
}
