import Testing

@testable import RekeyCrypto

@Suite struct DigestTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func sha256MatchesFIPSVectors(input: String, expected: String) {
        #expect(SHA256.hex(input) == expected)
    }

    @Test func sha256OfNonContiguousCollectionMatchesArray() {
        let bytes: [UInt8] = Array("rekey".utf8)
        #expect(SHA256.hash(bytes.reversed().reversed()) == SHA256.hash(bytes))
    }

    // RFC 4231 test cases 1, 2 and 6 (key longer than the block size).
    @Test func hmacMatchesRFC4231() {
        let key1 = [UInt8](repeating: 0x0b, count: 20)
        #expect(
            HMACSHA256.hex(key: key1, message: Array("Hi There".utf8))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            HMACSHA256.hex(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let key6 = [UInt8](repeating: 0xaa, count: 131)
        #expect(
            HMACSHA256.hex(
                key: key6,
                message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
            ) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func hmacAcceptsEmptyKeyAndMessage() {
        // openssl dgst -sha256 -hmac '' </dev/null
        #expect(
            HMACSHA256.hex(key: [UInt8](), message: [UInt8]())
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func constantTimeEqualityComparesBytesAndLengths() {
        #expect(ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equal([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
    }

    @Test func hexRoundTripsAndRejectsBadInput() {
        let bytes: [UInt8] = [0x00, 0x7f, 0x80, 0xff]
        #expect(Hex.encode(bytes) == "007f80ff")
        #expect(Hex.decode("007F80ff") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("") == [])
    }

    @Test func secureRandomReturnsRequestedLengthAndDiffers() {
        let a = SecureRandom.bytes(32)
        let b = SecureRandom.bytes(32)
        #expect(a.count == 32)
        #expect(a != b)
        #expect(SecureRandom.hex(16).count == 32)
        #expect(SecureRandom.bytes(0).isEmpty)
    }
}
