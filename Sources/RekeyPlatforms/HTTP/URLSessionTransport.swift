import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real ``HTTPTransport``: URLSession (libcurl on Linux), ephemeral (no cookies, no cache), no
/// redirects, and a hard per-request deadline.
public enum URLSessionTransport {
    /// A transport over a new ephemeral session.
    public static func make() -> HTTPTransport {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil)
        let box = SessionBox(session: session)
        return { request in try await send(request, over: box.session) }
    }

    private static func send(_ request: HTTPRequest, over session: URLSession) async throws -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = request.timeout
        for field in request.headers { urlRequest.addValue(field.value, forHTTPHeaderField: field.name) }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            urlRequest.httpBody = Data(request.body)
        }
        let deadline = request.timeout
        let prepared = urlRequest
        let (data, response) = try await withThrowingTaskGroup(of: (Data, URLResponse)?.self) { group in
            group.addTask { try await session.data(for: prepared) }
            group.addTask {
                // URLSession's timeout is an idle timeout; this bounds the whole exchange.
                try await Task.sleep(for: .milliseconds(Int(deadline * 1000) + 500))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw URLError(.timedOut)
            }
            return result
        }
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headers = HTTPHeaders()
        for (name, value) in http.allHeaderFields {
            headers[String(describing: name)] = String(describing: value)
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: Array(data))
    }
}

/// Keeps the session alive as long as the transport closure; URLSession is thread-safe.
private final class SessionBox: @unchecked Sendable {
    // Invariant: `session` is never reassigned, and URLSession's methods may be called from any thread.
    let session: URLSession

    init(session: URLSession) { self.session = session }

    deinit { session.finishTasksAndInvalidate() }
}

/// Refuses every redirect: the 3xx response is returned to the caller, and no credential travels on.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // Invariant: no stored state.
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
