import Foundation
import RekeyCore
import RekeyCrypto
import RekeyPlatforms

// Serve endpoints for the sandbox's emulated apps, so that a playbook can verify them by introspection
// over HTTP exactly as it verifies real apps: `GET /apps/{id}/api/inngest` answers as the Python SDK
// does in cloud mode, from what the app runs with.

extension SandboxAPI {
    /// The path of an emulated app's serve endpoint.
    public static func servePath(ofApp id: String) -> String {
        "/apps/\(id)/api/inngest"
    }

    /// `GET /apps/{id}/api/inngest`: a signature made with the app's running primary (or else fallback)
    /// key unlocks the authenticated introspection, signed with the key that verified; anything else is
    /// 401 `{"message": "Unauthorized"}`. An empty variable counts as a configured key, as in the SDK.
    func introspect(appID: String, _ request: HTTPRequest) async throws -> HTTPResponse {
        let app = try await store.read("inspect") { state -> SandboxState.App? in
            state.appIndex(appID).map { state.apps[$0] }
        }
        guard let app else { return HTTPResponse(status: 404, json: ["message": .string("no app '\(appID)'")]) }
        if let url = app.url {
            return HTTPResponse(
                status: 404,
                json: ["message": .string("app '\(app.id)' is a real process: its serve endpoint is \(url)")]
            )
        }
        let running = try await platform.runningConfig(
            of: AppSpec(name: app.id, target: .dotenv(path: "")), operation: "inspect")
        guard let primary = running.signingKey else {
            return HTTPResponse(
                status: 502,
                json: [
                    "message":
                        "the app is not running: in cloud mode the SDK refuses to start without INNGEST_SIGNING_KEY"
                ]
            )
        }
        let header = request.headers["X-Inngest-Signature"] ?? ""
        guard
            let verifying = [primary, running.signingKeyFallback].compactMap(\.self).first(where: {
                InngestSignature.verify(header: header, body: request.body, key: $0)
            })
        else {
            return HTTPResponse(status: 401, json: ["message": "Unauthorized"])
        }
        let fallback = running.signingKeyFallback
        let eventKey = running.eventKey
        func hash(_ key: Secret?) -> JSONValue {
            guard let key, !key.isEmpty, let hashed = InngestSigningKey.hashed(key) else { return nil }
            return .string(hashed)
        }
        let body: JSONValue = [
            "app_id": .string(app.id),
            "authentication_succeeded": true,
            "capabilities": ["in_band_sync": "v1", "trust_probe": "v1"],
            "event_key_hash": eventKey.flatMap { $0.isEmpty ? nil : $0 }.map {
                .string($0.withExposedBytes { SHA256.hex($0) })
            }
                ?? nil,
            "function_count": 1,
            "has_event_key": .bool(eventKey != nil),
            "has_signing_key": true,
            "has_signing_key_fallback": .bool(fallback != nil),
            "mode": "cloud",
            "schema_version": "2024-05-24",
            "sdk_language": "rekey-sandbox",
            "signing_key_fallback_hash": hash(fallback),
            "signing_key_hash": hash(primary),
        ]
        let bytes = Array(body.serialized().utf8)
        let signature = InngestSignature.header(
            body: bytes, timestamp: Int(Date().timeIntervalSince1970), key: verifying)
        return HTTPResponse(
            status: 200,
            headers: ["Content-Type": "application/json", "X-Inngest-Signature": signature],
            body: bytes
        )
    }
}
