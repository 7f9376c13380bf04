import Foundation
import RekeyCore
import RekeyPlatforms

/// A transport answering from a closure and remembering every request it was given.
final class FakeTransport: Sendable {
    private let requests = LockedArray<HTTPRequest>()
    private let respond: @Sendable (HTTPRequest) async throws -> HTTPResponse

    init(_ respond: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.respond = respond
    }

    /// The transport to hand to a client.
    var transport: HTTPTransport {
        { [self] request in
            requests.append(request)
            return try await respond(request)
        }
    }

    /// Every request sent so far.
    var sent: [HTTPRequest] { requests.values }
}

/// An array shared between tasks.
final class LockedArray<Element: Sendable>: @unchecked Sendable {
    // Invariant: `storage` is only touched under `lock`.
    private let lock = NSLock()
    private var storage: [Element] = []

    func append(_ element: Element) { lock.withLock { storage.append(element) } }
    var values: [Element] { lock.withLock { storage } }
}

extension HTTPResponse {
    /// A JSON response from a literal.
    static func json(_ status: Int, _ value: JSONValue, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        HTTPResponse(status: status, json: value, headers: headers)
    }
}

extension HTTPRequest {
    /// The query parameter `name`.
    func query(_ name: String) -> String? {
        URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == name }?.value
    }
}
