/// A JSON object whose members keep their order.
///
/// Two objects are equal when they have the same keys with equal values, whatever the order (as in
/// JSON itself). The parser never produces duplicate keys; an object built by hand with duplicates
/// answers lookups with the first.
public struct JSONObject: Sendable, Equatable {
    /// The members, in document (or insertion) order.
    public var members: [(key: String, value: JSONValue)]

    /// Creates an object from members in order.
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// The keys, in order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The value of the first member named `key`. Setting replaces that member in place, or appends a
    /// new member; setting `nil` removes every member named `key`.
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            guard let newValue else {
                members.removeAll { $0.key == key }
                return
            }
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = newValue
            } else {
                members.append((key: key, value: newValue))
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        var right = [String: JSONValue](minimumCapacity: rhs.members.count)
        for member in rhs.members where right[member.key] == nil { right[member.key] = member.value }
        var seen = Set<String>()
        for member in lhs.members where seen.insert(member.key).inserted {
            guard right[member.key] == member.value else { return false }
        }
        return seen.count == right.count
    }
}
