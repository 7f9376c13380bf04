import RekeyPlatforms

extension HTTPResponse {
    /// A status no real response has: the server closes the connection without answering.
    static let dropConnection = -1
}
