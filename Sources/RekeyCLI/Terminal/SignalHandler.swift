import Dispatch
import RekeyCore
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT and SIGTERM during a run: the first asks the run to stop gracefully (in-flight items finish
/// and are journaled, then exit 130); a second SIGINT exits at once, which is still safe because every
/// side effect's intent is already durable. A closed standard output (its reader went away) counts as a
/// first stop request, said on standard error.
final class SignalHandler: Sendable {
    /// The stop token the run watches.
    let token = StopToken()
    private let count = Atomic<Int>(0)
    private let prompting = Atomic<Bool>(false)
    // Dispatch sources must stay alive as long as the process handles the signals.
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    /// Installs handlers for SIGINT and SIGTERM, reporting on `terminal`'s standard error.
    init(terminal: Terminal) {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                let seen = count.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                if seen > 1 || prompting.load(ordering: .sequentiallyConsistent) {
                    terminal.err.line("\ninterrupted; the journal is consistent: run 'rekey resume' to continue")
                    _exit(130)
                }
                token.request()
                terminal.err.line(
                    "\nstopping: waiting for in-flight actions to finish and be journaled "
                        + "(press Ctrl-C again to exit at once; that is safe too)"
                )
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
        ClosedOutput.onClose { [self] in
            count.wrappingAdd(1, ordering: .sequentiallyConsistent)
            token.request()
            terminal.err.line(
                "\nstopping: standard output was closed (whatever read it went away); waiting for in-flight actions "
                    + "to finish and be journaled, then 'rekey resume' continues"
            )
        }
    }

    /// Runs `body` (a blocking prompt) so that Ctrl-C exits at once instead of waiting for the answer.
    func whilePrompting<R>(_ body: () throws -> R) rethrows -> R {
        prompting.store(true, ordering: .sequentiallyConsistent)
        defer { prompting.store(false, ordering: .sequentiallyConsistent) }
        return try body()
    }
}
