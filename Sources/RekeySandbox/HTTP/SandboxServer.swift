import Foundation
import RekeyCore
import RekeyCrypto
import RekeyPlatforms

/// A sandbox served over HTTP on 127.0.0.1 (``SandboxAPI`` behind an ``HTTPServer``): what
/// `rekey sandbox serve` runs, and what tests start in process.
public final class SandboxServer: Sendable {
    /// The API answering requests.
    public let api: SandboxAPI
    private let server: HTTPServer

    /// `http://127.0.0.1:<port>`.
    public var url: URL { server.url }

    /// The port listened on.
    public var port: UInt16 { server.port }

    /// Starts serving `store` on `127.0.0.1:port` (0: a free port).
    ///
    /// - Parameters:
    ///   - store: The sandbox state.
    ///   - port: The port, 0 for any free one.
    ///   - transport: How resyncs reach apps.
    ///   - log: One line per request and notable event (no secrets).
    ///   - latency: Seconds added to every request before it is answered, as a remote platform's round
    ///     trip would (requests wait concurrently, so latencies overlap as they do over a network).
    /// - Throws: ``HTTPServer/Error`` when the port can't be bound.
    public init(
        store: SandboxStore,
        port: UInt16 = 0,
        transport: @escaping HTTPTransport = URLSessionTransport.make(),
        log: @escaping @Sendable (String) -> Void = { _ in },
        latency: Double = 0,
        faults: SandboxFaults? = nil
    ) throws {
        let api = SandboxAPI(store: store, transport: transport, log: log)
        self.api = api
        let delay = UInt64(max(0, latency) * 1_000_000_000)
        self.server = try HTTPServer(port: port) { request in
            if delay > 0 { try? await Task.sleep(nanoseconds: delay) }
            guard let faults else { return await api.handle(request) }
            // Faults the store injects while handling this request are acted out on the wire.
            let wire = SandboxFaults.WireFault()
            let response = await SandboxFaults.$wire.withValue(wire) { await api.handle(request) }
            guard let kind = wire.injected else { return response }
            log("fault: \(kind.rawValue) on \(request.method) \(request.url.path)")
            return await faults.response(for: kind, default: response)
        }
    }

    /// Stops listening.
    public func stop() {
        server.stop()
    }

    /// Gives the state an API key and a session token if it has none, so that clients can authenticate.
    ///
    /// - Returns: Whether the state was changed.
    @discardableResult
    public static func ensureCredentials(in store: SandboxStore) async throws -> Bool {
        try await store.mutate("ensureCredentials") { state in
            var changed = false
            if state.apiKey == nil {
                state.apiKey = Secret("sk-inn-api-" + SecureRandom.hex(24))
                changed = true
            }
            if state.sessionToken == nil {
                state.sessionToken = Secret("sandbox-session-" + SecureRandom.hex(24))
                changed = true
            }
            return changed
        }
    }
}
