import NIOCore
import RTCWire
import Testing

private typealias T = STUNTestSupport

/// RFC 5769 vectors, integrity and fingerprint, framing errors.
@Suite struct STUNTests {
    // MARK: RFC 5769

    @Test func rfc5769SampleRequest() throws {
        let raw = T.rfc5769Request
        let message = try STUNMessage(bytes: raw)
        #expect(message.type == .bindingRequest)
        #expect(message.method == .binding && message.messageClass == .request)
        #expect(message.transactionID == STUNTransactionID(bytes: T.bytes("b7e7a701bc34d686fa87dfae")))
        #expect(message.attributes == [
            .software("STUN test client"),
            .priority(0x6E00_01FF),
            .iceControlled(0x932F_F9B1_5126_3B36),
            .username("evtj:h6vY"),
            .messageIntegrity(T.bytes("9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2")),
            .fingerprint(0xE57A_3BCF),
        ])
        #expect(message.username == "evtj:h6vY")
        #expect(message.priority == 0x6E00_01FF)
        let key = STUNIntegrity.shortTerm(password: T.rfc5769Password).key
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: key, hmac: T.hmacSHA1)
        try STUNMessage.verifyFingerprint(rawMessage: raw, crc32: T.crc32)

        // As-is serialization: identical except the USERNAME padding, which we write as zeros (RFC 8489 §14).
        var expected = raw
        expected[73...75] = [0, 0, 0]
        #expect(try message.bytes() == expected)

        // Protecting again yields a message that verifies and parses to the same attributes.
        let protected = try message.bytes(integrity: .shortTerm(password: T.rfc5769Password), fingerprint: true, crypto: T.crypto)
        #expect(protected.count == raw.count)
        #expect(Array(protected[..<76]) == Array(expected[..<76]))
        try STUNMessage.verifyIntegrity(rawMessage: protected, key: key, hmac: T.hmacSHA1)
        try STUNMessage.verifyFingerprint(rawMessage: protected, crc32: T.crc32)
        let reparsed = try STUNMessage(bytes: protected)
        #expect(Array(reparsed.attributes.prefix(4)) == Array(message.attributes.prefix(4)))
    }

    @Test func rfc5769IPv4Response() throws {
        let raw = T.rfc5769IPv4Response
        let message = try STUNMessage(bytes: raw)
        #expect(message.type == .bindingSuccess)
        #expect(message.transactionID.description == "b7e7a701bc34d686fa87dfae")
        let address = try #require(message.xorMappedAddress)
        #expect(address == STUNAddress(ip: .v4(0xC000_0201), port: 32853))
        #expect(address.description == "192.0.2.1:32853")
        #expect(message.attributes.count == 4)
        #expect(message.attributes[0] == .software("test vector"))
        #expect(message.attributes[2] == .messageIntegrity(T.bytes("2b91f599fd9e90c38c7489f92af9ba53f06be7d7")))
        #expect(message.attributes[3] == .fingerprint(0xC07D_4C96))
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: Array(T.rfc5769Password.utf8), hmac: T.hmacSHA1)
        try STUNMessage.verifyFingerprint(rawMessage: raw, crc32: T.crc32)
        var expected = raw
        expected[35] = 0  // SOFTWARE padding
        #expect(try message.bytes() == expected)
        let protected = try message.bytes(integrity: .shortTerm(password: T.rfc5769Password), fingerprint: true, crypto: T.crypto)
        try STUNMessage.verifyIntegrity(rawMessage: protected, key: Array(T.rfc5769Password.utf8), hmac: T.hmacSHA1)
        try STUNMessage.verifyFingerprint(rawMessage: protected, crc32: T.crc32)
        #expect(Array(protected[..<48]) == Array(expected[..<48]))
    }

    @Test func rfc5769IPv6Response() throws {
        let raw = T.rfc5769IPv6Response
        let message = try STUNMessage(bytes: raw)
        #expect(message.type == .bindingSuccess)
        let address = try #require(message.xorMappedAddress)
        #expect(address.family == .ipv6)
        #expect(address.ip.bytes == T.bytes("20010db8123456780011223344556677"))
        #expect(address.port == 32853)
        #expect(address.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        #expect(message.attributes[2] == .messageIntegrity(T.bytes("a382954e4be67bf11784c97c8292c275bfe3ed41")))
        #expect(message.attributes[3] == .fingerprint(0xC8FB_0B4C))
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: Array(T.rfc5769Password.utf8), hmac: T.hmacSHA1)
        try STUNMessage.verifyFingerprint(rawMessage: raw, crc32: T.crc32)
        var expected = raw
        expected[35] = 0
        #expect(try message.bytes() == expected)
    }

    @Test func rfc5769LongTermRequest() throws {
        let raw = T.rfc5769LongTermRequest
        let message = try STUNMessage(bytes: raw)
        #expect(message.type == .bindingRequest)
        #expect(message.transactionID.bytes == T.bytes("78ad3433c6ad72c029da412e"))
        #expect(message.username == T.rfc5769LongTermUsername)
        #expect(message.nonce == "f//499k954d6OL34oL9FSTvy64sA")
        #expect(message.realm == "example.org")
        #expect(message.attributes.last == .messageIntegrity(T.bytes("f67024656dd64a3e02b8e0712e85c9a28ca89666")))
        #expect(!message.contains(.fingerprint))

        let key = STUNIntegrity.longTermKey(username: T.rfc5769LongTermUsername, realm: "example.org",
                                            password: T.rfc5769LongTermPassword, md5: T.md5)
        #expect(T.hex(key) == "e8ca7ad59d5eb0518e312911d2dab2a9")
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: key, hmac: T.hmacSHA1)
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyFingerprint(rawMessage: raw, crc32: T.crc32)
        }
        // Zero padding throughout, so both serializations reproduce the vector exactly.
        #expect(try message.bytes() == raw)
        #expect(try message.bytes(integrity: .longTerm(key: key), fingerprint: false, crypto: T.crypto) == raw)
    }

    @Test func md5HelperMatchesRFC1321() {
        #expect(T.hex(T.md5([])) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(T.hex(T.md5(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(T.hex(T.md5(Array(String(repeating: "1234567890", count: 8).utf8)))
                == "57edf4a22be3c955ac49da2e2107b67a")
    }

    // MARK: Integrity and fingerprint

    @Test func everyTamperedByteFailsVerification() throws {
        let key = Array(T.rfc5769Password.utf8)
        for vector in [T.rfc5769Request, T.rfc5769IPv4Response, T.rfc5769IPv6Response] {
            // Everything before FINGERPRINT's value is covered by the CRC; everything before MESSAGE-INTEGRITY's
            // end by the HMAC (padding excepted: flipping a padding byte still breaks the HMAC, which covers it).
            for index in 0..<(vector.count - 4) {
                var tampered = vector
                tampered[index] ^= 0x01
                #expect(throws: WireError.self, "byte \(index)") {
                    try STUNMessage.verifyFingerprint(rawMessage: tampered, crc32: T.crc32)
                }
                if index < vector.count - 8 {
                    #expect(throws: WireError.self, "byte \(index)") {
                        try STUNMessage.verifyIntegrity(rawMessage: tampered, key: key, hmac: T.hmacSHA1)
                    }
                }
            }
            var badFingerprint = vector
            badFingerprint[vector.count - 1] ^= 0x80
            #expect(throws: WireError(.stun, .integrity, "")) {
                try STUNMessage.verifyFingerprint(rawMessage: badFingerprint, crc32: T.crc32)
            }
            // The HMAC does not cover FINGERPRINT.
            try STUNMessage.verifyIntegrity(rawMessage: badFingerprint, key: key, hmac: T.hmacSHA1)
        }
    }

    @Test func wrongPasswordFails() throws {
        for vector in [T.rfc5769Request, T.rfc5769IPv4Response, T.rfc5769IPv6Response] {
            #expect(throws: WireError(.stun, .integrity, "")) {
                try STUNMessage.verifyIntegrity(rawMessage: vector, key: Array("VOkJxbRl1RmTxUk/WvJxBT".utf8),
                                                hmac: T.hmacSHA1)
            }
        }
        let wrongKey = STUNIntegrity.longTermKey(username: T.rfc5769LongTermUsername, realm: "example.org",
                                                 password: "The\u{AD}M\u{AA}tr\u{2168}", md5: T.md5)
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyIntegrity(rawMessage: T.rfc5769LongTermRequest, key: wrongKey, hmac: T.hmacSHA1)
        }
    }

    @Test func missingIntegrityFails() throws {
        let bytes = try STUNMessage(type: .bindingRequest, attributes: [.username("a:b")]).bytes()
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyIntegrity(rawMessage: bytes, key: [1], hmac: T.hmacSHA1)
        }
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyFingerprint(rawMessage: bytes, crc32: T.crc32)
        }
    }

    @Test func attributesAfterIntegrityAreIgnored() throws {
        // RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY, other than FINGERPRINT, do not count.
        // §2.4 has zero padding, so re-serializing it keeps its MESSAGE-INTEGRITY valid.
        let key = STUNIntegrity.longTermKey(username: T.rfc5769LongTermUsername, realm: "example.org",
                                            password: T.rfc5769LongTermPassword, md5: T.md5)
        var message = try STUNMessage(bytes: T.rfc5769LongTermRequest)
        message.attributes.append(.software("appended later"))
        message.attributes.append(.priority(7))
        let raw = try message.bytes()
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: key, hmac: T.hmacSHA1)
        // A change before MESSAGE-INTEGRITY still fails.
        message.attributes[2] = .realm("example.net")
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyIntegrity(rawMessage: try message.bytes(), key: key, hmac: T.hmacSHA1)
        }
    }

    @Test func fingerprintMustBeLast() throws {
        var message = try STUNMessage(bytes: T.rfc5769IPv4Response)
        message.attributes.append(.software("after fingerprint"))
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyFingerprint(rawMessage: try message.bytes(), crc32: T.crc32)
        }
    }

    @Test func sha256IntegrityRoundTrip() throws {
        let message = STUNMessage(type: STUNMessageType(method: .allocate, class: .request),
                                  attributes: [.requestedTransport(17), .username("u"), .realm("r"), .nonce("n")])
        let key = Array("secret".utf8)
        let hmac256: ([UInt8], [UInt8]) -> [UInt8] = { k, m in T.crypto.hmacSHA256?(k, m) ?? [] }
        let raw = try message.bytes(integrity: STUNIntegrity(key: key, algorithm: .sha256), fingerprint: true, crypto: T.crypto)
        let parsed = try STUNMessage(bytes: raw)
        #expect(parsed.attributes.count == 6)
        guard case .messageIntegritySHA256(let mac) = parsed.attributes[4] else {
            Issue.record("no MESSAGE-INTEGRITY-SHA256")
            return
        }
        #expect(mac.count == 32)
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: key, algorithm: .sha256, hmac: hmac256)
        try STUNMessage.verifyFingerprint(rawMessage: raw, crc32: T.crc32)
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyIntegrity(rawMessage: raw, key: key, algorithm: .sha1, hmac: T.hmacSHA1)
        }
        #expect(throws: WireError(.stun, .integrity, "")) {
            try STUNMessage.verifyIntegrity(rawMessage: raw, key: [0], algorithm: .sha256, hmac: hmac256)
        }
        // Without an HMAC-SHA256 function the writer refuses, and writes nothing.
        let sha1Only = STUNCryptoFunctions(hmacSHA1: T.crypto.hmacSHA1, crc32: T.crypto.crc32)
        var buffer = ByteBuffer()
        #expect(throws: WireError(.stun, .unsupported, "")) {
            try message.write(to: &buffer, integrity: STUNIntegrity(key: key, algorithm: .sha256), fingerprint: true, crypto: sha1Only)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func bothIntegrityAttributesVerify() throws {
        // MESSAGE-INTEGRITY then MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): each verifies over what precedes it.
        let key = Array("pw".utf8)
        var message = STUNMessage(type: .bindingRequest, attributes: [.username("a:b")])
        let first = try message.bytes(integrity: .shortTerm(password: "pw"), fingerprint: false, crypto: T.crypto)
        message = try STUNMessage(bytes: first)
        var buffer = ByteBuffer()
        // Write the SHA-1 protected message, then append SHA-256 integrity over it, by hand.
        buffer.writeBytes(first)
        let covered = Array(first[..<2]) + [0, UInt8(first.count - 20 + 36)] + Array(first[4...])
        let mac = T.crypto.hmacSHA256?(key, covered) ?? []
        try STUNAttribute.messageIntegritySHA256(mac).write(to: &buffer, transactionID: message.transactionID)
        buffer.setInteger(UInt16(buffer.readableBytes - 20), at: 2)
        try STUNMessage.verifyIntegrity(rawMessage: buffer, key: key, algorithm: .sha1, hmac: T.hmacSHA1)
        try STUNMessage.verifyIntegrity(rawMessage: buffer, key: key, algorithm: .sha256) { T.crypto.hmacSHA256?($0, $1) ?? [] }
    }

    @Test func truncatedSHA256IntegrityVerifies() throws {
        // A 16-byte MESSAGE-INTEGRITY-SHA256 is the HMAC's first 16 bytes (RFC 8489 §14.6).
        let key = Array("k".utf8)
        var buffer = ByteBuffer()
        let message = STUNMessage(type: .bindingRequest, attributes: [.priority(5)])
        try message.write(to: &buffer)
        buffer.setInteger(UInt16(buffer.readableBytes - 20 + 20), at: 2)
        let mac = T.crypto.hmacSHA256?(key, Array(buffer.readableBytesView)) ?? []
        try STUNAttribute.messageIntegritySHA256(Array(mac.prefix(16))).write(to: &buffer, transactionID: message.transactionID)
        try STUNMessage.verifyIntegrity(rawMessage: buffer, key: key, algorithm: .sha256) { T.crypto.hmacSHA256?($0, $1) ?? [] }
    }

    // MARK: Framing errors

    @Test func everyTruncationIsATypedError() {
        for vector in [T.rfc5769Request, T.rfc5769IPv4Response, T.rfc5769IPv6Response, T.rfc5769LongTermRequest] {
            for length in 0..<vector.count {
                var buffer = ByteBuffer(bytes: vector[..<length])
                #expect(throws: WireError(.stun, .truncated, ""), "length \(length)") {
                    _ = try STUNMessage(parsing: &buffer)
                }
                #expect(buffer.readableBytes == length, "a failed parse must not consume input")
                #expect(throws: WireError.self) {
                    try STUNMessage.verifyIntegrity(rawMessage: Array(vector[..<length]), key: [], hmac: T.hmacSHA1)
                }
                #expect(throws: WireError.self) {
                    try STUNMessage.verifyFingerprint(rawMessage: Array(vector[..<length]), crc32: T.crc32)
                }
            }
        }
    }

    @Test func attributeLengthPastTheEndIsMalformed() {
        // Message length 8; the one attribute claims 12 bytes of value.
        let raw = T.bytes("0001 0008 2112a442 000000000000000000000000 8022 000c 41424344")
        #expect(throws: WireError(.stun, .malformed, "")) { _ = try STUNMessage(bytes: raw) }
        // A second attribute whose value runs past the end (the first is fine).
        let second = T.bytes("0001 000c 2112a442 000000000000000000000000 0025 0000 0006 0005 41424344")
        #expect(throws: WireError(.stun, .malformed, "")) { _ = try STUNMessage(bytes: second) }
        #expect(throws: WireError.self) {
            try STUNMessage.verifyIntegrity(rawMessage: raw, key: [], hmac: T.hmacSHA1)
        }
    }

    @Test func headerChecks() throws {
        let good = T.bytes("0001 0000 2112a442 0102030405060708090a0b0c")
        let message = try STUNMessage(bytes: good)
        #expect(message.attributes.isEmpty)
        #expect(throws: WireError(.stun, .malformed, "")) {
            _ = try STUNMessage(bytes: T.bytes("4001 0000 2112a442 0102030405060708090a0b0c"))
        }
        #expect(throws: WireError(.stun, .unsupported, "")) {
            _ = try STUNMessage(bytes: T.bytes("0001 0000 2112a443 0102030405060708090a0b0c"))
        }
        #expect(throws: WireError(.stun, .malformed, "")) {
            _ = try STUNMessage(bytes: T.bytes("0001 0002 2112a442 0102030405060708090a0b0c 0000"))
        }
        // A datagram with bytes after the message is refused by init(bytes:), not by the stream parser.
        #expect(throws: WireError(.stun, .malformed, "")) { _ = try STUNMessage(bytes: good + [0, 0, 0, 0]) }
        var stream = ByteBuffer(bytes: good + good)
        _ = try STUNMessage(parsing: &stream)
        #expect(stream.readableBytes == 20)
        _ = try STUNMessage(parsing: &stream)
        #expect(stream.readableBytes == 0)
    }

    @Test func looksLikeSTUN() {
        for vector in [T.rfc5769Request, T.rfc5769IPv4Response, T.rfc5769IPv6Response, T.rfc5769LongTermRequest] {
            #expect(STUNMessage.looksLikeSTUN(vector))
            #expect(STUNMessage.looksLikeSTUN(ByteBuffer(bytes: vector)))
            #expect(!STUNMessage.looksLikeSTUN(vector.prefix(19)))
        }
        #expect(!STUNMessage.looksLikeSTUN(T.bytes("4001 0004 2112a442 000000000000000000000000")))  // ChannelData
        #expect(!STUNMessage.looksLikeSTUN(T.bytes("8060 0001 2112a442 000000000000000000000000")))  // RTP
        #expect(!STUNMessage.looksLikeSTUN(T.bytes("0001 0000 00000000 000000000000000000000000")))  // RFC 3489
        #expect(!STUNMessage.looksLikeSTUN([UInt8]()))
    }

    @Test func oversizedMessagesAreRefused() {
        let big = ByteBuffer(repeating: 0xAA, count: 40_000)
        var buffer = ByteBuffer()
        let message = STUNMessage(type: STUNMessageType(method: .send, class: .indication), attributes: [.data(big), .data(big)])
        #expect(throws: WireError(.stun, .tooLarge, "")) { try message.write(to: &buffer) }
        #expect(buffer.readableBytes == 0)
        let huge = STUNMessage(type: .bindingIndication, attributes: [.data(ByteBuffer(repeating: 0, count: 70_000))])
        #expect(throws: WireError(.stun, .tooLarge, "")) { try huge.write(to: &buffer) }
        #expect(throws: WireError(.stun, .tooLarge, "")) {
            try message.write(to: &buffer, integrity: .shortTerm(password: "x"), fingerprint: true, crypto: T.crypto)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func randomTransactionIDsDiffer() {
        #expect(STUNTransactionID.random() != STUNTransactionID.random())
        #expect(STUNTransactionID(bytes: [1, 2, 3]) == nil)
        let id = STUNTransactionID(bytes: Array(1...12))
        #expect(id?.bytes == Array(1...12))
        #expect(id?.description == "0102030405060708090a0b0c")
    }
}
