import Foundation
import RekeyCore
import RekeySandbox
import Synchronization
import Testing

@testable import RekeyPlatforms

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// rekey's own HTTP/1.1 exchange for `http://` on the loopback interface, against a real server and
/// against canned bytes.
@Suite struct LoopbackTransportTests {
    /// Accepts one connection, reads the request head, answers `response` (or nothing), and closes.
    final class CannedServer: Sendable {
        let port: UInt16
        private let listener: Int32
        private let listenerOpen = Mutex(true)

        init(response: [UInt8]?, holdOpen: Double = 0) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(bound == 0 && listen(fd, 4) == 0)
            var actual = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &actual) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            port = UInt16(bigEndian: actual.sin_port)
            listener = fd
            let thread = Thread { [self] in
                // Only this thread closes the listener, under the lock stop() shuts it down with: the
                // descriptor number, once closed, may be another test's socket.
                defer {
                    self.listenerOpen.withLock { open in
                        close(fd)
                        open = false
                    }
                }
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return }
                var head = [UInt8]()
                var byte: UInt8 = 0
                while recv(connection, &byte, 1, 0) == 1 {
                    head.append(byte)
                    if head.suffix(4) == [13, 10, 13, 10] { break }
                }
                if let response {
                    _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                if holdOpen > 0 { usleep(UInt32(holdOpen * 1_000_000)) }
                close(connection)
            }
            thread.start()
        }

        var url: URL { URL(string: "http://127.0.0.1:\(port)/x")! }

        /// Stops listening at once (connections are refused from here on); the thread closes the socket.
        func stop() {
            listenerOpen.withLock { open in
                if open { _ = shutdown(listener, Int32(SHUT_RDWR)) }
            }
        }
    }

    /// A transport whose fallback must not be used.
    static let transport = LoopbackTransport.make { request in
        Issue.record("\(request) went to the fallback")
        return HTTPResponse(status: 599)
    }

    @Test func exchangesRequestsAndResponsesWithARealServer() async throws {
        let server = try HTTPServer { request in
            let echo: JSONValue = [
                "method": .string(request.method),
                "path": .string(request.url.path),
                "query": .string(request.url.query ?? ""),
                "header": .string(request.headers["X-Test"] ?? ""),
                "body": .number(Double(request.body.count)),
            ]
            return HTTPResponse(status: 201, headers: ["X-Answer": "42"], body: Array(echo.serialized().utf8))
        }
        defer { server.stop() }
        let body = [UInt8](repeating: 7, count: 1_500_000)
        let request = HTTPRequest(
            method: "POST",
            url: URL(string: server.url.absoluteString + "/v2/keys%2Fsigning?cursor=a%20b&limit=2")!,
            headers: ["X-Test": "yes", "Authorization": "Bearer t"],
            body: body
        )
        let response = try await Self.transport(request)
        #expect(response.status == 201)
        #expect(response.headers["x-answer"] == "42")
        let echo = try #require(response.json)
        #expect(echo["method"] == "POST")
        #expect(echo["path"] == "/v2/keys/signing")
        #expect(echo["query"] == "cursor=a%20b&limit=2", "the query goes as given, percent-encoded")
        #expect(echo["header"] == "yes")
        #expect(echo["body"] == .number(Double(body.count)))
    }

    @Test func readsALargeBodyByItsLength() async throws {
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 3_000_000)
        let server = try HTTPServer { _ in HTTPResponse(status: 200, body: payload) }
        defer { server.stop() }
        let response = try await Self.transport(HTTPRequest(method: "GET", url: server.url))
        #expect(response.body == payload)
    }

    @Test(arguments: [
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n",
            200, "hello, world"
        ),
        ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", 200, "until the end"),
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", 404, "nope"),
        ("HTTP/1.0 204 No Content\r\n\r\n", 204, ""),
    ])
    func readsEveryWayAResponseEnds(raw: String, status: Int, body: String) async throws {
        let server = try CannedServer(response: Array(raw.utf8))
        defer { server.stop() }
        let response = try await Self.transport(HTTPRequest(method: "GET", url: server.url))
        #expect(response.status == status)
        #expect(String(decoding: response.body, as: UTF8.self) == body)
    }

    @Test(arguments: ["garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"])
    func refusesAMalformedOrCutResponse(raw: String) async throws {
        let server = try CannedServer(response: Array(raw.utf8))
        defer { server.stop() }
        await #expect(throws: URLError.self) {
            _ = try await Self.transport(HTTPRequest(method: "GET", url: server.url))
        }
    }

    @Test func aRefusedConnectionIsATransientPlatformError() async throws {
        // A port nobody listens on: bind one, then close it.
        let server = try CannedServer(response: nil)
        server.stop()
        let client = HTTPClient(transport: Self.transport)
        await #expect {
            _ = try await client.send(
                HTTPRequest(method: "GET", url: server.url, headers: ["Authorization": "Bearer s3cr3t"]))
        } throws: { error in
            guard case .transient(let message, _)? = error as? PlatformError else { return false }
            return message.contains("connection refused") && !message.contains("s3cr3t")
        }
    }

    @Test func givesUpAtTheRequestTimeout() async throws {
        // The server would hold the connection for 60 s and then close it (a lost connection, not a time-out).
        let server = try CannedServer(response: nil, holdOpen: 60)
        defer { server.stop() }
        await #expect {
            _ = try await Self.transport(HTTPRequest(method: "GET", url: server.url, timeout: 0.3))
        } throws: { error in
            (error as? URLError)?.code == .timedOut
        }
    }

    @Test func aCancelledRequestStopsAtOnce() async throws {
        // Without the cancellation, the exchange would end only when the server closes, 60 s later.
        let server = try CannedServer(response: nil, holdOpen: 60)
        defer { server.stop() }
        let task = Task { try await Self.transport(HTTPRequest(method: "GET", url: server.url)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test(arguments: [
        ("https://127.0.0.1:1/x", true), ("http://10.0.0.1:8288/x", true), ("http://localhost.example.com/x", true),
        ("http://127.0.0.1:9/x", false), ("http://localhost:9/x", false), ("http://[::1]:9/x", false),
    ])
    func handlesOnlyPlainHTTPToLoopback(url: String, fallback: Bool) async {
        let used = LockedFlag()
        let transport = LoopbackTransport.make { _ in
            used.set()
            return HTTPResponse(status: 200)
        }
        _ = try? await transport(HTTPRequest(method: "GET", url: URL(string: url)!, timeout: 1))
        #expect(used.value == fallback)
    }

    final class LockedFlag: @unchecked Sendable {
        // Invariant: `flag` is only touched under `lock`.
        private let lock = NSLock()
        private var flag = false
        func set() { lock.withLock { flag = true } }
        var value: Bool { lock.withLock { flag } }
    }
}
