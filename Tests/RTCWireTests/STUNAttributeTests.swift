import NIOCore
import RTCWire
import Testing

private typealias T = STUNTestSupport

/// Every attribute type, message types, addresses and ChannelData.
@Suite struct STUNAttributeTests {
    static let id = STUNTransactionID(high: 0xB7E7_A701, middle: 0xBC34_D686, low: 0xFA87_DFAE)
    static let v4 = STUNAddress(ip: .v4(0xC000_0201), port: 32853)
    static let v6 = STUNAddress(ip: .v6(0x2001_0DB8_1234_5678, 0x0011_2233_4455_6677), port: 32853)

    static let everyAttribute: [STUNAttribute] = [
        .mappedAddress(v4), .mappedAddress(v6), .xorMappedAddress(v4), .xorMappedAddress(v6),
        .username("evtj:h6vY"), .username(""), .messageIntegrity(Array(0..<20)),
        .messageIntegritySHA256(Array(0..<32)), .messageIntegritySHA256(Array(0..<16)), .fingerprint(0x1234_5678),
        .errorCode(.unauthorized), .errorCode(STUNErrorCode(code: 699, reason: "ünïcødé")), .errorCode(STUNErrorCode(code: 300)),
        .unknownAttributes([]), .unknownAttributes([.evenPort, STUNAttributeType(rawValue: 0x7FFF)]),
        .realm("example.org"), .nonce("f//499k954d6OL34oL9FSTvy64sA"), .software("AsyncRTC 0.1"),
        .alternateServer(v6), .priority(0x6E00_01FF), .useCandidate,
        .iceControlled(0x932F_F9B1_5126_3B36), .iceControlling(UInt64.max),
        .channelNumber(0x4000), .lifetime(600), .xorPeerAddress(v4), .xorPeerAddress(v6),
        .data(ByteBuffer(bytes: [1, 2, 3])), .data(ByteBuffer()), .xorRelayedAddress(v4), .xorRelayedAddress(v6),
        .requestedAddressFamily(.ipv4), .requestedAddressFamily(.ipv6), .evenPort(reserveNext: true),
        .evenPort(reserveNext: false), .requestedTransport(17), .dontFragment, .reservationToken(0x0102_0304_0506_0708),
        .unknown(type: STUNAttributeType(rawValue: 0x8055), value: [9, 8, 7]),
        .unknown(type: .passwordAlgorithm, value: [0, 2, 0, 0]), .unknown(type: STUNAttributeType(rawValue: 0x0030), value: []),
    ]

    @Test(arguments: everyAttribute)
    func attributeRoundTrip(_ attribute: STUNAttribute) throws {
        var buffer = ByteBuffer()
        try attribute.write(to: &buffer, transactionID: Self.id)
        #expect(buffer.readableBytes % 4 == 0)
        #expect(buffer.getInteger(at: 0, as: UInt16.self) == attribute.type.rawValue)
        let parsed = try STUNAttribute(parsing: &buffer, transactionID: Self.id)
        #expect(parsed == attribute)
        #expect(buffer.readableBytes == 0)
    }

    @Test func messageWithEveryAttributeRoundTrips() throws {
        let message = STUNMessage(type: STUNMessageType(method: .allocate, class: .successResponse),
                                  transactionID: Self.id, attributes: Self.everyAttribute)
        let raw = try message.bytes()
        #expect(raw.count == 20 + Int(raw[2]) << 8 + Int(raw[3]))
        #expect(try STUNMessage(bytes: raw) == message)
    }

    @Test func sampleMessagesRoundTrip() throws {
        for message in T.sampleMessages() {
            #expect(try STUNMessage(bytes: message.bytes()) == message)
            let protected = try message.bytes(integrity: .shortTerm(password: "pw"), fingerprint: true, crypto: T.crypto)
            try STUNMessage.verifyIntegrity(rawMessage: protected, key: Array("pw".utf8), hmac: T.hmacSHA1)
            try STUNMessage.verifyFingerprint(rawMessage: protected, crc32: T.crc32)
        }
    }

