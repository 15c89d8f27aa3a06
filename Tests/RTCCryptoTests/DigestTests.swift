import Foundation
import RTCCrypto
import Testing

@Suite struct DigestTests {
    @Test func hmacSHA1MatchesRFC2202() {
        // RFC 2202 §3, test case 2.
        let mac = HMAC.authenticationCode(.sha1, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(hex(mac) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func hmacSHA256MatchesRFC4231() {
        // RFC 4231 §4.3, test case 2.
        let mac = HMAC.authenticationCode(.sha256, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func sha256OfABC() {
        #expect(hex(Digest.hash(.sha256, Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func crc32CheckValue() {
        // The standard CRC-32/ISO-HDLC check value.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func randomBytesDiffer() {
        #expect(SecureRandom.bytes(16) != SecureRandom.bytes(16))
        #expect(SecureRandom.bytes(0).isEmpty)
    }

    @Test func openSSLIsAtLeast3() throws {
        try OpenSSLLibrary.checkSupported()
        #expect(OpenSSLLibrary.versionString.hasPrefix("OpenSSL 3"))
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
