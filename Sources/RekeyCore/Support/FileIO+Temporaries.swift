#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// rekey's temporary files: `.<name>.rekey-XXXXXX` next to the file `<name>` they will replace (X: six
/// letters or digits), mode 0600, holding the new content, keys included.
///
/// A writer holds an exclusive `flock` on its temporary file from the moment it exists until its name is
/// gone (renamed into place, or removed on failure). A process killed in between leaves the file behind,
/// unlocked: that is how a sweep tells a stale temporary file from a live one.
extension FileIO {
    /// The marker between a file's name and the random suffix of its temporary files.
    static let temporaryMarker = ".rekey-"
    private static let temporaryAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A new temporary file next to `path`: created exclusively (never following a link), mode 0600,
    /// close-on-exec, and locked.
    ///
    /// - Returns: Its descriptor, path and creation time (its `st_mtim`).
    static func makeTemporary(nextTo path: String) throws(FileIOError) -> (fd: Int32, path: String, created: timespec) {
        let directory = parentDirectory(of: path)
        let prefix = "\(directory)/.\(baseName(of: path))\(temporaryMarker)"
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let suffix = (0..<6).map { _ in temporaryAlphabet.randomElement(using: &generator)! }
            let candidate = prefix + String(decoding: suffix, as: UTF8.self)
            let fd = open(candidate, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0 {
                if errno == EEXIST || errno == EINTR { continue }
                throw FileIOError("create temp file in", path: directory)
            }
            // A sweep may have taken the file between its creation and this lock (it was not locked yet):
            // then it is unlinked, and this writer starts again with another name.
            var info = stat()
            guard flock(fd, LOCK_EX) == 0, fstat(fd, &info) == 0 else {
                let error = FileIOError("lock temp file", path: candidate)
                close(fd)
                unlink(candidate)
                throw error
            }
            if info.st_nlink == 0 {
                close(fd)
                continue
            }
            return (fd, candidate, info.st_mtim)
        }
        throw FileIOError("create temp file in", path: directory, code: EEXIST)
    }

    /// Whether `name` is a temporary file name of the file named `base`: `.<base>.rekey-XXXXXX` exactly.
    static func isTemporaryName(_ name: String, of base: String) -> Bool {
        let prefix = "." + base + temporaryMarker
        guard name.hasPrefix(prefix) else { return false }
        let suffix = name.utf8.dropFirst(prefix.utf8.count)
        return suffix.count == 6 && suffix.allSatisfy { temporaryAlphabet.contains($0) }
    }

    /// Removes the temporary files a killed rekey left next to `path`.
    ///
    /// A file is removed only if its name is exactly rekey's pattern for `path`, it is a regular file (not a
    /// link, not a directory) owned by this user, it was last modified before `cutoff` (default: now), and
    /// no live writer holds its lock. Anything else next to `path` is left alone. Errors are ignored: a
    /// sweep is cleanup, never a reason to stop.
    ///
    /// - Parameters:
    ///   - path: The file whose temporary files to look for (a dotenv target, a state file, a journal).
    ///   - cutoff: Only files modified strictly before this instant are candidates.
    /// - Returns: How many files were removed.
    @discardableResult
    public static func removeStaleTemporaries(of path: String, olderThan cutoff: timespec? = nil) -> Int {
        let directory = parentDirectory(of: path)
        let base = baseName(of: path)
        var limit = cutoff ?? timespec()
        if cutoff == nil { clock_gettime(CLOCK_REALTIME, &limit) }
        guard let stream = opendir(directory) else { return 0 }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if isTemporaryName(name, of: base) { names.append(name) }
        }
        closedir(stream)
        var removed = 0
        for name in names where removeIfStale(directory + "/" + name, olderThan: limit) { removed += 1 }
        return removed
    }

    private static func removeIfStale(_ candidate: String, olderThan cutoff: timespec) -> Bool {
        let fd = open(candidate, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, FileKind(mode: info.st_mode) == .regular, info.st_uid == geteuid(),
            info.st_mtim.tv_sec < cutoff.tv_sec
                || (info.st_mtim.tv_sec == cutoff.tv_sec && info.st_mtim.tv_nsec < cutoff.tv_nsec),
            flock(fd, LOCK_EX | LOCK_NB) == 0
        else { return false }
        // Still the file just checked (not swapped for another one under the same name).
        var named = stat()
        guard lstat(candidate, &named) == 0, named.st_dev == info.st_dev, named.st_ino == info.st_ino else {
            return false
        }
        return unlink(candidate) == 0
    }
}
