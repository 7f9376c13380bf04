import RekeyCore
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The state a ``SandboxStore`` (and its copies) last decoded or wrote, with the identity of the file it
/// came from, so that a state file that did not change is not decoded again.
///
/// Every writer replaces the state file by `rename` (``FileIO/writeAtomically(_:to:newFileMode:)``), so
/// any change gives the path a new file: another inode, and a new change time. A file whose device,
/// inode, size, modification and change times all match the cached ones holds the cached state. Decoding
/// a large state (thousands of keys) costs milliseconds, and a served sandbox reads it for every request.
final class SandboxStateCache: Sendable {
    /// What identifies one version of the state file.
    struct FileIdentity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: [Int]
        var changed: [Int]

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
            changed = [Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec)]
        }
    }

    private struct Entry: Sendable {
        var identity: FileIdentity
        var state: SandboxState
    }

    private let entry = Mutex<Entry?>(nil)

    init() {}

    /// The state in the file at `path`: the cached one when the file did not change, else decoded.
    ///
    /// - Throws: ``SandboxError/stateMissing(path:)``, ``SandboxError/io(_:)``, or what
    ///   ``SandboxState/decode(_:path:)`` throws.
    func load(_ path: String) throws(SandboxError) -> SandboxState {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let error = FileIOError("open", path: path)
            throw error.isNotFound ? .stateMissing(path: path) : .io(error)
        }
        defer { close(fd) }
        // The identity of the file we opened (not of the path, which a writer may replace meanwhile).
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(FileIOError("stat", path: path)) }
        let identity = FileIdentity(info)
        if let cached = entry.withLock({ $0 }), cached.identity == identity { return cached.state }
        let state = try SandboxState.decode(try Self.readAll(fd, path: path), path: path)
        entry.withLock { $0 = Entry(identity: identity, state: state) }
        return state
    }

    /// Records `state` as what the file at `path` now holds (after this process wrote it, under the lock).
    func remember(_ state: SandboxState, writtenTo path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            entry.withLock { $0 = nil }
            return
        }
        entry.withLock { $0 = Entry(identity: FileIdentity(info), state: state) }
    }

    private static func readAll(_ fd: Int32, path: String) throws(SandboxError) -> [UInt8] {
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(FileIOError("read", path: path))
            }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
        }
    }
}
