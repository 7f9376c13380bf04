import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fault point inside ``FileIO/writeAtomically(_:to:newFileMode:)`` (a testing aid, like
/// ``FaultInjector``): `REKEY_FAULT_POINT=before-rename:N` kills the process with SIGKILL right before the
/// N-th file replacement of the process (counting from 1) renames its complete, fsynced temporary file into
/// place, which leaves that temporary file behind exactly as a power cut or `kill -9` would.
///
/// File replacements happen deep inside targets and stores that know nothing of a run's injector, so the
/// point is process-wide: set once, when the command reads its environment.
public enum FileFaults {
    private static let state = Mutex<(replacements: Int, killAt: Int?)>((0, nil))

    /// Kills the process right before the `replacement`-th rename (1-based).
    public static func killBeforeRename(_ replacement: Int) {
        state.withLock { $0.killAt = replacement }
    }

    /// Called by ``FileIO/writeAtomically(_:to:newFileMode:)`` before each rename.
    static func reachBeforeRename() {
        let kill = state.withLock { state -> Bool in
            guard let killAt = state.killAt else { return false }
            state.replacements += 1
            return state.replacements == killAt
        }
        if kill { Glibc.kill(getpid(), SIGKILL) }
    }
}
