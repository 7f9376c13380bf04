import Synchronization

/// Standard output's reader went away (`rekey run … | head -1`, a CI step that stopped reading).
///
/// rekey ignores SIGPIPE, which would otherwise end it between two journal records with no word; a write
/// to a closed standard output fails with EPIPE instead, and the first such failure is reported here once.
/// A command running a rotation stops then as on a first Ctrl-C (see ``SignalHandler``); any other command
/// finishes its work, its output dropped.
enum ClosedOutput {
    private static let state = Mutex<(closed: Bool, handler: (@Sendable () -> Void)?)>((false, nil))

    /// Whether a write to standard output has failed with EPIPE.
    static var isClosed: Bool {
        state.withLock { $0.closed }
    }

    /// Calls `handler` once standard output is closed (at once if it already is).
    static func onClose(_ handler: @escaping @Sendable () -> Void) {
        let closed = state.withLock { state -> Bool in
            state.handler = handler
            return state.closed
        }
        if closed { handler() }
    }

    /// Records that standard output is closed; the handler runs on the first call only.
    static func report() {
        let handler = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.closed else { return nil }
            state.closed = true
            return state.handler
        }
        handler?()
    }
}