    @Test func xorAddressWireBytes() throws {
        // RFC 5769 §2.2 and §2.3: the XORed forms on the wire.
        var buffer = ByteBuffer()
        try STUNAttribute.xorMappedAddress(Self.v4).write(to: &buffer, transactionID: Self.id)
        #expect(Array(buffer.readableBytesView) == T.bytes("0020 0008 0001a147 e112a643"))
        buffer.clear()
        try STUNAttribute.xorMappedAddress(Self.v6).write(to: &buffer, transactionID: Self.id)
        #expect(Array(buffer.readableBytesView) == T.bytes("0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9"))
        buffer.clear()
        try STUNAttribute.mappedAddress(Self.v4).write(to: &buffer, transactionID: Self.id)
        #expect(Array(buffer.readableBytesView) == T.bytes("0001 0008 00018055 c0000201"))
    }

    @Test func malformedValuesAreRejected() {
        let cases: [(String, String)] = [
            ("0020 0008 0003a147 e112a643", "unknown address family"),
            ("0020 0004 0001a147", "IPv4 family without address"),
            ("0001 0014 00018055 c0000201 00000000 00000000 00000000", "IPv4 family with 16 bytes"),
            ("0001 0002 0001 0000", "address shorter than 4"),
            ("0008 0010 00000000 00000000 00000000 00000000", "MESSAGE-INTEGRITY of 16"),
            ("001c 000c 00000000 00000000 00000000", "MESSAGE-INTEGRITY-SHA256 of 12"),
            ("001c 0012 00000000 00000000 00000000 00000000 0000 0000", "MESSAGE-INTEGRITY-SHA256 of 18"),
            ("8028 0002 0000 0000", "FINGERPRINT of 2"),
            ("0009 0004 00000464", "ERROR-CODE number 100"),
            ("0009 0002 0004 0000", "ERROR-CODE shorter than 4"),
            ("000a 0003 000100 00", "UNKNOWN-ATTRIBUTES odd"),
            ("0024 0008 00000000 00000000", "PRIORITY of 8"),
            ("0025 0004 00000000", "USE-CANDIDATE with a value"),
            ("8029 0004 00000000", "ICE-CONTROLLED of 4"),
            ("000c 0002 4000 0000", "CHANNEL-NUMBER of 2"),
            ("0017 0004 03000000", "REQUESTED-ADDRESS-FAMILY 3"),
            ("0018 0004 80000000", "EVEN-PORT of 4"),
            ("0006 0002 c328 0000", "USERNAME invalid UTF-8"),
            ("8022 0001 ff000000", "SOFTWARE invalid UTF-8"),
        ]
        for (hex, what) in cases {
            var buffer = ByteBuffer(bytes: T.bytes(hex))
            #expect(throws: WireError(.stun, .malformed, ""), "\(what)") {
                _ = try STUNAttribute(parsing: &buffer, transactionID: Self.id)
            }
        }
    }

    @Test func unwritableValuesAreRejected() {
        let bad: [STUNAttribute] = [
            .messageIntegrity([1, 2, 3]), .messageIntegritySHA256(Array(repeating: 0, count: 17)),
            .errorCode(STUNErrorCode(code: 800)), .errorCode(STUNErrorCode(code: -1)),
        ]
        for attribute in bad {
            var buffer = ByteBuffer()
            #expect(throws: WireError(.stun, .malformed, "")) { try attribute.write(to: &buffer, transactionID: Self.id) }
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func errorCodeWireForm() throws {
        var buffer = ByteBuffer()
        try STUNAttribute.errorCode(.roleConflict).write(to: &buffer, transactionID: Self.id)
        #expect(Array(buffer.readableBytesView.prefix(8)) == T.bytes("0009 0011 00000457"))
        // Reserved bits are ignored on input.
        var withReserved = ByteBuffer(bytes: T.bytes("0009 0004 fffff401"))
        #expect(try STUNAttribute(parsing: &withReserved, transactionID: Self.id) == .errorCode(STUNErrorCode(code: 401)))
        #expect(STUNErrorCode.unauthorized.hasSameCode(as: STUNErrorCode(code: 401, reason: "nope")))
    }

    @Test func paddingBytesAreIgnored() throws {
        var buffer = ByteBuffer(bytes: T.bytes("8022 0001 41ffffff"))
        #expect(try STUNAttribute(parsing: &buffer, transactionID: Self.id) == .software("A"))
    }

    @Test func unknownComprehensionRequiredTypes() throws {
        let message = STUNMessage(type: .bindingRequest, attributes: [
            .unknown(type: STUNAttributeType(rawValue: 0x0031), value: []),
            .unknown(type: STUNAttributeType(rawValue: 0x8031), value: []),
            .username("x"),
        ])
        #expect(message.unknownComprehensionRequiredTypes == [STUNAttributeType(rawValue: 0x0031)])
        #expect(STUNAttributeType.fingerprint.description == "FINGERPRINT")
        #expect(STUNAttributeType(rawValue: 0x31).description == "0x0031")
    }

    // MARK: Message types

    @Test func messageTypeEncoding() {
        let known: [(STUNMethod, STUNMessageClass, UInt16)] = [
            (.binding, .request, 0x0001), (.binding, .indication, 0x0011), (.binding, .successResponse, 0x0101),
            (.binding, .errorResponse, 0x0111), (.allocate, .request, 0x0003), (.allocate, .successResponse, 0x0103),
            (.allocate, .errorResponse, 0x0113), (.refresh, .request, 0x0004), (.send, .indication, 0x0016),
            (.data, .indication, 0x0017), (.createPermission, .request, 0x0008), (.channelBind, .request, 0x0009),
            (.channelBind, .successResponse, 0x0109),
        ]
        for (method, messageClass, raw) in known {
            let type = STUNMessageType(method: method, class: messageClass)
            #expect(type.rawValue == raw, "\(type)")
            #expect(STUNMessageType(rawValue: raw) == type)
        }
        // Every 14-bit value is a distinct method and class.
        var seen = Set<STUNMessageType>()
        for raw in UInt16(0)...0x3FFF {
            let type = STUNMessageType(rawValue: raw)
            #expect(type.rawValue == raw)
            seen.insert(type)
        }
        #expect(seen.count == 0x4000)
        #expect(STUNMethod(rawValue: 0x1000) == nil)
        #expect(STUNMethod(rawValue: 0x0FFF)?.description == "Method(0xfff)")
        #expect(STUNMessageType.bindingSuccess.description == "Binding success response")
    }

    // MARK: Addresses

    @Test func addressText() throws {
        let cases: [(String, String)] = [
            ("192.0.2.1:32853", "192.0.2.1:32853"),
            ("0.0.0.0:0", "0.0.0.0:0"),
            ("[2001:db8:1234:5678:11:2233:4455:6677]:32853", "[2001:db8:1234:5678:11:2233:4455:6677]:32853"),
            ("[2001:0DB8:0:0:0:0:0:1]:3478", "[2001:db8::1]:3478"),
            ("[::]:1", "[::]:1"),
            ("[::1]:65535", "[::1]:65535"),
            ("[fe80::]:9", "[fe80::]:9"),
            ("[2001:db8:0:1:1:1:1:1]:9", "[2001:db8:0:1:1:1:1:1]:9"),
            ("[2001:0:0:1:0:0:0:1]:9", "[2001:0:0:1::1]:9"),
            ("[::ffff:192.0.2.1]:5", "[::ffff:c000:201]:5"),
        ]
        for (input, canonical) in cases {
            let address = try #require(STUNAddress(input), "\(input)")
            #expect(address.description == canonical)
            #expect(STUNAddress(canonical) == address)
        }
        for bad in ["", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "256.1.1.1:1", "1.2.3:4", "[::1]", "::1:5",
                    "[1:2:3:4:5:6:7:8:9]:1", "[1::2::3]:1", "[12345::]:1", "[:::]:1", "[::g]:1", "1.2.3.4:-1",
                    "[1.2.3.4]:5", "1.2.3.4:+5", "[1:2:3:4:5:6:7::8]:1"] {
            #expect(STUNAddress(bad) == nil, "\(bad)")
        }
        #expect(STUNAddress.IP("10.0.0.1") == .v4(0x0A00_0001))
        #expect(STUNAddress.IP(bytes: [10, 0, 0, 1]) == .v4(0x0A00_0001))
        #expect(STUNAddress.IP(bytes: [10, 0, 0]) == nil)
        #expect(STUNAddress.IP(bytes: Self.v6.ip.bytes) == Self.v6.ip)
    }

    // MARK: ChannelData

    @Test func channelDataRoundTrip() throws {
        for length in 0..<9 {
            let message = TURNChannelData(channelNumber: 0x4000 + UInt16(length), data: ByteBuffer(bytes: Array(repeating: 0xAB, count: length)))
            for framing in [TURNChannelData.Framing.datagram, .stream] {
                var buffer = ByteBuffer()
                try message.write(to: &buffer, framing: framing)
                #expect(buffer.readableBytes == (framing == .stream ? 4 + (length + 3) / 4 * 4 : 4 + length))
                buffer.writeBytes([0x40, 0x00, 0x00, 0x00])  // a following message stays in the buffer
                #expect(try TURNChannelData(parsing: &buffer, framing: framing) == message)
                #expect(buffer.readableBytes == 4)
            }
        }
        var wire = ByteBuffer(bytes: T.bytes("4fff 0003 616263 00"))
        let parsed = try TURNChannelData(parsing: &wire)
        #expect(parsed.channelNumber == 0x4FFF)
        #expect(Array(parsed.data.readableBytesView) == Array("abc".utf8))
        #expect(TURNChannelData.looksLikeChannelData(firstByte: 0x40))
        #expect(TURNChannelData.looksLikeChannelData(firstByte: 0x4F))
        #expect(!TURNChannelData.looksLikeChannelData(firstByte: 0x00))
        #expect(!TURNChannelData.looksLikeChannelData(firstByte: 0x80))
    }

    @Test func channelDataErrors() {
        for channel: UInt16 in [0x0000, 0x3FFF, 0x5000, 0x7FFF, 0x8000, 0xFFFF] {
            var buffer = ByteBuffer()
            buffer.writeInteger(channel)
            buffer.writeInteger(UInt16(0))
            #expect(throws: WireError(.stun, .malformed, "")) { _ = try TURNChannelData(parsing: &buffer) }
            var out = ByteBuffer()
            #expect(throws: WireError(.stun, .malformed, "")) {
                try TURNChannelData(channelNumber: channel, data: ByteBuffer()).write(to: &out)
            }
            #expect(out.readableBytes == 0)
        }
        let full = T.bytes("4001 0005 0102030405 000000")
        for length in 0..<9 {
            var buffer = ByteBuffer(bytes: full[..<length])
            #expect(throws: WireError(.stun, .truncated, "")) { _ = try TURNChannelData(parsing: &buffer) }
            #expect(buffer.readableBytes == length)
        }
        // Stream framing also needs the padding.
        for length in 9..<12 {
            var buffer = ByteBuffer(bytes: full[..<length])
            #expect(throws: WireError(.stun, .truncated, "")) { _ = try TURNChannelData(parsing: &buffer, framing: .stream) }
        }
        var out = ByteBuffer()
        #expect(throws: WireError(.stun, .tooLarge, "")) {
            try TURNChannelData(channelNumber: 0x4000, data: ByteBuffer(repeating: 0, count: 65536)).write(to: &out)
        }
    }
}
