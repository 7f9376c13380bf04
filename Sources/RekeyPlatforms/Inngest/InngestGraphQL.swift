/// The dashboard's GraphQL operations rekey uses for what REST v2 can't do (create, rotate and delete
/// signing keys; read filters, create and delete event keys). They are the documents the Inngest
/// dashboard itself sends (`ui/apps/dashboard`), authenticated with a dashboard session token; the API is
/// internal and may change, which is why every key mutation also has a guided fallback.
public enum InngestGraphQL {
    /// One operation: its name and document.
    public struct Operation: Sendable, Hashable {
        /// `operationName`.
        public var name: String
        /// The GraphQL document.
        public var document: String
    }

    /// Finds an environment's id (`envID`, a UUID) by its slug.
    public static let environmentBySlug = Operation(
        name: "GetEnvironmentBySlug",
        document: "query GetEnvironmentBySlug($slug: String!) { envBySlug(slug: $slug) { id name slug } }"
    )

    /// Lists signing keys with their material and which one is active.
    public static let signingKeys = Operation(
        name: "GetSigningKeys",
        document: "query GetSigningKeys($envID: ID!) { environment: workspace(id: $envID) "
            + "{ signingKeys { createdAt decryptedValue id isActive } } }"
    )

    /// Creates an inactive signing key.
    public static let createSigningKey = Operation(
        name: "CreateSigningKey",
        document: "mutation CreateSigningKey($envID: UUID!) { createSigningKey(envID: $envID) { createdAt } }"
    )

    /// Promotes the inactive key; the platform deletes the active one.
    public static let rotateSigningKey = Operation(
        name: "RotateSigningKey",
        document: "mutation RotateSigningKey($envID: UUID!) { rotateSigningKey(envID: $envID) { createdAt } }"
    )

    /// Deletes an (inactive) signing key.
    public static let deleteSigningKey = Operation(
        name: "DeleteSigningKey",
        document: "mutation DeleteSigningKey($signingKeyID: UUID!) { deleteSigningKey(id: $signingKeyID) "
            + "{ createdAt } }"
    )

    /// Lists event keys (ingest keys of source `key`) with their material and filters.
    public static let eventKeys = Operation(
        name: "GetIngestKeys",
        document: "query GetIngestKeys($environmentID: ID!) { environment: workspace(id: $environmentID) "
            + "{ ingestKeys(filter: { source: \"key\" }) { id name presharedKey createdAt source "
            + "filter { type events ips } } } }"
    )

    /// Creates an event key with filters.
    public static let createEventKey = Operation(
        name: "NewIngestKey",
        document:
            "mutation NewIngestKey($input: NewIngestKey!) { key: createIngestKey(input: $input) "
            + "{ id name presharedKey createdAt filter { type events ips } } }"
    )

    /// Deletes an event key.
    public static let deleteEventKey = Operation(
        name: "DeleteEventKey",
        document: "mutation DeleteEventKey($input: DeleteIngestKey!) { deleteIngestKey(input: $input) { ids } }"
    )

    /// Every operation rekey sends.
    public static let all: [Operation] = [
        environmentBySlug, signingKeys, createSigningKey, rotateSigningKey, deleteSigningKey, eventKeys,
        createEventKey, deleteEventKey,
    ]
}
