import Testing

@testable import RekeyCrypto

@Suite struct AES256GCMTests {
    let key = [UInt8](repeating: 0x42, count: 32)

    // NIST GCM test vector (gcmEncryptExtIV256, Count 0 of the 96-bit-IV, 128-bit-tag, PT=128 group):
    // key feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308, IV cafebabefacedbaddecaf888.
    @Test func sealMatchesPublishedVector() throws {
        let key = Hex.decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")!
        let nonce = Hex.decode("cafebabefacedbaddecaf888")!
        let plaintext = Hex.decode(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        )!
        let aad = Hex.decode("feedfacedeadbeeffeedfacedeadbeefabaddad2")!
        let box = try AES256GCM.seal(plaintext, key: key, nonce: nonce, associatedData: aad)
        let ciphertext = Array(box[12..<(box.count - 16)])
        let tag = Array(box[(box.count - 16)...])
        #expect(
            Hex.encode(ciphertext)
                == "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        )
        #expect(Hex.encode(tag) == "76fc6ece0f4e1768cddf8853bb2d551b")
    }

    @Test func roundTripsWithFreshNonces() throws {
        let message = Array("signkey-prod-abc".utf8)
        let a = try AES256GCM.seal(message, key: key, associatedData: Array("r1/step".utf8))
        let b = try AES256GCM.seal(message, key: key, associatedData: Array("r1/step".utf8))
        #expect(a != b)
        #expect(try AES256GCM.open(a, key: key, associatedData: Array("r1/step".utf8)) == message)
    }

    @Test func emptyPlaintextRoundTrips() throws {
        let box = try AES256GCM.seal([], key: key, associatedData: [])
        #expect(box.count == 28)
        #expect(try AES256GCM.open(box, key: key, associatedData: []) == [])
    }

    @Test func wrongKeyAssociatedDataOrAlteredByteFailsAuthentication() throws {
        let box = try AES256GCM.seal(Array("secret".utf8), key: key, associatedData: Array("a".utf8))
        var otherKey = key
        otherKey[0] ^= 1
        #expect(throws: AES256GCM.Error.authenticationFailed) {
            try AES256GCM.open(box, key: otherKey, associatedData: Array("a".utf8))
        }
        #expect(throws: AES256GCM.Error.authenticationFailed) {
            try AES256GCM.open(box, key: key, associatedData: Array("b".utf8))
        }
        var altered = box
        altered[14] ^= 0x01
        #expect(throws: AES256GCM.Error.authenticationFailed) {
            try AES256GCM.open(altered, key: key, associatedData: Array("a".utf8))
        }
    }

    @Test func rejectsBadKeyLengthAndTruncatedBox() {
        #expect(throws: AES256GCM.Error.invalidKeyLength(16)) {
            try AES256GCM.seal([1], key: [UInt8](repeating: 0, count: 16), associatedData: [])
        }
        #expect(throws: AES256GCM.Error.truncated) {
            try AES256GCM.open([UInt8](repeating: 0, count: 27), key: key, associatedData: [])
        }
    }
}
