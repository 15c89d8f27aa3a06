import RTCCrypto
import Testing

@Suite struct MD5Tests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// RFC 1321 §A.5 test suite.
    @Test func rfc1321Vectors() {
        #expect(hex(MD5.hash([UInt8]())) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex(MD5.hash(Array("a".utf8))) == "0cc175b9c0f1b6a831c399e269772661")
        #expect(hex(MD5.hash(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex(MD5.hash(Array("message digest".utf8))) == "f96b697d7cb7938d525a2f31aaf161d0")
    }

    /// The long-term credential key of RFC 5769 §2.4 (username U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9, realm
    /// "example.org", SASLprep'd password "TheMatrIX"); the expected value was computed with Python's hashlib.
    @Test func rfc5769LongTermKey() {
        let key = MD5.hash(Array("\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}:example.org:TheMatrIX".utf8))
        #expect(hex(key) == "e8ca7ad59d5eb0518e312911d2dab2a9")
    }
}
