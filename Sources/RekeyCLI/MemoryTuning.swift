#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Keeps glibc's allocator from holding on to memory the process no longer uses.
///
/// A rotation's HTTP exchanges run on short-lived threads and read listings of hundreds of kilobytes.
/// By default glibc gives threads up to eight arenas per core and, after the first large block is freed,
/// raises its `mmap` threshold so that later large blocks come from those arenas and stay resident:
/// the peak resident set of a 200-app, 1,000-key rotation was half arena slack. Two arenas, large blocks
/// always mapped (and unmapped when freed), and trimming above 128 KiB keep it near what is in use.
/// (`mallopt` is not in Swift's Glibc module; it is looked up at run time, and absent elsewhere.)
enum MemoryTuning {
    /// The commands that talk to a platform for long (others, such as `status` reading a long journal on
    /// every core, are better served by glibc's defaults).
    static let commands: Set<String> = ["run", "resume", "abort", "demo", "sandbox serve"]

    /// Applies the settings once, at start-up.
    static func apply() {
        #if canImport(Glibc)
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            // The parameter numbers of glibc's <malloc.h>.
            let trimThreshold: Int32 = -1
            let mmapThreshold: Int32 = -3
            let arenaMax: Int32 = -8
            _ = mallopt(arenaMax, 2)
            _ = mallopt(mmapThreshold, 128 * 1024)
            _ = mallopt(trimThreshold, 128 * 1024)
        #endif
    }
}
