import Foundation
import RekeyCore
import RekeyPlatforms

// What happens when an app syncs: `POST /fn/register` from its SDK (out-of-band), and the PUT the sandbox
// sends an app to make it do so.

extension SandboxAPI {
    /// `POST /fn/register`: the SDK's Bearer is its hashed signing key (prefix optional), checked against
    /// the environment's active and inactive keys. Replies as Inngest does: `{ok, modified}` (plus
    /// `sync_id`, `app_id`), or 401 "Your signing key is invalid". The attempt is recorded either way.
    func register(_ request: HTTPRequest) async -> HTTPResponse {
        guard let body = try? JSONValue.parse(request.body), body.objectValue != nil else {
            return HTTPResponse(status: 400, json: ["error": "the body is not a JSON object"])
        }
        guard let appID = body["appname"]?.stringValue ?? body["appName"]?.stringValue, !appID.isEmpty else {
            return HTTPResponse(status: 400, json: ["error": "the body has no appname"])
        }
        let url = body["url"]?.stringValue
        let bearer = request.headers["Authorization"].flatMap(Self.bearer)
        do {
            let outcome = try await store.mutate("register") { state -> (sync: SandboxState.Sync, known: Bool)? in
                guard let index = state.appIndex(appID) else { return nil }
                let key = bearer.flatMap { state.signingKey(presentedAs: $0) }
                let sync = state.recordSync(
                    appAt: index,
                    accepted: key,
                    message: SandboxState.invalidSigningKeyMessage,
                    url: url
                )
                return (sync, key != nil)
            }
            guard let outcome else {
                log("register \(appID): unknown app")
                return HTTPResponse(
                    status: 400,
                    json: ["error": .string("the sandbox has no app '\(appID)'; add it to apps[] in the state file")]
                )
            }
            guard outcome.known else {
                log("register \(appID): refused (the signing key is not one of the environment's)")
                return HTTPResponse(status: 401, json: ["error": .string(SandboxState.invalidSigningKeyMessage)])
            }
            log("register \(appID): accepted signing key \(outcome.sync.signingKeyFingerprint?.hex ?? "?")")
            return HTTPResponse(
                status: 200,
                json: ["ok": true, "modified": true, "sync_id": .string(outcome.sync.id), "app_id": .string(appID)]
            )
        } catch {
            let retryable = ((error as? PlatformError) ?? (error as? SandboxError)?.platformError)?.isRetryable == true
            return HTTPResponse(status: retryable ? 503 : 500, json: ["error": .string("\(error)")])
        }
    }

    /// Resyncs a real app: `PUT <url>` signed with the active key (as Inngest does), then reads the answer.
    /// The SDK registers through `/fn/register` meanwhile, and answers the PUT with that reply (HTTP 200
    /// even when the platform refused it, so the body decides). A PUT that fails before that is recorded
    /// as a failed sync.
    func syncOverHTTP(appID: String, url: String) async -> SyncResult {
        let failure = { (message: String) async -> SyncResult in
            let sync: SandboxState.Sync? = try? await store.mutate("resyncApp") { state in
                guard let index = state.appIndex(appID) else { return nil }
                return state.recordSync(appAt: index, accepted: nil, message: message)
            }
            return SyncResult(status: .error, message: message, syncID: sync?.id)
        }
        guard let target = URL(string: url), let host = target.host, HTTPClient.isLoopback(host: host) else {
            return await failure("the sandbox only contacts apps on the loopback interface; '\(url)' is not")
        }
        let active: Secret?
        do {
            active = try await store.read("resyncApp") { $0.activeSigningKey?.key }
        } catch {
            return SyncResult(status: .error, message: "\(error)")
        }
        let signed = InngestSignature.signJSON(
            ["url": .string(url)], timestamp: Int(Date().timeIntervalSince1970), key: active ?? Secret(""))
        let request = HTTPRequest(
            method: "PUT",
            url: target,
            headers: [
                "Content-Type": "application/json",
                "X-Inngest-Server-Kind": "cloud",
                "X-Inngest-Signature": signed.header,
                "User-Agent": "rekey-sandbox",
            ],
            body: signed.body,
            timeout: 30
        )
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            return await failure("the app at \(url) did not answer the sync request: \(error)")
        }
        let json = response.json
        guard response.status == 200 else {
            let detail = HTTPClient.platformMessage(response).map { ": \($0)" } ?? ""
            return await failure("the app at \(url) answered the sync request with HTTP \(response.status)\(detail)")
        }
        if json?["ok"]?.boolValue == true {
            return SyncResult(status: .success, syncID: json?["sync_id"]?.stringValue)
        }
        let message = json?["error"]?.stringValue ?? json?["message"]?.stringValue ?? "the app reported no sync result"
        return SyncResult(status: .error, message: "the app could not register: \(message)")
    }
}
