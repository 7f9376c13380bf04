import RekeyCore

extension SandboxState.SigningKey {
    /// The key as the platform lists it.
    public var platformKey: PlatformKey {
        PlatformKey(kind: .signing, id: id, isActive: active, secret: key, createdAt: createdAt)
    }
}

extension SandboxState.EventKey {
    /// The key as the platform lists it.
    public var platformKey: PlatformKey {
        PlatformKey(kind: .event, id: id, name: name, secret: key, filter: filter, createdAt: createdAt)
    }
}
