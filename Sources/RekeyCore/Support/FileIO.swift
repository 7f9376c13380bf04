#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Errors from the POSIX file helpers. Descriptions name the path and the system error.
public struct FileIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done (`open`, `write`, `fsync`, `rename`, …).
    public var operation: String
    /// The path involved.
    public var path: String
    /// `errno` at the failure.
    public var code: Int32

    public init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// Whether the failure is "no such file or directory".
    public var isNotFound: Bool { code == ENOENT }

    public var description: String {
        "\(operation) '\(path)': \(String(cString: strerror(code)))"
    }
}

/// Durable file operations the POSIX way: temp file + `fsync` + `rename` + directory `fsync`.
///
/// `Data.write(options: .atomic)` neither fsyncs the directory nor keeps the file's mode, and
/// `FileManager.replaceItemAt` loses data on Linux in Swift 6.3.1; every file rekey owns or edits goes
/// through here instead.
public enum FileIO {
    /// Reads a whole file.
    public static func read(_ path: String) throws(FileIOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError("open", path: path) }
        defer { close(fd) }
        var result = [UInt8]()
        // One allocation for the whole file (a long journal is tens of megabytes); it may still grow.
        var info = stat()
        if fstat(fd, &info) == 0, info.st_size > 0 { result.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError("read", path: path)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// Reads a whole file as UTF-8 text (invalid sequences are replaced).
    public static func readText(_ path: String) throws(FileIOError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
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
    /// The new content goes to a temp file created with mode 0600 in the same directory, is fsynced,
    /// takes the mode and owner of the file it replaces (or `newFileMode` when there is none), is
    /// renamed over `path`, and the directory is fsynced. On any failure the temp file is removed and
    /// `path` is untouched.
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
        let hasExisting = stat(path, &existing) == 0
        let directory = parentDirectory(of: path)
        var template = Array("\(directory)/.\(baseName(of: path)).rekey-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileIOError("create temp file in", path: directory) }
        let tempPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer {
            if !renamed { unlink(tempPath) }
        }
        do {
            defer { close(fd) }
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
        }
        guard rename(tempPath, path) == 0 else { throw FileIOError("rename", path: path) }
        renamed = true
        try fsyncDirectory(directory)
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
