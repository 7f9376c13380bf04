#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A named instant at which a test can make the process die (a testing aid).
///
/// Set `REKEY_FAULT_POINT` to one of the forms below and rekey kills itself with SIGKILL when it
/// reaches that point, exactly as a power cut or `kill -9` would:
/// - `before-record:N` / `after-record:N`: before journal record N is written, or right after it is
///   durable;
/// - `before-effect:STEP/ITEM` / `after-effect:STEP/ITEM`: right before or right after the side effect
///   of ITEM in STEP (e.g. `after-effect:create-event-keys/ek_1a2b`), while its outcome is not yet
///   journaled.
///
/// - `before-rename:N`: right before the N-th file replacement of the process (a dotenv target, the
///   sandbox's state; counting from 1) renames its complete temporary file into place (see ``FileFaults``).
///
/// `disk-full:N` does not kill: from record N on, every journal write fails with ENOSPC, as on a full
/// disk, and the run must stop before any side effect whose intent could not be recorded.
public enum FaultPoint: Sendable, Hashable, CustomStringConvertible {
    case beforeRecord(Int)
    case afterRecord(Int)
    case beforeEffect(step: StepID, item: String)
    case afterEffect(step: StepID, item: String)
    /// The journal is about to write records up to and including this seq (checked by `disk-full:N`).
    case journalWrite(throughSeq: Int)
    /// The N-th file replacement of the process is about to rename its temporary file (1-based).
    case beforeRename(Int)

    /// Parses the `REKEY_FAULT_POINT` syntax.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "before-record", "after-record":
            guard let n = Int(parts[1]), n >= 0 else { return nil }
            self = parts[0] == "before-record" ? .beforeRecord(n) : .afterRecord(n)
        case "disk-full":
            guard let n = Int(parts[1]), n >= 0 else { return nil }
            self = .journalWrite(throughSeq: n)
        case "before-rename":
            guard let n = Int(parts[1]), n >= 1 else { return nil }
            self = .beforeRename(n)
        case "before-effect", "after-effect":
            let target = parts[1].split(separator: "/", maxSplits: 1).map(String.init)
            guard target.count == 2 else { return nil }
            guard let step = StepID(target[0]) else { return nil }
            self =
                parts[0] == "before-effect"
                ? .beforeEffect(step: step, item: target[1]) : .afterEffect(step: step, item: target[1])
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .beforeRecord(let n): "before-record:\(n)"
        case .afterRecord(let n): "after-record:\(n)"
        case .beforeEffect(let step, let item): "before-effect:\(step)/\(item)"
        case .afterEffect(let step, let item): "after-effect:\(step)/\(item)"
        case .journalWrite(let seq): "disk-full:\(seq)"
        case .beforeRename(let n): "before-rename:\(n)"
        }
    }
}

/// Decides what happens at each fault point: nothing (production), die (`REKEY_FAULT_POINT`), or a
/// test's own action (throwing ``SimulatedCrash`` to abandon a run in-process).
public struct FaultInjector: Sendable {
    private let handler: @Sendable (FaultPoint) throws -> Void

    /// An injector that calls `handler` at every fault point.
    public init(_ handler: @escaping @Sendable (FaultPoint) throws -> Void) {
        self.handler = handler
    }

    /// No faults.
    public static let none = FaultInjector { _ in }

    /// Kills the process with SIGKILL at `point`.
    public static func kill(at point: FaultPoint) -> FaultInjector {
        FaultInjector { reached in
            if reached == point {
                Glibc.kill(getpid(), SIGKILL)
            }
        }
    }

    /// Makes journal writes that include record `full` or later fail with ENOSPC.
    public static func diskFull(fromRecord full: Int) -> FaultInjector {
        FaultInjector { reached in
            if case .journalWrite(let seq) = reached, seq >= full {
                throw FileIOError("write", path: "journal", code: ENOSPC)
            }
        }
    }

    /// Reads `REKEY_FAULT_POINT` from `environment`; no variable means no faults.
    /// - Throws: A description of the accepted syntax when the variable is malformed.
    public static func fromEnvironment(_ environment: [String: String]) throws -> FaultInjector {
        guard let text = environment["REKEY_FAULT_POINT"], !text.isEmpty else { return .none }
        guard let point = FaultPoint(parsing: text) else {
            throw FaultPointSyntaxError(text: text)
        }
        if case .journalWrite(let full) = point { return .diskFull(fromRecord: full) }
        if case .beforeRename(let replacement) = point {
            // Inside FileIO, which no injector reaches: a process-wide point.
            FileFaults.killBeforeRename(replacement)
            return .none
        }
        return .kill(at: point)
    }

    /// Called by the journal and the executor at each point.
    public func reach(_ point: FaultPoint) throws {
        try handler(point)
    }
}

/// `REKEY_FAULT_POINT` is malformed.
public struct FaultPointSyntaxError: Error, CustomStringConvertible {
    public var text: String
    public var description: String {
        "REKEY_FAULT_POINT='\(text)' is not a fault point; use before-record:N, after-record:N, "
            + "before-effect:STEP/ITEM, after-effect:STEP/ITEM, before-rename:N or disk-full:N"
    }
}

/// Thrown by test fault handlers to abandon a run in-process as if the process had died.
public struct SimulatedCrash: Error, Sendable, Equatable {
    public var point: FaultPoint
    public init(point: FaultPoint) { self.point = point }
}
