import RekeyCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a rekey process is working on a journal right now, for messages (`gate`, `explain`).
///
/// Never takes the lock (even briefly, a shared lock would make a `resume` starting at that instant fail
/// with "locked"): it reads who last held it from the lock file and asks the OS whether that process is
/// alive on this host. A holder on another host is reported as unknown.
enum RunningRotation {
    /// The holder of `journal`'s lock when it is a live process on this host, else `nil`.
    static func holder(of journal: String) -> LockHolder? {
        guard let holder = JournalLock.readContents(journal: journal)?.holder else { return nil }
        guard holder.host == localHost(), holder.pid > 0, holder.pid != getpid() else { return nil }
        // Signal 0 checks existence without signalling; EPERM means it exists under another user.
        guard kill(holder.pid, 0) == 0 || errno == EPERM else { return nil }
        // The pid may have been reused since: on Linux, the process's name says whether it is a rekey.
        if let name = try? FileIO.readText("/proc/\(holder.pid)/comm"), !name.hasPrefix("rekey") { return nil }
        return holder
    }

    private static func localHost() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
