import Dispatch
import Foundation
import RekeyPlatforms
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small HTTP/1.1 server on POSIX sockets, bound to the loopback interface only.
///
/// One thread accepts; each connection gets a thread of its own (idle ones are reused), which reads one
/// request (`Content-Length` or chunked body, `Expect: 100-continue` honoured), runs the handler as a task,
/// writes the response
/// with `Connection: close` and closes. Blocking socket calls never run on Swift's cooperative threads,
/// and the handler may itself wait for another request to this server (a resync waits for the app, which
/// calls back `/fn/register`). Sockets time out after ``ioTimeout`` seconds of silence.
public final class HTTPServer: Sendable {
    /// Handles one request. Must not block a thread: it runs as a task.
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// Errors starting the server.
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        /// A socket call failed.
        case socket(String, code: Int32)

        public var description: String {
            switch self {
            case .socket(let call, let code):
                "can't listen: \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
                    + (code == EADDRINUSE ? "; choose another port" : "")
            }
        }
    }

    /// The largest request head (request line and headers) accepted.
    static let maximumHeadBytes = 64 * 1024
    /// The largest request body accepted.
    static let maximumBodyBytes = 16 * 1024 * 1024
    /// Seconds a connection may stay silent.
    static let ioTimeout = 30

    /// The port the server listens on.
    public let port: UInt16
    private let listener: Int32
    private let handler: Handler
    private let stopped = StopFlag()
    /// Whether `listener` is still open. Only the accept thread closes it, and ``stop()`` shuts it down
    /// only while it is open, both under this lock: a descriptor number closed here and reused by
    /// another socket of the process is never accepted on or shut down by this server.
    private let listenerOpen = Mutex(true)
    /// Connection threads, reused: a benchmark's fan-out opens thousands of connections.
    private let connections = ReusedThreads(name: "rekey-http-connection")

    /// `http://127.0.0.1:<port>`.
    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Binds `127.0.0.1:port` (0: any free port) and starts accepting.
    ///
    /// - Throws: ``Error`` when the port can't be bound.
    public init(port: UInt16 = 0, handler: @escaping Handler) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Error.socket("socket", code: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw Error.socket("bind 127.0.0.1:\(port)", code: code)
        }
        guard listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw Error.socket("listen", code: code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: actual.sin_port)
        self.listener = fd
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "rekey-http-accept"
        thread.start()
    }

    /// Stops accepting; connections in progress finish.
    public func stop() {
        guard stopped.set() else { return }
        // Wakes the accept thread, which closes the listener.
        listenerOpen.withLock { open in
            if open { _ = shutdown(listener, Int32(SHUT_RDWR)) }
        }
    }

    deinit { stop() }

    // MARK: - Connections

    private func acceptLoop() {
        defer {
            listenerOpen.withLock { open in
                close(listener)
                open = false
            }
        }
        while !stopped.isSet {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: Self.ioTimeout, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            connections.run { [self] in serve(connection) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var reader = SocketReader(fd: fd)
        let response: HTTPResponse
        do {
            let request = try reader.readRequest(port: port)
            response = run(request)
            // A handler that answers "drop" closes the connection without a response (an injected fault:
            // a reset connection, or a response lost after the change was applied).
            if response.status == HTTPResponse.dropConnection { return }
        } catch let error as RequestError {
            response = HTTPResponse(status: error.status, json: ["error": .string(error.message)])
        } catch {
            return
        }
        write(response, to: fd)
    }

    /// Runs the async handler from this (non-cooperative) thread and waits for its response.
    private func run(_ request: HTTPRequest) -> HTTPResponse {
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let handler = self.handler
        Task {
            box.response = await handler(request)
            done.signal()
        }
        done.wait()
        return box.response ?? HTTPResponse(status: 500)
    }

    private func write(_ response: HTTPResponse, to fd: Int32) {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        var headers = response.headers
        headers["Content-Length"] = String(response.body.count)
        headers["Connection"] = "close"
        for field in headers { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8) + response.body
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Payload Too Large"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

// MARK: - Reading requests

/// A request the server answers itself (malformed, too large).
private struct RequestError: Error {
    var status: Int
    var message: String
}

/// Buffered reads from a connected socket.
private struct SocketReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// Reads more bytes into the buffer; `false` at end of stream.
    private mutating func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw RequestError(status: 408, message: "the request was not received in time")
            }
            if count == 0 { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    /// Reads until `delimiter`, returning the bytes before it and consuming it.
    private mutating func read(until delimiter: [UInt8], limit: Int) throws -> [UInt8] {
        var searchFrom = 0
        while true {
            if let range = Self.find(delimiter, in: buffer, from: searchFrom) {
                let head = Array(buffer[0..<range])
                buffer.removeFirst(range + delimiter.count)
                return head
            }
            searchFrom = max(0, buffer.count - delimiter.count)
            guard buffer.count <= limit else {
                throw RequestError(status: 413, message: "the request head is too large")
            }
            guard try fill() else { throw RequestError(status: 400, message: "the connection closed mid-request") }
        }
    }

    private mutating func read(count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw RequestError(status: 400, message: "the body is shorter than announced") }
        }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }

    mutating func readRequest(port: UInt16) throws -> HTTPRequest {
        let crlf: [UInt8] = [13, 10]
        let head = try read(until: crlf + crlf, limit: HTTPServer.maximumHeadBytes)
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            throw RequestError(status: 400, message: "malformed request line")
        }
        var fields: [(name: String, value: String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw RequestError(status: 400, message: "malformed header line")
            }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            fields.append((name: name, value: value))
        }
        let headers = HTTPHeaders(fields)
        let target = String(parts[1])
        guard target.hasPrefix("/"), let url = URL(string: "http://127.0.0.1:\(port)\(target)") else {
            throw RequestError(status: 400, message: "malformed request target")
        }
        if headers["Expect"]?.lowercased() == "100-continue" {
            let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            _ = continueLine.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        var body: [UInt8] = []
        if headers["Transfer-Encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = String(decoding: try read(until: crlf, limit: 1024), as: UTF8.self)
                guard let size = Int(sizeLine.split(separator: ";")[0].trimmingCharacters(in: .whitespaces), radix: 16)
                else { throw RequestError(status: 400, message: "malformed chunk size") }
                if size == 0 {
                    _ = try read(until: crlf, limit: HTTPServer.maximumHeadBytes)
                    break
                }
                guard body.count + size <= HTTPServer.maximumBodyBytes else {
                    throw RequestError(status: 413, message: "the request body is too large")
                }
                body += try read(count: size)
                _ = try read(count: 2)
            }
        } else if let length = headers["Content-Length"] {
            guard let count = Int(length), count >= 0 else {
                throw RequestError(status: 400, message: "malformed Content-Length")
            }
            guard count <= HTTPServer.maximumBodyBytes else {
                throw RequestError(status: 413, message: "the request body is too large")
            }
            body = try read(count: count)
        }
        return HTTPRequest(method: String(parts[0]), url: url, headers: headers, body: body)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}

/// The handler's response, handed from its task to the connection thread.
private final class ResponseBox: @unchecked Sendable {
    // Invariant: written once by the handler task before it signals the semaphore; read by the
    // connection thread only after waiting on it.
    var response: HTTPResponse?
}

/// Set once when the server stops.
private final class StopFlag: @unchecked Sendable {
    // Invariant: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    /// Sets the flag; `true` if it was not set before.
    func set() -> Bool {
        lock.withLock {
            defer { value = true }
            return !value
        }
    }
}
