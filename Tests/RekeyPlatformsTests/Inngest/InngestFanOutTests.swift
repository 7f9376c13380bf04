import Foundation
import RekeyCore
import Testing

@testable import RekeyPlatforms

/// What keeps a fan-out over thousands of Inngest keys linear: a created key is read from the mutation's
/// answer, a deletion lists keys only to explain a refusal, and listed timestamps are read by hand.
@Suite struct InngestFanOutTests {
    static func operations(_ fake: FakeTransport) -> [String] {
        fake.sent.map { (try? JSONValue.parse($0.body))?["operationName"]?.stringValue ?? "?" }
    }

    @Test func aCreatedEventKeyComesFromTheMutationsAnswerWithoutAListing() async throws {
        let fake = FakeTransport { request in
            let body = try JSONValue.parse(request.body)
            guard body["operationName"] == "NewIngestKey" else {
                return .json(200, ["errors": [["message": "unexpected"]]])
            }
            return .json(
                200,
                [
                    "data": [
                        "key": [
                            "id": "ek_new", "name": "Orders (rotated)", "presharedKey": "evt-secret-value",
                            "createdAt": "2026-11-23T13:33:46.123Z",
                            "filter": ["type": "allow", "events": ["orders/*"], "ips": ["10.0.0.0/8"]],
                        ]
                    ]
                ]
            )
        }
        let platform = InngestPlatformTests.platform(fake, session: "s", environmentID: "env-uuid")
        let filter = KeyFilter(mode: .allow, events: ["orders/*"], ips: ["10.0.0.0/8"])
        let key = try await platform.createKey(NewKeyRequest(kind: .event, name: "Orders (rotated)", filter: filter))
        #expect(Self.operations(fake) == ["NewIngestKey"])
        #expect(key.id == "ek_new")
        #expect(key.secret?.exposeValue() == "evt-secret-value")
        #expect(key.filter == filter)
        #expect(key.name == "Orders (rotated)")
        let document = try #require(try JSONValue.parse(fake.sent[0].body)["query"]?.stringValue)
        #expect(document.contains("presharedKey"))
    }

    @Test func deletingAnEventKeySendsOnlyTheMutation() async throws {
        let fake = FakeTransport { _ in .json(200, ["data": ["deleteIngestKey": ["ids": ["ek_1"]]]]) }
        let platform = InngestPlatformTests.platform(fake, session: "s", environmentID: "env-uuid")
        try await platform.deleteKey(.event, id: "ek_1")
        #expect(Self.operations(fake) == ["DeleteEventKey"])
    }

    @Test(arguments: [(false, true), (true, false)])
    func aRefusedDeletionIsNotFoundOnlyWhenTheKeyIsGone(listed: Bool, notFound: Bool) async throws {
        let fake = FakeTransport { request in
            let body = try JSONValue.parse(request.body)
            switch body["operationName"]?.stringValue {
            case "DeleteEventKey":
                return .json(200, ["data": nil, "errors": [["message": "cannot delete this key"]]])
            case "GetIngestKeys":
                let keys: JSONValue = listed ? [["id": "ek_1", "presharedKey": "k", "source": "key"]] : []
                return .json(200, ["data": ["environment": ["ingestKeys": keys]]])
            default:
                return .json(200, ["errors": [["message": "unexpected"]]])
            }
        }
        let platform = InngestPlatformTests.platform(fake, session: "s", environmentID: "env-uuid")
        await #expect {
            try await platform.deleteKey(.event, id: "ek_1")
        } throws: { error in
            switch error as? PlatformError {
            case .notFound: notFound
            case .rejected(let message): !notFound && message.contains("cannot delete this key")
            default: false
            }
        }
        #expect(Self.operations(fake) == ["DeleteEventKey", "GetIngestKeys"])
    }

    @Test func readsListedTimestampsAsTheFormatStyleDoes() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let seconds = Int.random(in: 0..<4_102_444_800, using: &generator)
            let digits = Int.random(in: 0...9, using: &generator)
            var text = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: Double(seconds)))
            if digits > 0 {
                let fraction = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
                text = String(text.dropLast()) + "." + fraction + "Z"
            }
            let fast = try #require(InngestTimestamp.parseUTC(text), "\(text)")
            var normalized = text
            if let dot = text.firstIndex(of: ".") {
                let fraction = text[text.index(after: dot)...].dropLast()
                normalized =
                    String(text[..<dot]) + "."
                    + String(fraction.prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0) + "Z"
            }
            let style = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(normalized)
            #expect(abs(fast.timeIntervalSince(style)) < 0.000_001, "\(text)")
        }
    }

    @Test(arguments: ["2026-11-23T13:33:46+02:00", "2026-02-30T00:00:00Z", "2026-11-23T13:33:46.Z", "2026-11-23"])
    func leavesOtherTimestampsToTheFormatStyle(text: String) {
        #expect(InngestTimestamp.parseUTC(text) == nil)
    }

    @Test func stillReadsOffsetsThroughTheFormatStyle() throws {
        let date = try #require(InngestTimestamp.parse("2026-11-23T13:33:46+02:00"))
        #expect(date == (try Date.ISO8601FormatStyle().parse("2026-11-23T11:33:46Z")))
    }
}
