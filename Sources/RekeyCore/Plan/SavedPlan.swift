/// Plan files: what `rekey plan --out` writes and `rekey run PLAN` reads, and the `rekey plan --json`
/// document (`{"schema": "rekey.plan/v1", "plan": {…}}`), which `rekey run` reads too.
///
/// A plan holds no secret (keys by id, name, filters and fingerprint), and its ``RotationPlan/hash``
/// covers all of its content, so an edited plan is refused and an approval names exactly one plan.
public enum SavedPlan {
    /// The largest plan file read (32 MiB): a plan grows with keys and apps (200 apps and 1,000 event keys
    /// make 2 MB), so this leaves room for sixteen times that and refuses the wrong file unread.
    public static let maximumSize = 32 << 20

    /// The schema of `rekey plan --json` output.
    public static let schema = "rekey.plan/v1"

    /// The `rekey plan --json` document.
    public struct Document: Sendable, Equatable, Codable {
        /// Always ``SavedPlan/schema``.
        public var schema: String
        /// The plan.
        public var plan: RotationPlan

        public init(plan: RotationPlan) {
            self.schema = SavedPlan.schema
            self.plan = plan
        }
    }

    /// Whether `bytes` are a plan (a plan file or a `rekey plan --json` document) rather than a playbook,
    /// judged by content, not by file name.
    public static func isPlan(_ bytes: [UInt8]) -> Bool {
        guard case .object(let object)? = try? JSONValue.parse(bytes) else { return false }
        if object["schema"]?.stringValue == schema { return true }
        return object["rotationID"] != nil && object["baseline"] != nil && object["steps"] != nil
    }

    /// Reads and checks a plan file.
    ///
    /// - Parameter path: The file.
    /// - Returns: The plan, whose hash matches its content.
    /// - Throws: ``SavedPlanError``.
    public static func load(path: String) throws(SavedPlanError) -> RotationPlan {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path, limit: maximumSize)
        } catch {
            throw .unreadable(path: path, reason: error.isNotFound ? "file does not exist" : error.reason)
        }
        return try decode(bytes, path: path)
    }

    /// Checks that `path` may take a new plan (`rekey plan --out`): nothing is there, an empty file, or a
    /// plan (an earlier `--out`). Anything else (the playbook itself, a link, a directory, a device) would
    /// be destroyed, so it is refused before planning starts.
    ///
    /// - Throws: ``SavedPlanError/notAPlanFile(path:reason:)``.
    public static func checkOutput(_ path: String) throws(SavedPlanError) {
        guard let kind = FileIO.kind(of: path) else { return }
        guard kind == .regular else { throw .notAPlanFile(path: path, reason: "is \(kind)") }
        guard let bytes = try? FileIO.read(path, limit: maximumSize, followingLinks: false) else {
            throw .notAPlanFile(path: path, reason: "can't be read to check that it is a plan")
        }
        guard bytes.isEmpty || isPlan(bytes) else {
            throw .notAPlanFile(path: path, reason: "is not a plan (a playbook? plans come from 'rekey plan --out')")
        }
    }

    /// Decodes and checks plan bytes (see ``load(path:)``).
    public static func decode(_ bytes: [UInt8], path: String) throws(SavedPlanError) -> RotationPlan {
        guard case .object(var object)? = try? JSONValue.parse(bytes) else {
            throw .unreadable(path: path, reason: "not a JSON object")
        }
        if object["schema"]?.stringValue == schema {
            guard case .object(let inner)? = object["plan"] else {
                throw .unreadable(path: path, reason: "a '\(schema)' document without a 'plan' object")
            }
            object = inner
        }
        guard let version = object["version"]?.integerValue else {
            throw .unreadable(path: path, reason: "no 'version' field: not a plan written by 'rekey plan'")
        }
        guard version == RotationPlan.formatVersion else { throw .unsupportedVersion(path: path, version: version) }
        let plan: RotationPlan
        do {
            plan = try JSONCoding.decode(RotationPlan.self, from: Array(JSONValue.object(object).serialized().utf8))
        } catch {
            throw .unreadable(path: path, reason: "not a valid plan (\(error))")
        }
        guard plan.hashIsValid else { throw .hashMismatch(path: path) }
        return plan
    }

    /// Whether `given` names `plan`: its full hash, or a prefix of at least 12 hex characters (as
    /// `rekey plan`, `status` and the run header print it).
    public static func hash(_ given: String, names plan: RotationPlan) -> Bool {
        let given = given.lowercased()
        return given == plan.hash || (given.count >= 12 && plan.hash.hasPrefix(given))
    }
}
