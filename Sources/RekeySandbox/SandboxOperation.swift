/// One call into the sandbox's database, as the store's interceptor sees it.
///
/// Every platform call, redeploy and report goes through ``SandboxStore``, which hands the operation to
/// its ``SandboxStore/Interceptor`` first: the one place where latency and faults are injected.
public struct SandboxOperation: Sendable, Hashable, CustomStringConvertible {
    /// What is being done (`listKeys`, `createKey`, `resyncApp`, `redeploy`, `read`, …).
    public var name: String
    /// Whether the operation may change the state.
    public var isMutation: Bool

    public init(name: String, isMutation: Bool) {
        self.name = name
        self.isMutation = isMutation
    }

    public var description: String { name }
}
