import Foundation
import RekeyCore
import RekeySandbox

/// The product's safety invariants, checked on a sandbox without asking the engine anything: it reads the
/// platform (the sandbox's state file), what each app runs (the sandbox's record of its last deploy) and
/// what each app is configured with (its env file), and, for overrides, the journal's records.
///
/// - **No outage**: at every instant, every app's configured and running keys are accepted by the platform:
///   the platform's active signing key is the app's key or its fallback, and its event key and API key
///   exist on the platform.
/// - **No leak**: when a rotation finishes, no replaced key remains on the platform, no app holds a
///   fallback, and no temporary copy of a key is left next to a target.
/// - **No silent override**: a check that failed is passed only through an override record that names
///   it, gives a reason and says who.
public enum SafetyInvariants {
    /// One broken invariant, in words.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        /// `no outage`, `no leak`, `no silent override`.
        public var invariant: String
        /// What is wrong (names, ids and fingerprints only).
        public var detail: String

        public init(invariant: String, detail: String) {
            self.invariant = invariant
            self.detail = detail
        }

        public var description: String { "\(invariant): \(detail)" }
    }

    /// What an app holds, configured or running.
    struct Held {
        var signingKey: String?
        var fallback: String?
        var eventKey: String?
        var apiKey: String?
    }

    // MARK: - No outage

    /// Every app whose configured or running keys the platform would refuse.
    ///
    /// - Parameters:
    ///   - state: The sandbox's state.
    ///   - directory: The directory the state's `envFile`s are relative to.
    public static func outages(_ state: SandboxState, directory: String) -> [Violation] {
        var found: [Violation] = []
        let active = state.activeSigningKey?.key.exposeValue()
        let eventKeys = Set(state.eventKeys.map { $0.key.exposeValue() })
        let apiKeys = Set(state.apiKeys.map { $0.key.exposeValue() })
        for app in state.apps {
            let running = Held(
                signingKey: app.running.signingKey?.exposeValue(),
                fallback: app.running.signingKeyFallback?.exposeValue(),
                eventKey: app.running.eventKey?.exposeValue(),
                apiKey: app.running.apiKey?.exposeValue())
            var views = [("running", running)]
            if let configured = configured(app, directory: directory) { views.append(("configured", configured)) }
            for (view, held) in views {
                // An app of an API-key account holds no signing key; an app of an Inngest environment does.
                if let active, !state.signingKeys.isEmpty,
                    held.signingKey != nil || held.fallback != nil || view == "running"
                {
                    if held.signingKey != active, held.fallback != active, !app.running.dev {
                        found.append(
                            Violation(
                                invariant: "no outage",
                                detail: "app '\(app.name)' (\(view)) holds neither the active signing key "
                                    + "\(fingerprint(active, signing: true)) as its key nor as its fallback (key "
                                    + "\(held.signingKey.map { fingerprint($0, signing: true) } ?? "none"), fallback "
                                    + "\(held.fallback.map { fingerprint($0, signing: true) } ?? "none"))"))
                    }
                }
                if let event = held.eventKey, !eventKeys.contains(event) {
                    found.append(
                        Violation(
                            invariant: "no outage",
                            detail: "app '\(app.name)' (\(view)) sends events with \(fingerprint(event)), which is not "
                                + "an event key of the environment"))
                }
                if let api = held.apiKey, !apiKeys.contains(api) {
                    found.append(
                        Violation(
                            invariant: "no outage",
                            detail: "app '\(app.name)' (\(view)) holds the API key \(fingerprint(api)), which the "
                                + "account does not have"))
                }
            }
        }
        return found
    }

    // MARK: - No leak

    /// What a finished rotation left that it should not have: a key it replaced still on the platform, more
    /// than one signing key (when it rotated the signing key), a fallback in an app, a temporary file next
    /// to a target.
    ///
    /// - Parameters:
    ///   - replaced: The ids of the keys the rotation replaced (its plan says which).
    ///   - rotatedSigningKey: Whether it rotated the signing key (then no app may keep a fallback).
    public static func leaks(replaced: Set<String>, rotatedSigningKey: Bool, after: SandboxState, directory: String)
        -> [Violation]
    {
        var found: [Violation] = []
        if rotatedSigningKey, after.signingKeys.count != 1 {
            found.append(
                Violation(invariant: "no leak", detail: "\(after.signingKeys.count) signing keys remain, not 1"))
        }
        let remaining =
            after.signingKeys.map { ($0.id, "signing key") } + after.eventKeys.map { ($0.id, "event key '\($0.name)'") }
            + after.apiKeys.map { ($0.id, "API key '\($0.name)'") }
        for (id, what) in remaining where replaced.contains(id) {
            found.append(Violation(invariant: "no leak", detail: "the replaced \(what) \(id) remains"))
        }
        if rotatedSigningKey {
            for app in after.apps {
                if app.running.signingKeyFallback != nil {
                    found.append(Violation(invariant: "no leak", detail: "app '\(app.name)' runs with a fallback"))
                }
                if let configured = configured(app, directory: directory), configured.fallback != nil {
                    found.append(
                        Violation(invariant: "no leak", detail: "app '\(app.name)' is configured with a fallback"))
                }
            }
        }
        found += temporaryFiles(after, directory: directory)
        return found
    }

    /// The keys a rotation replaces and whether it rotates the signing key, from its plan.
    public static func replaced(by plan: RotationPlan) -> (ids: Set<String>, signingKey: Bool) {
        let signing = plan.step(.rotateSigningKey) != nil || plan.step(.installSigningKey) != nil
        var ids = Set(plan.eventKeyReplacements.map(\.oldID))
        ids.formUnion((plan.apiKeyReplacements ?? []).map(\.oldID))
        if signing, let old = plan.baseline.activeSigningKey?.id { ids.insert(old) }
        return (ids, signing)
    }

    /// Temporary files of rekey's atomic writes (`.NAME.rekey-…`) left next to the apps' env files.
    public static func temporaryFiles(_ state: SandboxState, directory: String) -> [Violation] {
        var folders = Set<String>()
        for app in state.apps { folders.insert(FileIO.parentDirectory(of: resolve(app.envFile, directory))) }
        var found: [Violation] = []
        for folder in folders.sorted() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasPrefix(".") && name.contains(".rekey-") {
                found.append(Violation(invariant: "no leak", detail: "a temporary file \(folder)/\(name) remains"))
            }
        }
        return found
    }

    // MARK: - No silent override

    /// Checks that passed although they failed without an override record naming them with a reason and
    /// an author, and gate items completed as "overridden" without one.
    public static func silentOverrides(_ records: [JournalRecord]) -> [Violation] {
        var overrides: [String: JournalRecord] = [:]
        var found: [Violation] = []
        for record in records {
            switch record.type {
            case .override:
                guard let check = record.data.check, let reason = record.data.reason, !reason.isEmpty,
                    record.data.by?.isEmpty == false
                else {
                    found.append(
                        Violation(
                            invariant: "no silent override",
                            detail: "record \(record.seq): an override without a check, a reason or an author"))
                    continue
                }
                overrides[check] = record
            case .check where record.data.verdict == CheckVerdict.overridden.rawValue:
                if overrides[record.data.check ?? ""] == nil {
                    found.append(
                        Violation(
                            invariant: "no silent override",
                            detail: "record \(record.seq): check \(record.data.check ?? "?") passed as overridden "
                                + "with no override record before it"))
                }
            case .done where record.data.outcome?.detail?.contains("overridden by") == true:
                let check = "\(record.step?.rawValue ?? "?")/\(record.item ?? "?")"
                if overrides[check] == nil {
                    found.append(
                        Violation(
                            invariant: "no silent override",
                            detail: "record \(record.seq): \(check) is done as overridden with no override record"))
                }
            default:
                break
            }
        }
        return found
    }

    // MARK: - Helpers

    static func configured(_ app: SandboxState.App, directory: String) -> Held? {
        guard let text = try? FileIO.readText(resolve(app.envFile, directory)) else { return nil }
        let document = DotenvDocument(parsing: text)
        return Held(
            signingKey: document.value(of: InngestVariables.signingKey),
            fallback: document.value(of: InngestVariables.signingKeyFallback),
            eventKey: document.value(of: InngestVariables.eventKey),
            apiKey: app.apiKeyVariable.flatMap { document.value(of: $0) })
    }

    static func resolve(_ path: String, _ directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    static func fingerprint(_ value: String, signing: Bool = false) -> String {
        let secret = Secret(value)
        if signing, let fingerprint = InngestSigningKey.fingerprint(secret) { return fingerprint.hex }
        return secret.utf8Fingerprint.hex
    }
}
