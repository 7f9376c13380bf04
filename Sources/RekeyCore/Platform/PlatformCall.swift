/// A call a rotation step makes to the platform, as `rekey plan` previews it.
///
/// The default wording names the ``Platform`` operation (`createKey(event, name: 'Orders (rotated …)')`).
/// A backend that knows its wire protocol conforms to ``PlatformCallDescribing`` and says what goes over
/// the wire instead (`POST /v2/keys/events`). Calls carry ids, names and filters only, never a secret.
public enum PlatformCall: Sendable, Hashable, CustomStringConvertible {
    /// Lists keys of a kind (every step observes first).
    case listKeys(KeyKind)
    /// Creates a key.
    case createKey(KeyKind, name: String?, filter: KeyFilter?)
    /// Promotes the inactive signing key; the platform deletes the active one.
    case promoteSigningKey(id: String)
    /// Deletes a key.
    case deleteKey(KeyKind, id: String)
    /// Lists the environment's apps.
    case listApps
    /// Resyncs an app.
    case resyncApp(id: String)
    /// Writes `change` to a configured server's configuration and restarts it (``ConfiguredKeyServer``).
    case configureServer(change: String)

    public var description: String {
        switch self {
        case .listKeys(let kind):
            "listKeys(\(kind.rawValue))"
        case .createKey(let kind, let name, let filter):
            "createKey(\(kind.rawValue)"
                + (name.map { ", name: '\($0)'" } ?? "")
                + (filter.map { ", filter: \($0.summary)" } ?? "") + ")"
        case .promoteSigningKey(let id):
            "promoteSigningKey(\(id))"
        case .deleteKey(let kind, let id):
            "deleteKey(\(kind.rawValue), \(id))"
        case .listApps:
            "listApps()"
        case .resyncApp(let id):
            "resyncApp(\(id))"
        case .configureServer(let change):
            "configure(\(change)), then restart"
        }
    }
}

/// A platform that can say what a ``PlatformCall`` is on its wire (an HTTP method and path, a GraphQL
/// operation), for the reviewer reading `rekey plan`.
///
/// Implementers must return one line of plain text without any secret (no token, no key material).
public protocol PlatformCallDescribing: Sendable {
    /// The wire form of `call`, e.g. `POST /v2/keys/signing`.
    func describe(_ call: PlatformCall) -> String
}

extension Platform {
    /// How `rekey plan` shows `call` for this platform: the backend's own wording when it has one,
    /// else the operation, prefixed with the platform's kind.
    public func previewCall(_ call: PlatformCall) -> String {
        if let describing = self as? any PlatformCallDescribing { return describing.describe(call) }
        return "\(kind): \(call)"
    }
}
