import RekeyCore

/// The names of platform capabilities as written in the sandbox state's `disabledCapabilities`.
public enum SandboxCapabilityName {
    /// Every name with its capability, in ``PlatformCapabilities`` order.
    public static let all: [(name: String, capability: PlatformCapabilities)] = [
        ("listSigningKeys", .listSigningKeys),
        ("createSigningKey", .createSigningKey),
        ("promoteSigningKey", .promoteSigningKey),
        ("deleteSigningKey", .deleteSigningKey),
        ("listEventKeys", .listEventKeys),
        ("createEventKey", .createEventKey),
        ("deleteEventKey", .deleteEventKey),
        ("listApps", .listApps),
        ("resyncApp", .resyncApp),
        ("listAPIKeys", .listAPIKeys),
        ("createAPIKey", .createAPIKey),
        ("deleteAPIKey", .deleteAPIKey),
    ]

    /// The capability called `name`, or `nil` for an unknown name.
    public static func capability(named name: String) -> PlatformCapabilities? {
        all.first { $0.name == name }?.capability
    }

    /// The name of a single capability, or `nil` when `capability` is not exactly one known capability.
    public static func name(of capability: PlatformCapabilities) -> String? {
        all.first { $0.capability == capability }?.name
    }
}
