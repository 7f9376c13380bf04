#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Errors from the POSIX file helpers. Descriptions name the path and the system error, or what is wrong
/// with the file itself.
public struct FileIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done (`open`, `write`, `fsync`, `rename`, …).
    public var operation: String
    /// The path involved.
    public var path: String
    /// `errno` at the failure (0 when ``problem`` says what is wrong).
    public var code: Int32
    /// What is wrong with the file itself, when that, not a system call, is the failure.
    public var problem: Problem?

    /// A file rekey refuses to read or replace.
    public enum Problem: Sendable, Equatable {
        /// The path names something other than a regular file (a link where links are not followed, a
        /// directory, a FIFO, a device, a socket).
        case notRegular(FileKind)
        /// The file is larger than the most rekey reads of its kind.
        case tooLarge(limit: Int)
    }

    public init(_ operation: String, path: String, code: Int32 = errno, problem: Problem? = nil) {
        self.operation = operation
        self.path = path
        self.code = code
        self.problem = problem
    }

    /// A failure that is the file's own, not a system error's.
    public init(_ operation: String, path: String, problem: Problem) {
        self.init(operation, path: path, code: 0, problem: problem)
    }

    /// Whether the failure is "no such file or directory".
    public var isNotFound: Bool { problem == nil && code == ENOENT }

    /// What went wrong, without the operation and the path: `is a FIFO (named pipe), not a regular file`,
    /// `is larger than 4 MiB`, or the system's message.
    public var reason: String {
        switch problem {
        case .notRegular(let kind): "is \(kind), not a regular file"
        case .tooLarge(let limit): "is larger than \(FileIO.describe(size: limit))"
        case nil: String(cString: strerror(code))
        }
    }

    public var description: String {
        "\(operation) '\(path)': \(reason)"
    }
}

/// Durable file operations the POSIX way: temp file + `fsync` + `rename` + directory `fsync`.
///
/// `Data.write(options: .atomic)` neither fsyncs the directory nor keeps the file's mode, and
/// `FileManager.replaceItemAt` loses data on Linux in Swift 6.3.1; every file rekey owns or edits goes
/// through here instead.
///
/// Reads are bounded and touch regular files only: a path is opened without blocking (a FIFO nobody
/// writes to, a device) and checked with `fstat` before a byte is read, and a file over the caller's size
/// limit is refused unread.
public enum FileIO {
    /// The most ``read(_:limit:followingLinks:)`` reads when the caller names no limit.
    public static let defaultReadLimit = 64 << 20

    /// Opens the regular file at `path`, refusing anything else before reading from it.
    ///
    /// The open never blocks (`O_NONBLOCK`: a FIFO without a writer, a device) and never makes a terminal
    /// the controlling one; `fstat` on the descriptor then decides, so what is checked is what was opened.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - flags: `O_RDONLY`, `O_WRONLY | O_APPEND`, … (`O_CLOEXEC` is always added).
    ///   - followingLinks: `false` to refuse a symbolic link as the last component (files rekey writes).
    ///   - operation: The operation named in errors.
    /// - Returns: The descriptor (the caller closes it) and its `fstat`.
    /// - Throws: ``FileIOError``, with ``FileIOError/Problem/notRegular(_:)`` for anything but a regular file.
    public static func openRegular(
        _ path: String,
        flags: Int32 = O_RDONLY,
        followingLinks: Bool = true,
        operation: String = "open"
    ) throws(FileIOError) -> (fd: Int32, info: stat) {
        let fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (followingLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            let code = errno
            // A link refused by O_NOFOLLOW (ELOOP), or a socket (ENXIO): say what the path is.
            if code == ELOOP || code == ENXIO || code == EISDIR,
                let kind = followingLinks ? targetKind(of: path) : kind(of: path), kind != .regular
            {
                throw FileIOError(operation, path: path, problem: .notRegular(kind))
            }
            throw FileIOError(operation, path: path, code: code)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = FileIOError("stat", path: path)
            close(fd)
            throw error
        }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .regular else {
            close(fd)
            throw FileIOError(operation, path: path, problem: .notRegular(kind))
        }
        return (fd, info)
    }

    /// Reads a whole regular file, at most `limit` bytes.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - limit: The largest size accepted; a larger file is refused unread (``FileIOError/Problem/tooLarge(limit:)``).
    ///   - followingLinks: `false` to refuse a symbolic link as the last component.
    /// - Throws: ``FileIOError``: the file is missing, unreadable, not a regular file, or too large.
    public static func read(
        _ path: String,
        limit: Int = defaultReadLimit,
        followingLinks: Bool = true
    ) throws(FileIOError) -> [UInt8] {
        let (fd, info) = try openRegular(path, followingLinks: followingLinks)
        defer { close(fd) }
        return try read(fd, path: path, limit: limit, size: Int(info.st_size))
    }

