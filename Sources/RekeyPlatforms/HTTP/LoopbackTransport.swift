import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An ``HTTPTransport`` that sends plain `http://` requests to the loopback interface (the sandbox of
/// `rekey sandbox serve`, a self-hosted Inngest or an app on this machine) over a POSIX socket, and
/// everything else through `fallback` (``URLSessionTransport``).
///
/// URLSession on Linux (libcurl driven by dispatch sources) costs about 3.5 ms of CPU per request on a
/// small machine, twenty times what one HTTP/1.1 exchange over a loopback socket costs; a fan-out of
/// thousands of requests to a local server would spend its time there. Each exchange runs on a thread of
/// its own (``ReusedThreads``; blocking socket calls never run on Swift's cooperative threads): one request with
/// `Connection: close`, the response read to its `Content-Length`, its last chunk, or the end of the
/// stream. Like every transport it follows no redirect and bounds the exchange by the request's timeout;
/// failures are `URLError`s (refused, timed out, lost, malformed) that name no header.
public enum LoopbackTransport {
    /// A transport that handles `http://` loopback URLs itself and gives the rest to `fallback`.
    public static func make(fallback: @escaping HTTPTransport = URLSessionTransport.make()) -> HTTPTransport {
        { request in
            guard let endpoint = Endpoint(request.url) else { return try await fallback(request) }
            return try await exchange(request, with: endpoint)
        }
    }

    /// Where a loopback request goes.
    struct Endpoint: Equatable {
        var ipv6: Bool
        var port: UInt16
        var hostHeader: String

        /// The endpoint of an `http://` URL whose host is `127.0.0.1`, `localhost` or `::1`; `nil` otherwise.
        init?(_ url: URL) {
            guard url.scheme?.lowercased() == "http", let rawHost = url.host else { return nil }
            let host =
                rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
            switch host.lowercased() {
            case "127.0.0.1", "localhost": ipv6 = false
            case "::1": ipv6 = true
            default: return nil
            }
            let port = url.port ?? 80
            guard (1...65535).contains(port) else { return nil }
            self.port = UInt16(port)
            hostHeader = (ipv6 ? "[::1]" : host) + (url.port.map { ":\($0)" } ?? "")
        }
    }

    // MARK: - Exchange

    /// The threads exchanges block on (reused: a fan-out makes thousands of requests).
    private static let threads = ReusedThreads(name: "rekey-http-client")

    static func exchange(_ request: HTTPRequest, with endpoint: Endpoint) async throws -> HTTPResponse {
        let socket = ExchangeSocket()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                threads.run { continuation.resume(with: Result { try perform(request, endpoint, socket) }) }
            }
        } onCancel: {
            socket.cancel()
        }
    }

    /// The blocking exchange, on the request's own thread.
    private static func perform(_ request: HTTPRequest, _ endpoint: Endpoint, _ socket: ExchangeSocket) throws
        -> HTTPResponse
    {
        let deadline = ContinuousClock.now + .milliseconds(Int(max(0.001, request.timeout) * 1000))
        let fd = try socket.connect(endpoint, timeout: request.timeout)
        defer { socket.close() }
        try send(head(request, endpoint) + request.body, fd: fd, deadline: deadline)
        var reader = ResponseReader(fd: fd, deadline: deadline, cancelled: { socket.isCancelled })
        return try reader.read(method: request.method)
    }

    static func head(_ request: HTTPRequest, _ endpoint: Endpoint) -> [UInt8] {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        var target = components?.percentEncodedPath ?? "/"
        if target.isEmpty { target = "/" }
        if let query = components?.percentEncodedQuery { target += "?" + query }
        var text = "\(request.method) \(target) HTTP/1.1\r\n"
        var headers = request.headers
        if !headers.contains("Host") { headers["Host"] = endpoint.hostHeader }
        headers["Connection"] = "close"
        headers["Transfer-Encoding"] = nil
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            headers["Content-Length"] = String(request.body.count)
        }
        for field in headers { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    private static func send(_ bytes: [UInt8], fd: Int32, deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw URLError(errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .networkConnectionLost)
            }
            guard ContinuousClock.now < deadline else { throw URLError(.timedOut) }
            offset += sent
        }
    }
}

// MARK: - Socket

/// The exchange's socket, which a cancelled task shuts down from another thread.
private final class ExchangeSocket: Sendable {
    private struct State {
        var fd: Int32 = -1
        var cancelled = false
    }

    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Connects to the endpoint, with send and receive timeouts of `timeout` seconds.
    func connect(_ endpoint: LoopbackTransport.Endpoint, timeout: Double) throws -> Int32 {
        let fd = socket(endpoint.ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw URLError(.cannotConnectToHost) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let registered = state.withLock { state -> Bool in
            guard !state.cancelled else { return false }
            state.fd = fd
            return true
        }
        guard registered else {
            Glibc.close(fd)
            throw CancellationError()
        }
        let seconds = max(0.001, timeout)
        var interval = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if endpoint.ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = endpoint.port.bigEndian
            address.sin6_addr = in6addr_loopback
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = endpoint.port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard result == 0 else {
            let code = errno
            if isCancelled { throw CancellationError() }
            throw URLError(code == ETIMEDOUT || code == EAGAIN ? .timedOut : .cannotConnectToHost)
        }
        return fd
    }

    /// Closes the socket (once).
    func close() {
        state.withLock { state in
            guard state.fd >= 0 else { return }
            Glibc.close(state.fd)
            state.fd = -1
        }
    }

    /// Marks the exchange cancelled and wakes its thread: blocked calls return at once.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            if state.fd >= 0 { shutdown(state.fd, Int32(SHUT_RDWR)) }
        }
    }
}

