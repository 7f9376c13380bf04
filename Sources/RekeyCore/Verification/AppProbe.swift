/// What an app runs with, found by signed probes: first with the keys the caller expects it to accept, in
/// order, and, when it refuses them all, with the empty key, so that a refusal is explained (it still runs
/// the old key; it holds an empty key anyone can sign with) instead of being read as "not yet".
///
/// A probe is an introspection request (``RolloutVerifier/inspect(app:signedWith:)``): it has no side
/// effect on the app. No secret is kept: the keys are labelled (`new`, `old`) and the report holds hashes.
public struct AppProbe: Sendable, Equatable {
    /// What the probes found.
    public enum Status: Sendable, Equatable {
        /// The app has no verifier (`verify: approval`): nothing can be known about what it runs.
        case noVerifier
        /// The app can't be reached now (it is restarting, or down).
        case unreachable(String)
        /// The app runs in dev mode: it checks no signature at all (it accepts unsigned requests).
        case devMode(AppIntrospection)
        /// The app accepted the probe signed with the key labelled `label`.
        case accepted(label: String, AppIntrospection)
        /// The app refused every key offered, but accepts a request signed with the empty key: it holds an
        /// empty `INNGEST_SIGNING_KEY` or `INNGEST_SIGNING_KEY_FALLBACK`.
        case acceptsEmptyKey(AppIntrospection)
        /// The app refused every key offered, and the empty key.
        case refusedAll
    }

    /// The app.
    public var app: String
    /// What the probes found.
    public var status: Status

    public init(app: String, status: Status) {
        self.app = app
        self.status = status
    }

    /// The authenticated report, when a probe was accepted.
    public var report: AppIntrospection? {
        switch status {
        case .accepted(_, let report), .acceptsEmptyKey(let report), .devMode(let report): report
        case .noVerifier, .unreachable, .refusedAll: nil
        }
    }

    /// The hazards the probes revealed, each a sentence naming the app and the fix: dev mode (no
    /// signature checks), an empty primary or fallback (anyone can sign requests with the empty key).
    public var hazards: [String] {
        switch status {
        case .devMode:
            return [
                "app '\(app)' runs in dev mode (INNGEST_DEV is set): it checks no signatures and accepts unsigned "
                    + "requests; set it to cloud mode and redeploy"
            ]
        case .accepted(_, let report), .acceptsEmptyKey(let report):
            var found: [String] = []
            if report.hasSigningKey == true, report.signingKeyHash == nil {
                found.append(
                    "app '\(app)' has INNGEST_SIGNING_KEY set but empty: anyone can sign requests to it; set the key "
                        + "and redeploy")
            }
            if report.hasSigningKeyFallback == true, report.signingKeyFallbackHash == nil {
                found.append(
                    "app '\(app)' has INNGEST_SIGNING_KEY_FALLBACK set but empty: anyone can sign requests to it; "
                        + "remove the line and redeploy")
            }
            if found.isEmpty, case .acceptsEmptyKey = status {
                found.append(
                    "app '\(app)' accepts requests signed with an empty key: one of its signing-key variables is "
                        + "set but empty; fix it and redeploy")
            }
            return found
        case .noVerifier, .unreachable, .refusedAll:
            return []
        }
    }

    /// One phrase saying what the app runs with, for messages (`runs signing key 1a2b3c4d5e6f (the old key)
    /// without a fallback`). `names` labels known fingerprints (`new`, `old`).
    public func describe(_ names: [Fingerprint: String] = [:]) -> String {
        func label(_ hash: String?, present: Bool?) -> String {
            guard let hash else { return present == true ? "an EMPTY value" : "none" }
            let short = String(InngestSigningKey.stripPrefix(hash).prefix(Fingerprint.length))
            if let match = names.first(where: { $0.key.matches(reportedHash: hash) }) {
                return "\(short) (the \(match.value) key)"
            }
            return short
        }
        switch status {
        case .noVerifier: return "can't be checked (no verifier)"
        case .unreachable(let why): return "can't be reached (\(why))"
        case .devMode: return "runs in dev mode (no signature checks)"
        case .refusedAll: return "refuses requests signed with every key of this rotation (it runs another key)"
        case .accepted(_, let report), .acceptsEmptyKey(let report):
            var parts = ["runs signing key \(label(report.signingKeyHash, present: report.hasSigningKey))"]
            if report.hasSigningKeyFallback != nil || report.signingKeyFallbackHash != nil {
                parts.append(
                    "fallback \(label(report.signingKeyFallbackHash, present: report.hasSigningKeyFallback))")
            }
            if report.hasEventKey != nil || report.eventKeyHash != nil {
                parts.append("event key \(label(report.eventKeyHash, present: report.hasEventKey))")
            }
            return parts.joined(separator: ", ")
        }
    }

    /// Probes `app` through `verifier` with each of `keys` in order, then the empty key.
    ///
    /// - Parameters:
    ///   - read: Runs one probe with retries (``StepContext/read(_:_:)``).
    /// - Returns: The first probe that was accepted, or what refused them all.
    public static func probe(
        _ app: AppSpec,
        verifier: (any RolloutVerifier)?,
        keys: [(label: String, key: Secret)],
        read: @Sendable (String, @Sendable () async throws -> AppIntrospection) async throws -> AppIntrospection
    ) async throws -> AppProbe {
        guard let verifier else { return AppProbe(app: app.name, status: .noVerifier) }
        for (label, key) in keys + [("empty", Secret(""))] {
            let report: AppIntrospection
            do {
                report = try await read("inspect app '\(app.name)'") {
                    try await verifier.inspect(app: app, signedWith: key)
                }
            } catch PlatformError.unavailable(let why) {
                // An app restarting for its redeploy refuses connections for a while.
                return AppProbe(app: app.name, status: .unreachable(why))
            }
            if report.mode == "dev" { return AppProbe(app: app.name, status: .devMode(report)) }
            guard report.authenticated else { continue }
            if label == "empty" { return AppProbe(app: app.name, status: .acceptsEmptyKey(report)) }
            return AppProbe(app: app.name, status: .accepted(label: label, report))
        }
        return AppProbe(app: app.name, status: .refusedAll)
    }
}

extension StepContext {
    /// Probes app `name` with `keys` in order, then the empty key (``AppProbe``).
    public func probe(_ name: String, keys: [(label: String, key: Secret)]) async throws -> AppProbe {
        let app = try app(name)
        let retrier = self.retrier
        return try await AppProbe.probe(app, verifier: verifiers[name], keys: keys) { what, operation in
            try await retrier.read(what, operation)
        }
    }
}
