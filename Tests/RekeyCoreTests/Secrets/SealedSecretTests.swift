import Foundation
import RekeyCore
import Testing

@Suite struct SealedSecretTests {
    private static let binding = SealBinding(rotationID: "rot-20261123-abcdef", step: .createEventKeys, item: "ek_1")
    private static let value = "evn_prod_0123456789abcdef0123456789abcdef"

    @Test func roundTripsThroughTheJournalEncoding() throws {
        let key = SealKey.random()
        let sealed = try SealedSecret.seal(Secret(Self.value), with: key, binding: Self.binding)
        let bytes = JSONCoding.canonicalBytes(sealed)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains(Self.value))
        #expect(!SecretScrubber([Secret(Self.value)]).appears(in: bytes))
        let object = try #require(try JSONValue.parse(bytes).objectValue)
        #expect(Set(object.keys) == ["v", "alg", "kid", "box"])
        #expect(object["v"] == .number(1))
        #expect(object["alg"] == .string("A256GCM"))
        #expect(object["kid"] == .string(key.id))
        let decoded = try JSONCoding.decode(SealedSecret.self, from: bytes)
        #expect(try decoded.open(with: key, binding: Self.binding).exposeValue() == Self.value)
    }

    @Test func sealingTwiceGivesDifferentBoxes() throws {
        let key = SealKey.random()
        let first = try SealedSecret.seal(Secret(Self.value), with: key, binding: Self.binding)
        let second = try SealedSecret.seal(Secret(Self.value), with: key, binding: Self.binding)
        #expect(first != second)
    }

    @Test func aWrongKeyIsReportedAsSuchNeverAsGarbage() throws {
        let right = SealKey.random()
        let wrong = SealKey.random()
        let sealed = try SealedSecret.seal(Secret(Self.value), with: right, binding: Self.binding)
        #expect(throws: SealError.wrongKey(item: "create-event-keys/ek_1", sealedWith: right.id, given: wrong.id)) {
            try sealed.open(with: wrong, binding: Self.binding)
        }
        let message = SealError.wrongKey(item: "create-event-keys/ek_1", sealedWith: right.id, given: wrong.id)
            .description
        #expect(message.contains("use the key the rotation started with"))
    }

    @Test(arguments: [
        SealBinding(rotationID: "rot-other", step: .createEventKeys, item: "ek_1"),
        SealBinding(rotationID: "rot-20261123-abcdef", step: .createSigningKey, item: "ek_1"),
        SealBinding(rotationID: "rot-20261123-abcdef", step: .createEventKeys, item: "ek_2"),
    ])
    func doesNotOpenForAnotherRotationStepOrItem(other: SealBinding) throws {
        let key = SealKey.random()
        let sealed = try SealedSecret.seal(Secret(Self.value), with: key, binding: Self.binding)
        #expect(throws: SealError.tampered(item: other.description)) { try sealed.open(with: key, binding: other) }
    }

    @Test func anAlteredBoxDoesNotOpen() throws {
        let key = SealKey.random()
        let sealed = try SealedSecret.seal(Secret(Self.value), with: key, binding: Self.binding)
        var object = try #require(try JSONValue.parse(JSONCoding.canonicalBytes(sealed)).objectValue)
        guard case .string(let box)? = object["box"], var bytes = Data(base64Encoded: box).map(Array.init) else {
            Issue.record("no box")
            return
        }
        bytes[bytes.count / 2] ^= 0x01
        object["box"] = .string(Data(bytes).base64EncodedString())
        let altered = try JSONCoding.decode(SealedSecret.self, from: Array(JSONValue.object(object).serialized().utf8))
        #expect(throws: SealError.tampered(item: "create-event-keys/ek_1")) {
            try altered.open(with: key, binding: Self.binding)
        }
    }

    @Test(arguments: [
        #"{"v": 2, "alg": "A256GCM", "kid": "abc", "box": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
        #"{"v": 1, "alg": "ROT13", "kid": "abc", "box": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
        #"{"v": 1, "alg": "A256GCM", "kid": "abc", "box": "not base64"}"#,
        #"{"v": 1, "alg": "A256GCM", "kid": "abc", "box": "AAAA"}"#,
    ])
    func refusesUnknownVersionsAlgorithmsAndBoxes(json: String) {
        #expect(throws: (any Error).self) { try JSONCoding.decode(SealedSecret.self, from: Array(json.utf8)) }
    }

    @Test func aMissingKeyMessageSaysHowToProvideOne() {
        let message = SealError.keyMissing(steps: [.createEventKeys], platform: "eventnerds").description
        #expect(message.contains("REKEY_SEAL_KEY"))
        #expect(message.contains("--seal-key-file"))
        #expect(message.contains("create-event-keys"))
        #expect(!message.contains("\n"))
    }
}
