import Foundation
import RekeyCore
import RekeyPlatforms
import Synchronization

/// Injected platform faults for the sandbox (a testing aid): latency, errors per operation, HTTP 429
/// with `Retry-After`, 5xx, dropped connections, timeouts, and responses lost *after* the change was
/// applied.
///
/// Configured with `REKEY_SANDBOX_FAULTS`, e.g. `rate=0.2,seed=7,latency=5ms,kinds=429+503+lost,ops=createKey`:
/// - `rate`: probability (0…1) that an operation fails;
/// - `seed`: makes the sequence of faults reproducible;
/// - `latency`: added to every operation (`20ms`, `0.5s`); a served sandbox adds it once per HTTP request;
/// - `kinds`: any of `429`, `500`, `502`, `503`, `reset`, `timeout`, `lost` (default: all of these), and
///   `400` (a non-retryable refusal);
/// - `ops`: operation names to affect (`listKeys`, `createKey`, `promoteSigningKey`, `deleteKey`,
///   `listApps`, `resyncApp`, `inspect`, …; default: all);
/// - `stall`: how long a `timeout` fault keeps a served request waiting before dropping it (default 35s,
///   past a client's usual request timeout).
///
/// In-process, every fault is a ``PlatformError``. Over HTTP (`rekey sandbox serve`) each kind is what a
/// client would see on the wire: the status codes themselves (429 with `Retry-After`, 500, 502, 503,
/// 400), a connection closed without a response (`reset`), a request that hangs past the client's
/// timeout and is then dropped (`timeout`), and a change applied whose response never comes (`lost`).
///
/// Every injected fault is appended to `<state>.faults.log` (operation and kind, never a key).
public final class SandboxFaults: Sendable {
    /// One kind of fault.
    public enum Kind: String, Sendable, CaseIterable {
        /// A non-retryable refusal (not in the default mix; name it in `kinds` to use it).
        case badRequest = "400"
        case tooManyRequests = "429"
        case internalError = "500"
        case badGateway = "502"
        case unavailable = "503"
        case reset
        case timeout
        case lost
    }

    /// The parsed configuration.
    public struct Profile: Sendable, Equatable {
        public var rate: Double
        public var seed: UInt64
        public var latency: Double
        public var kinds: [Kind]
        public var operations: Set<String>?
        public var stall: Double = 35

        public init(
            rate: Double,
            seed: UInt64 = 1,
            latency: Double = 0,
            kinds: [Kind] = Kind.allCases.filter { $0 != .badRequest },
            operations: Set<String>? = nil
        ) {
            self.rate = rate
            self.seed = seed
            self.latency = latency
            self.kinds = kinds
            self.operations = operations
        }

