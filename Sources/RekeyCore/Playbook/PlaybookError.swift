#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a playbook could not be loaded. Each case keeps the path as the user gave it (relative if
/// they typed it relative), so messages point at what they wrote.
public enum PlaybookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, a directory, no permission).
    case unreadable(path: String, FileIOError)
    /// The file is not valid JSON.
    case syntax(path: String, JSONSyntaxError)
    /// The file is JSON but breaks the format's rules; every problem found is listed.
    case invalid(path: String, [PlaybookProblem])

    /// The playbook path as given.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .syntax(let path, _), .invalid(let path, _): path
        }
    }

    /// The problems of an ``invalid(path:_:)`` playbook; empty for the other cases.
    public var problems: [PlaybookProblem] {
        if case .invalid(_, let problems) = self { return problems }
        return []
    }

    /// The most problems ``description`` lists; the rest are counted (one mistake repeated in 60,000 apps
    /// is fixed the same way as in the first twenty).
    public static let listedProblems = 20

    /// One line per problem, each `playbook 'x.json': <where>: <what> (fix: <how>)`, at most
    /// ``listedProblems`` of them and then `… and N more problems`.
    public var description: String {
        let prefix = "playbook '\(path)'"
        switch self {
        case .unreadable(_, let error):
            return "\(prefix): \(Self.explain(error))"
        case .syntax(_, let error):
            return "\(prefix): \(error.description)"
        case .invalid(_, let problems):
            guard !problems.isEmpty else { return "\(prefix): invalid playbook" }
            var lines = problems.prefix(Self.listedProblems).map { "\(prefix): \($0.description)" }
            if problems.count > Self.listedProblems {
                lines.append("\(prefix): … and \(problems.count - Self.listedProblems) more problems")
            }
            return lines.joined(separator: "\n")
        }
    }

    private static func explain(_ error: FileIOError) -> String {
        switch error.problem {
        case .notRegular(.directory): return "is a directory; give the path of a playbook file"
        case .notRegular(let kind): return "is \(kind), not a regular file; give the path of a playbook file"
        case .tooLarge(let limit):
            return "is larger than \(FileIO.describe(size: limit)), more than any playbook needs; check the path"
        case nil: break
        }
        return switch error.code {
        case ENOENT: "file does not exist; check the path"
        case ENOTDIR: "a part of the path is not a directory; check the path"
        case EISDIR: "is a directory; give the path of a playbook file"
        case EACCES, EPERM: "permission denied; make the file readable by this user"
        default: "cannot be read (\(error.description))"
        }
    }
}
