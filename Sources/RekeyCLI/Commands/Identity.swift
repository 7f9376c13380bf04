#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who is acting: recorded with approvals and aborts.
enum Identity {
    /// `--by` if given, else the CI actor (`GITHUB_ACTOR`, `GITLAB_USER_LOGIN`, `BUILDKITE_BUILD_CREATOR`),
    /// else the OS user.
    static func actor(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        for variable in ["GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILDKITE_BUILD_CREATOR"] {
            if let value = environment[variable], !value.isEmpty {
                return variable == "GITHUB_ACTOR" ? "github:\(value)" : value
            }
        }
        if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
            return String(decoding: UnsafeRawBufferPointer(start: name, count: strlen(name)), as: UTF8.self)
        }
        return "uid \(getuid())"
    }
}
