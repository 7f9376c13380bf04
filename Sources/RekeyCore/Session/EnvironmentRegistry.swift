import Foundation
import RekeyCrypto
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What rekey keeps about each environment it rotates, independently of where journals live: a lock, so
/// that two rotations of one environment never run at once, and the rotations started on it, so that a
/// second rotation is refused while one is unfinished wherever its journal is (`--journal` elsewhere, a CI
/// workspace).
///
/// Layout, under the state directory (`REKEY_STATE_DIR`, else `$XDG_STATE_HOME/rekey`, else
/// `~/.local/state/rekey`), mode 0700: `environments/<16 hex of SHA-256(identity)>/` holds `identity` (the
/// environment, in words), `lock` (flocked by the process rotating it, with who holds it) and
/// `rotations/<rotation id>` (the absolute path of that rotation's journal).
public struct EnvironmentRegistry: Sendable {
    /// The state directory.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The state directory `environment` names: `REKEY_STATE_DIR`, else `$XDG_STATE_HOME/rekey`, else
    /// `$HOME/.local/state/rekey`, else a directory of the user's under `/tmp`.
    public static func defaultDirectory(environment: [String: String]) -> String {
        if let explicit = environment["REKEY_STATE_DIR"], !explicit.isEmpty { return FileIO.absolute(explicit) }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/rekey" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/rekey" }
        return "/tmp/rekey-state-\(getuid())"
    }

    /// A rotation started on an environment.
    public struct Registered: Sendable, Equatable {
        /// The rotation's id.
        public var rotationID: String
        /// Its journal's absolute path.
        public var journal: String
    }

    /// The folder of the environment `identity`.
    func folder(_ identity: String) -> String {
        directory + "/environments/" + String(SHA256.hex(identity).prefix(16))
    }

    /// Takes the environment's lock without waiting.
    ///
    /// - Throws: ``SessionError/environmentLocked(identity:holder:)`` naming the process that holds it.
    public func lock(_ identity: String, command: String, journal: String?) throws -> EnvironmentLock {
        let folder = try prepare(identity)
        return try EnvironmentLock.acquire(
            path: folder + "/lock", identity: identity, command: command, journal: journal)
    }

    /// Records that `rotationID`, journaled at `journal`, was started on `identity`.
    public func register(_ identity: String, rotationID: String, journal: String) throws {
        let folder = try prepare(identity) + "/rotations"
        if !FileIO.isDirectory(folder) { try FileIO.makeDirectory(folder) }
        try FileIO.writeAtomically(Array((journal + "\n").utf8), to: folder + "/" + Self.safe(rotationID))
    }

    /// Forgets `rotationID` (it finished or was aborted).
    public func unregister(_ identity: String, rotationID: String) {
        try? FileIO.remove(folder(identity) + "/rotations/" + Self.safe(rotationID))
    }

    /// The rotations started on `identity` that are not known to have ended, oldest id first.
    public func rotations(of identity: String) -> [Registered] {
        let folder = folder(identity) + "/rotations"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.sorted().compactMap { name in
            guard !name.hasPrefix("."), let text = try? FileIO.readText(folder + "/" + name) else { return nil }
            let journal = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return journal.hasPrefix("/") ? Registered(rotationID: name, journal: journal) : nil
        }
    }

    private func prepare(_ identity: String) throws -> String {
        let folder = folder(identity)
        for path in [directory, directory + "/environments", folder] where !FileIO.isDirectory(path) {
            try FileIO.makeDirectory(path)
        }
        let name = folder + "/identity"
        if !FileIO.exists(name) { try FileIO.writeAtomically(Array((identity + "\n").utf8), to: name) }
        return folder
    }

    /// A rotation id as a file name (ids are `rot-YYYYMMDD-hex`; anything else is made safe).
    private static func safe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}

/// The `flock` on an environment's lock file, held by the one process rotating it.
public final class EnvironmentLock: Sendable {
    /// Who holds an environment's lock.
    public struct Holder: Sendable, Codable, Equatable {
        public var pid: Int32
        public var host: String
        public var since: Timestamp
        public var command: String
        public var journal: String?
    }

    private let descriptor: Mutex<Int32>

    private init(fd: Int32) {
        descriptor = Mutex(fd)
    }

    deinit { release() }

    static func acquire(path: String, identity: String, command: String, journal: String?) throws -> EnvironmentLock {
        // Never follow a link planted in the state directory; the lock must be a regular file of ours.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw FileIOError("open the environment lock", path: path) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw FileIOError("open the environment lock (not a regular file)", path: path, code: EINVAL)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            close(fd)
            guard code == EWOULDBLOCK else { throw FileIOError("flock the environment lock", path: path, code: code) }
            let holder = n > 0 ? try? JSONCoding.decode(Holder.self, from: Array(buffer[0..<n])) : nil
            throw SessionError.environmentLocked(identity: identity, holder: holder)
        }
        let holder = Holder(
            pid: getpid(), host: JournalLock.hostName(), since: .now(), command: command, journal: journal)
        let bytes = JSONCoding.canonicalBytes(holder)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        _ = ftruncate(fd, off_t(bytes.count))
        return EnvironmentLock(fd: fd)
    }

    /// Releases the lock (idempotent).
    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }
}