// MARK: - Reading the response

/// Reads one HTTP/1.1 response from a socket.
private struct ResponseReader {
    let fd: Int32
    let deadline: ContinuousClock.Instant
    let cancelled: () -> Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false
    /// One receive buffer for the whole exchange.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    init(fd: Int32, deadline: ContinuousClock.Instant, cancelled: @escaping () -> Bool) {
        self.fd = fd
        self.deadline = deadline
        self.cancelled = cancelled
    }

    mutating func read(method: String) throws -> HTTPResponse {
        while true {
            let head = try line(until: [13, 10, 13, 10], limit: 64 * 1024)
            let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
            let parts = lines[0].split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]),
                (100...999).contains(status)
            else { throw URLError(.badServerResponse) }
            var fields: [(name: String, value: String)] = []
            for line in lines.dropFirst() where !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { throw URLError(.badServerResponse) }
                let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
                let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                fields.append((name: name, value: value))
            }
            let headers = HTTPHeaders(fields)
            // An interim response (100 Continue) precedes the real one.
            if (100..<200).contains(status) { continue }
            if method == "HEAD" || status == 204 || status == 304 {
                return HTTPResponse(status: status, headers: headers)
            }
            let body: [UInt8]
            if headers["Transfer-Encoding"]?.lowercased().contains("chunked") == true {
                body = try chunkedBody()
            } else if let length = headers["Content-Length"] {
                guard let count = Int(length), count >= 0 else { throw URLError(.badServerResponse) }
                body = try bytes(count)
            } else {
                body = try rest()
            }
            return HTTPResponse(status: status, headers: headers, body: body)
        }
    }

    private mutating func chunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = String(decoding: try line(until: [13, 10], limit: 1024), as: UTF8.self)
            let digits = sizeLine.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(digits.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw URLError(.badServerResponse)
            }
            if size == 0 {
                // Trailer fields, then the empty line.
                while !(try line(until: [13, 10], limit: 64 * 1024)).isEmpty {}
                return body
            }
            body += try bytes(size)
            guard try bytes(2) == [13, 10] else { throw URLError(.badServerResponse) }
        }
    }

    /// The bytes before `delimiter`, consuming it.
    private mutating func line(until delimiter: [UInt8], limit: Int) throws -> [UInt8] {
        var searchFrom = start
        while true {
            if let end = Self.find(delimiter, in: buffer, from: searchFrom) {
                let result = Array(buffer[start..<end])
                start = end + delimiter.count
                return result
            }
            guard buffer.count - start <= limit else { throw URLError(.badServerResponse) }
            searchFrom = max(start, buffer.count - delimiter.count + 1)
            guard try fill() else { throw URLError(.networkConnectionLost) }
        }
    }

    private mutating func bytes(_ count: Int) throws -> [UInt8] {
        if buffer.count - start >= count {
            let result = Array(buffer[start..<(start + count)])
            start += count
            return result
        }
        // A body: received straight into one buffer of its size.
        var result = [UInt8]()
        result.reserveCapacity(count)
        result.append(contentsOf: buffer[start...])
        buffer.removeAll()
        start = 0
        while result.count < count {
            guard let received = try receive(), received > 0 else { throw URLError(.networkConnectionLost) }
            let wanted = min(received, count - result.count)
            result.append(contentsOf: chunk[0..<wanted])
            // Anything after the body (it shouldn't be, with `Connection: close`) stays buffered.
            if wanted < received { buffer.append(contentsOf: chunk[wanted..<received]) }
        }
        return result
    }

    private mutating func rest() throws -> [UInt8] {
        while try fill() {}
        let result = Array(buffer[start...])
        start = buffer.count
        return result
    }

    /// Reads more bytes into the buffer; `false` at the end of the stream.
    private mutating func fill() throws -> Bool {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        guard let count = try receive() else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    /// Receives into `chunk`: the byte count, or `nil` at the end of the stream.
    private mutating func receive() throws -> Int? {
        guard !ended else { return nil }
        let fd = self.fd
        while true {
            guard ContinuousClock.now < deadline else { throw URLError(.timedOut) }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if cancelled() { throw CancellationError() }
                throw URLError(errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .networkConnectionLost)
            }
            if count == 0 {
                if cancelled() { throw CancellationError() }
                ended = true
                return nil
            }
            return count
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] {
                var matches = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matches = false
                    break
                }
                if matches { return index }
            }
            index += 1
        }
        return nil
    }
}
