#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which file a descriptor or a path is: its device and inode, the same through every name (a hard
/// link) of the file.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    /// The identity in an `fstat` or `lstat` result.
    public init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// The identity of the open file `fd`, or `nil` when `fstat` fails.
    public init?(descriptor fd: Int32) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        self.init(info)
    }

    /// The device's major and minor numbers, as Linux encodes them in a `dev_t` (`/proc/locks` shows them).
    var deviceNumbers: (major: UInt64, minor: UInt64) {
        ((device >> 8) & 0xFFF | (device >> 32) & ~0xFFF, (device & 0xFF) | (device >> 12) & ~0xFF)
    }
}
