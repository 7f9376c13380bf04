import Foundation
import RekeyCore
import RekeyPlatforms
import Testing

@testable import RekeySandbox

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The HTTP/1.1 server itself, over raw sockets.
@Suite struct HTTPServerTests {
    /// Sends raw bytes to the server and returns everything it answers.
    static func exchange(_ port: UInt16, _ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    static func echo() throws -> HTTPServer {
        try HTTPServer { request in
            HTTPResponse(
                status: 200,
                json: [
                    "method": .string(request.method), "path": .string(request.url.path),
                    "query": .string(request.url.query ?? ""),
                    "body": .string(String(decoding: request.body, as: UTF8.self)),
                    "header": .string(request.headers["x-test"] ?? ""),
                ]
            )
        }
    }

    @Test func answersThroughURLSession() async throws {
        let server = try Self.echo()
        defer { server.stop() }
        let response = try await URLSessionTransport.make()(
            HTTPRequest(
                method: "POST", url: URL(string: server.url.absoluteString + "/a/b?c=d")!, headers: ["X-Test": "yes"],
                body: Array("hello".utf8))
        )
        #expect(response.status == 200)
        #expect(response.json == ["method": "POST", "path": "/a/b", "query": "c=d", "body": "hello", "header": "yes"])
        #expect(response.headers["Connection"] == "close")
    }

    @Test func readsChunkedBodiesAndHonoursExpectContinue() throws {
        let server = try Self.echo()
        defer { server.stop() }
        let answer = try Self.exchange(
            server.port,
            "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
        #expect(answer.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"))
        #expect(answer.contains(#""body":"hello world""#))
    }

    @Test(arguments: [
        "GARBAGE\r\n\r\n", "GET /x HTTP/1.1\r\nno colon here\r\n\r\n", "GET /x HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    ])
    func answersMalformedRequestsWith400(text: String) throws {
        let server = try Self.echo()
        defer { server.stop() }
        #expect(try Self.exchange(server.port, text).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
    }

    @Test func servesARequestMadeWhileAnotherWaitsForIt() async throws {
        // A resync waits for the app, which calls the server back: connections must not serialise.
        let port = LockedPort()
        let server = try HTTPServer { request in
            if request.url.path == "/inner" { return HTTPResponse(status: 200, body: Array("inner".utf8)) }
            let inner = try? await URLSessionTransport.make()(
                HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port.value)/inner")!)
            )
            return HTTPResponse(status: 200, body: Array("outer+".utf8) + (inner?.body ?? []))
        }
        defer { server.stop() }
        port.value = server.port
        let response = try await URLSessionTransport.make()(
            HTTPRequest(method: "GET", url: server.url.appendingPathComponent("outer")))
        #expect(String(decoding: response.body, as: UTF8.self) == "outer+inner")
    }

    @Test func bindsOnlyTheLoopbackInterfaceAndReportsABusyPort() throws {
        let server = try Self.echo()
        defer { server.stop() }
        #expect(server.url.host == "127.0.0.1")
        #expect(throws: HTTPServer.Error.self) {
            _ = try HTTPServer(port: server.port) { _ in HTTPResponse(status: 200) }
        }
    }

    final class LockedPort: @unchecked Sendable {
        // Invariant: `stored` is only touched under `lock`.
        private let lock = NSLock()
        private var stored: UInt16 = 0
        var value: UInt16 {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}