        /// Parses the `REKEY_SANDBOX_FAULTS` syntax.
        public init(parsing text: String) throws(SandboxError) {
            self.init(rate: 0)
            for field in text.split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1).map {
                    String($0).trimmingCharacters(in: .whitespaces)
                }
                guard parts.count == 2 else { throw Self.syntax(text) }
                switch parts[0] {
                case "rate":
                    guard let value = Double(parts[1]), (0...1).contains(value) else { throw Self.syntax(text) }
                    rate = value
                case "seed":
                    guard let value = UInt64(parts[1]) else { throw Self.syntax(text) }
                    seed = value
                case "latency":
                    guard let value = try? DurationParser.parse(parts[1]) else { throw Self.syntax(text) }
                    latency = value
                case "kinds":
                    kinds = try parts[1].split(separator: "+").map { name throws(SandboxError) in
                        guard let kind = Kind(rawValue: String(name)) else { throw Self.syntax(text) }
                        return kind
                    }
                case "ops":
                    operations = Set(parts[1].split(separator: "+").map(String.init))
                case "stall":
                    guard let value = try? DurationParser.parse(parts[1]), value >= 0 else { throw Self.syntax(text) }
                    stall = value
                default:
                    throw Self.syntax(text)
                }
            }
        }

        static func syntax(_ text: String) -> SandboxError {
            .invalidArgument(
                "REKEY_SANDBOX_FAULTS='\(text)' is not a fault profile; use e.g. "
                    + "rate=0.2,seed=7,latency=5ms,kinds=429+500+502+503+reset+timeout+lost,ops=createKey+deleteKey,"
                    + "stall=35s"
            )
        }
    }

    /// The configuration.
    public let profile: Profile
    private let logPath: String?
    private let generator: Mutex<UInt64>
    private let pendingLoss: Mutex<Set<String>>
    private let injected = Atomic<Int>(0)

    /// Creates the fault injector; `logPath` receives one line per injected fault.
    public init(profile: Profile, logPath: String?) {
        self.profile = profile
        self.logPath = logPath
        self.generator = Mutex(profile.seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        self.pendingLoss = Mutex([])
    }

    /// The profile in `environment["REKEY_SANDBOX_FAULTS"]`, if any, logging next to `statePath`.
    public static func fromEnvironment(_ environment: [String: String], statePath: String) throws -> SandboxFaults? {
        guard let text = environment["REKEY_SANDBOX_FAULTS"], !text.isEmpty else { return nil }
        return SandboxFaults(profile: try Profile(parsing: text), logPath: statePath + ".faults.log")
    }

    /// How many faults were injected by this instance.
    public var count: Int { injected.load(ordering: .relaxed) }

    /// The interceptor to run before each operation.
    public var before: SandboxStore.Interceptor {
        { [self] operation in try await self.beforeOperation(operation, latency: true) }
    }

    /// The interceptor for a served sandbox, which adds the latency once per HTTP request instead
    /// (``SandboxServer/init(store:port:transport:log:latency:)``): only faults.
    public var faultsOnly: SandboxStore.Interceptor {
        { [self] operation in try await self.beforeOperation(operation, latency: false) }
    }

    /// The hook to run after a mutation was saved (lost responses).
    public var after: SandboxStore.Interceptor {
        { [self] operation in try self.afterOperation(operation) }
    }

    /// Decides the fault (if any) for one operation; exposed for the HTTP server, which turns kinds
    /// into status codes and dropped connections.
    public func draw(for operation: SandboxOperation) -> Kind? {
        guard profile.rate > 0, profile.operations?.contains(operation.name) ?? true else { return nil }
        let (roll, pick) = generator.withLock { state -> (Double, UInt64) in
            (Double(Self.next(&state) >> 11) / Double(1 << 53), Self.next(&state))
        }
        guard roll < profile.rate else { return nil }
        let kinds = operation.isMutation ? profile.kinds : profile.kinds.filter { $0 != .lost }
        guard !kinds.isEmpty else { return nil }
        return kinds[Int(pick % UInt64(kinds.count))]
    }

    private func beforeOperation(_ operation: SandboxOperation, latency: Bool) async throws {
        if latency, profile.latency > 0 {
            try await Task.sleep(nanoseconds: DurationParser.nanoseconds(profile.latency))
        }
        guard let kind = draw(for: operation) else { return }
        record(kind, operation)
        switch kind {
        case .badRequest:
            throw PlatformError.rejected("HTTP 400: the sandbox refused \(operation.name) (sandbox fault)")
        case .tooManyRequests:
            throw PlatformError.rateLimited("HTTP 429 Too Many Requests (sandbox fault)", retryAfter: 0.02)
        case .internalError, .badGateway, .unavailable:
            throw PlatformError.transient("HTTP \(kind.rawValue) (sandbox fault)")
        case .reset:
            throw PlatformError.transient("connection reset by peer (sandbox fault)")
        case .timeout:
            try await Task.sleep(nanoseconds: 20_000_000)
            throw PlatformError.transient("request timed out (sandbox fault)")
        case .lost:
            // Applied now, reported lost once it is saved.
            _ = pendingLoss.withLock { $0.insert(operation.name) }
        }
    }

    private func afterOperation(_ operation: SandboxOperation) throws {
        let lost = pendingLoss.withLock { $0.remove(operation.name) != nil }
        if lost {
            Self.wire?.set(.lost)
            throw PlatformError.transient("the response was lost after the change was applied (sandbox fault)")
        }
    }

    private func record(_ kind: Kind, _ operation: SandboxOperation) {
        Self.wire?.set(kind)
        injected.wrappingAdd(1, ordering: .relaxed)
        guard let logPath else { return }
        let line = "\(Timestamp.now()) \(operation.name) \(kind.rawValue)\n"
        let fd = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        try? FileIO.writeAll(fd, Array(line.utf8), path: logPath)
    }

    // MARK: - Over HTTP

    /// The fault injected while serving one request, for the server to act it out on the wire.
    public final class WireFault: Sendable {
        private let kind = Mutex<Kind?>(nil)
        public init() {}
        func set(_ value: Kind) { kind.withLock { $0 = value } }
        /// The injected fault, if any.
        public var injected: Kind? { kind.withLock { $0 } }
    }

    /// Set by the server around each request it handles.
    @TaskLocal public static var wire: WireFault?

    /// The HTTP behaviour of an injected fault: a status code, a connection dropped, or a stall.
    public func response(for kind: Kind, default response: HTTPResponse) async -> HTTPResponse {
        switch kind {
        case .badRequest, .tooManyRequests:
            return response
        case .internalError, .badGateway, .unavailable:
            var changed = response
            changed.status = Int(kind.rawValue) ?? 503
            return changed
        case .reset, .lost:
            return HTTPResponse(status: HTTPResponse.dropConnection)
        case .timeout:
            try? await Task.sleep(nanoseconds: DurationParser.nanoseconds(profile.stall))
            return HTTPResponse(status: HTTPResponse.dropConnection)
        }
    }

    private static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