    /// Reads `fd` to its end, at most `limit` bytes (`size`: what `fstat` said, to allocate once).
    static func read(_ fd: Int32, path: String, limit: Int, size: Int) throws(FileIOError) -> [UInt8] {
        guard size <= limit else { throw FileIOError("read", path: path, problem: .tooLarge(limit: limit)) }
        var result = [UInt8]()
        // One allocation for the whole file (a long journal is tens of megabytes); it may still grow.
        if size > 0 { result.reserveCapacity(size) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("read", path: path)
            }
            if n == 0 { break }
            // The file grew while it was read: the limit holds for what is read, not what fstat said.
            guard result.count + n <= limit else {
                throw FileIOError("read", path: path, problem: .tooLarge(limit: limit))
            }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// Reads a whole regular file as UTF-8 text (invalid sequences are replaced), at most `limit` bytes.
    public static func readText(_ path: String, limit: Int = defaultReadLimit) throws(FileIOError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    /// What `path` itself is (a link is a link), or `nil` when nothing is there.
    public static func kind(of path: String) -> FileKind? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileKind(mode: info.st_mode)
    }

    /// What `path` names once links are followed, or `nil` when nothing is there (or a link dangles).
    public static func targetKind(of path: String) -> FileKind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileKind(mode: info.st_mode)
    }

    /// `4 MiB`, `1 GiB`, `999 bytes`: a size limit as messages show it.
    public static func describe(size: Int) -> String {
        if size >= 1 << 30, size % (1 << 30) == 0 { return "\(size >> 30) GiB" }
        if size >= 1 << 20, size % (1 << 20) == 0 { return "\(size >> 20) MiB" }
        if size >= 1 << 10, size % (1 << 10) == 0 { return "\(size >> 10) KiB" }
        return "\(size) bytes"
    }

    /// Whether something exists at `path` (a dangling symbolic link counts: something is there).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The permission bits of `path` (`0o600`, …).
    public static func mode(_ path: String) throws(FileIOError) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileIOError("stat", path: path) }
        return info.st_mode & 0o7777
    }

    /// Replaces `path` atomically with `bytes`.
    ///
    /// The new content goes to a temp file `.<name>.rekey-XXXXXX` created with mode 0600 in the same
    /// directory (and `flock`ed while it exists, so that ``removeStaleTemporaries(of:olderThan:)`` can tell a
    /// live one from one a killed process left), is fsynced, takes the mode and owner of the file it replaces
    /// (or `newFileMode` when there is none), is renamed over `path`, and the directory is fsynced. On any
    /// failure the temp file is removed and `path` is untouched. After the rename, stale temp files of
    /// `path` older than this write are removed.
    ///
    /// Only a regular file is replaced: a symbolic link, a directory, a device, a FIFO or a socket at `path`
    /// is refused and left as it is (rename would replace the link or the device node itself).
    ///
    /// - Parameters:
    ///   - bytes: The complete new content.
    ///   - path: The file to replace or create.
    ///   - newFileMode: Mode for a file that does not exist yet.
    public static func writeAtomically(
        _ bytes: [UInt8],
        to path: String,
        newFileMode: mode_t = 0o600
    ) throws(FileIOError) {
        var existing = stat()
        let hasExisting = lstat(path, &existing) == 0
        if hasExisting, FileKind(mode: existing.st_mode) != .regular {
            throw FileIOError("replace", path: path, problem: .notRegular(FileKind(mode: existing.st_mode)))
        }
        let directory = parentDirectory(of: path)
        let temporary = try makeTemporary(nextTo: path)
        let fd = temporary.fd
        let tempPath = temporary.path
        var renamed = false
        // The descriptor (and its flock) stays open until the temp file's name is gone: renamed or removed.
        defer {
            if !renamed { unlink(tempPath) }
            close(fd)
        }
        // mkstemp creates 0600 already; be explicit so an odd umask can't widen it.
        guard fchmod(fd, 0o600) == 0 else { throw FileIOError("chmod", path: tempPath) }
        try writeAll(fd, bytes, path: tempPath)
        if hasExisting {
            // Keep the owner where we may (root editing another user's file); ignore EPERM otherwise.
            _ = fchown(fd, existing.st_uid, existing.st_gid)
            guard fchmod(fd, existing.st_mode & 0o7777) == 0 else { throw FileIOError("chmod", path: tempPath) }
        } else if newFileMode != 0o600 {
            guard fchmod(fd, newFileMode) == 0 else { throw FileIOError("chmod", path: tempPath) }
        }
        guard fsync(fd) == 0 else { throw FileIOError("fsync", path: tempPath) }
        FileFaults.reachBeforeRename()
        guard rename(tempPath, path) == 0 else { throw FileIOError("rename", path: path) }
        renamed = true
        try fsyncDirectory(directory)
        removeStaleTemporaries(of: path, olderThan: temporary.created)
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and `EINTR`.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileIOError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("write", path: path)
            }
            offset += n
        }
    }

    /// Fsyncs a directory so that a rename or a file creation in it is durable.
    public static func fsyncDirectory(_ directory: String) throws(FileIOError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open directory", path: directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileIOError("fsync directory", path: directory) }
    }

    /// Creates a directory (and its parents) with `mode` if it does not exist.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(FileIOError) {
        if isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path, !isDirectory(parent) { try makeDirectory(parent, mode: mode) }
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw FileIOError("mkdir", path: path) }
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) throws(FileIOError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileIOError("unlink", path: path) }
    }

    /// The directory part of `path` (`.` for a bare name).
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    public static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Resolves `path` against `directory` unless it is absolute.
    public static func resolve(_ path: String, relativeTo directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if directory == "." || directory.isEmpty { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    /// The current working directory.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Makes `path` absolute against the current directory.
    public static func absolute(_ path: String) -> String {
        resolve(path, relativeTo: currentDirectory())
    }
}
