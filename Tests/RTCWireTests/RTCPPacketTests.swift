import NIOCore
import RTCWire
import Testing

@Suite("RTCP packets (RFC 3550 §6)")
struct RTCPPacketTests {
    static let senderReport = rtpHex("""
        81 C8 000C | 11223344 | E12A5B3C 80000000 | 00001000 | 0000000A | 000003E8
        AABBCCDD | 40 FFFFFE | 00010005 | 00000020 | 2A5B3C80 | 00010000
        """)
    static let sdes = rtpHex("81 CA 0003 | 11223344 | 01 04 61626364 | 00 00")
    static let bye = rtpHex("81 CB 0003 | 11223344 | 04 646f6e65 000000")

    @Test("sender report with one report block")
    func senderReport() throws {
        let packets = try rtcpParse(Self.senderReport)
        guard case .senderReport(let sr) = try #require(packets.first), packets.count == 1 else {
            Issue.record("expected one SR: \(packets)")
            return
        }
        #expect(sr.ssrc == 0x1122_3344)
        #expect(sr.ntpTimestamp == 0xE12A_5B3C_8000_0000)
        #expect(sr.rtpTimestamp == 0x1000)
        #expect(sr.packetCount == 10)
        #expect(sr.octetCount == 1000)
        #expect(sr.reportBlocks == [RTCPReportBlock(
            ssrc: 0xAABB_CCDD, fractionLost: 0x40, cumulativeLost: -2, extendedHighestSequenceNumber: 0x10005,
            jitter: 32, lastSenderReport: 0x2A5B_3C80, delaySinceLastSenderReport: 0x10000)])
        #expect(sr.profileExtension.readableBytes == 0)
        #expect(try rtcpBytes(packets) == Self.senderReport)
    }

    @Test("receiver report, and an RR with RTCP padding")
    func receiverReport() throws {
        let bytes = rtpHex("80 C9 0001 | 55667788")
        let packets = try rtcpParse(bytes)
        #expect(packets == [.receiverReport(RTCPReceiverReport(ssrc: 0x5566_7788))])
        #expect(try rtcpBytes(packets) == bytes)
        let padded = try rtcpParse(rtpHex("A0 C9 0002 | 55667788 | 00000004"))
        #expect(padded == packets)
    }

    @Test("SDES with a CNAME, chunk padding and several chunks")
    func sourceDescription() throws {
        let packets = try rtcpParse(Self.sdes)
        guard case .sourceDescription(let sdes) = try #require(packets.first) else {
            Issue.record("expected SDES")
            return
        }
        #expect(sdes.chunks.count == 1)
        #expect(sdes.chunks[0].source == 0x1122_3344)
        #expect(sdes.chunks[0].cname == "abcd")
        #expect(try rtcpBytes(packets) == Self.sdes)

        let two = RTCPSourceDescription(chunks: [
            .init(source: 1, items: [.init(type: .cname, text: "x"), .init(type: .tool, text: "AsyncRTC")]),
            .init(source: 2, items: []),
            .init(source: 3, items: [.init(type: .priv, value: ByteBuffer(bytes: [3, 0x61, 0x62, 0x63, 0x7A]))]),
        ])
        let bytes = try rtcpBytes([.sourceDescription(two)])
        #expect(bytes.count % 4 == 0)
        #expect(bytes[0] & 0x20 == 0)  // chunks pad themselves: no RTCP padding
        #expect(try rtcpParse(bytes) == [.sourceDescription(two)])
    }

    @Test("SDES items running past the packet are truncated")
    func sourceDescriptionTruncated() {
        // Item length 9 with 4 bytes left.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("81 CA 0002 | 11223344 | 01 09 616263")) })
        // No terminating null octet.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("81 CA 0002 | 11223344 | 01 02 6162")) })
        // Source count beyond the bytes.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("83 CA 0002 | 11223344 | 00000000")) })
    }

    @Test("BYE with and without a reason")
    func goodbye() throws {
        let packets = try rtcpParse(Self.bye)
        #expect(packets == [.goodbye(RTCPGoodbye(sources: [0x1122_3344], reason: "done"))])
        guard case .goodbye(let bye) = packets[0] else { return }
        #expect(bye.reasonText == "done")
        #expect(try rtcpBytes(packets) == Self.bye)

        let plain = rtpHex("82 CB 0002 | 00000001 | 00000002")
        #expect(try rtcpParse(plain) == [.goodbye(RTCPGoodbye(sources: [1, 2]))])
        #expect(try rtcpBytes(rtcpParse(plain)) == plain)
        // Reason length past the end.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("81 CB 0002 | 00000001 | 09 616263")) })
        // Source count past the end.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("83 CB 0001 | 00000001")) })
    }

    @Test("APP, with data that is not a multiple of 4 bytes")
    func applicationDefined() throws {
        let bytes = rtpHex("82 CC 0003 | 11223344 | 54455354 | 01020304")
        let packets = try rtcpParse(bytes)
        #expect(packets == [.applicationDefined(RTCPApplicationDefined(
            subtype: 2, ssrc: 0x1122_3344, name: 0x5445_5354, data: ByteBuffer(bytes: [1, 2, 3, 4])))])
        guard case .applicationDefined(let app) = packets[0] else { return }
        #expect(app.nameText == "TEST")
        #expect(try rtcpBytes(packets) == bytes)

        let odd = RTCPPacket.applicationDefined(RTCPApplicationDefined(subtype: 31, ssrc: 1, name: 2,
                                                                      data: ByteBuffer(bytes: [9, 9, 9])))
        let oddBytes = try rtcpBytes([odd])
        #expect(oddBytes == rtpHex("BF CC 0003 | 00000001 | 00000002 | 090909 01"))
        #expect(try rtcpParse(oddBytes) == [odd])
    }

    @Test("unknown packet types are kept raw")
    func unknown() throws {
        let xr = rtpHex("80 CF 0001 | 01020304")
        let tmmbr = rtpHex("83 CD 0002 | 00000001 | 00000002")
        let afb = rtpHex("8F CE 0003 | 00000001 | 00000000 | 41424344")
        let packets = try rtcpParse(xr + tmmbr + afb)
        #expect(packets == [
            .unknown(RTCPUnknownPacket(packetType: 207, count: 0, body: ByteBuffer(bytes: [1, 2, 3, 4]))),
            .unknown(RTCPUnknownPacket(packetType: 205, count: 3, body: ByteBuffer(bytes: rtpHex("00000001 00000002")))),
            .unknown(RTCPUnknownPacket(packetType: 206, count: 15, body: ByteBuffer(bytes: rtpHex("00000001 00000000 41424344")))),
        ])
        #expect(packets.map(\.packetType) == [207, 205, 206])
        #expect(try rtcpBytes(packets) == xr + tmmbr + afb)
    }

    @Test("compound SR + SDES + BYE parses into an array")
    func compound() throws {
        var buffer = ByteBuffer(bytes: Self.senderReport + Self.sdes + Self.bye)
        let compound = try RTCPCompoundPacket(parsing: &buffer)
        #expect(buffer.readableBytes == 0)
        #expect(compound.packets.map(\.packetType) == [200, 202, 203])
        #expect(!compound.isReducedSize)
        var out = ByteBuffer()
        try compound.write(to: &out)
        #expect(Array(out.readableBytesView) == Self.senderReport + Self.sdes + Self.bye)
    }

    @Test("reduced-size RTCP: a lone PLI parses (RFC 5506)")
    func reducedSize() throws {
        var buffer = ByteBuffer(bytes: rtpHex("81 CE 0002 | 00000001 | 00000002"))
        let compound = try RTCPCompoundPacket(parsing: &buffer)
        #expect(compound.packets == [.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2))])
        #expect(compound.isReducedSize)
    }

    @Test("every truncation throws a typed error, except at packet boundaries")
    func truncatedEverywhere() throws {
        let bytes = Self.senderReport + Self.sdes + Self.bye
        let boundaries = [Self.senderReport.count, Self.senderReport.count + Self.sdes.count]
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            if let index = boundaries.firstIndex(of: length) {
                #expect(try rtcpParse(prefix).count == index + 1)
            } else {
                #expect(expectWireError(.truncated) { try rtcpParse(prefix) }, "prefix \(length)")
            }
        }
    }

    @Test("length field past the end, bad version, bad padding, counts past the packet")
    func invalid() {
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("80 C9 0005 | 55667788")) })
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("40 C9 0001 | 55667788")) })
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("C0 C9 0001 | 55667788")) })
        // Padding count 0, and padding count larger than the body.
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("A0 C9 0002 | 55667788 | 00000000")) })
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("A0 C9 0002 | 55667788 | 00000009")) })
        // P bit on a header-only packet.
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("A0 CB 0000")) })
        // Report count beyond the bytes; padding eating into a report block.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("81 C9 0001 | 55667788")) })
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("A0 C8 0006 | 11223344 | E12A5B3C 80000000 | 00001000 | 0000000A | 00000004")) })
        // Empty input.
        #expect(expectWireError(.truncated) { try rtcpParse([]) })
    }

    @Test("write rejects lists that do not fit the count field")
    func writeLimits() {
        let rr = RTCPReceiverReport(ssrc: 1, reportBlocks: Array(repeating: RTCPReportBlock(ssrc: 2), count: 32))
        #expect(expectWireError(.tooLarge) { try rtcpBytes([.receiverReport(rr)]) })
        let bye = RTCPGoodbye(sources: [1], reason: String(repeating: "x", count: 256))
        var buffer = ByteBuffer(bytes: [1, 2, 3])
        #expect(expectWireError(.tooLarge) { try RTCPPacket.goodbye(bye).write(to: &buffer) })
        #expect(buffer.readableBytes == 3)
        let sdes = RTCPSourceDescription(chunks: [.init(source: 1, items: [.init(type: ItemTypeZero.zero, text: "x")])])
        #expect(expectWireError(.malformed) { try rtcpBytes([.sourceDescription(sdes)]) })
    }

    @Test("cumulative lost is a signed 24-bit value, clamped when written")
    func cumulativeLost() throws {
        let block = RTCPReportBlock(ssrc: 1, cumulativeLost: -9_000_000)
        let rr = RTCPPacket.receiverReport(RTCPReceiverReport(ssrc: 5, reportBlocks: [block]))
        let bytes = try rtcpBytes([rr])
        #expect(bytes[12...15] == [0x00, 0x80, 0x00, 0x00])
        guard case .receiverReport(let parsed) = try rtcpParse(bytes)[0] else { return }
        #expect(parsed.reportBlocks[0].cumulativeLost == -0x80_0000)
    }

    @Test("round trip of every packet type built in code")
    func roundTripEveryType() throws {
        let block = RTCPReportBlock(ssrc: 9, fractionLost: 1, cumulativeLost: 300, extendedHighestSequenceNumber: 70000,
                                    jitter: 5, lastSenderReport: 6, delaySinceLastSenderReport: 7)
        let packets: [RTCPPacket] = [
            .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5,
                                           reportBlocks: [block, block], profileExtension: ByteBuffer(bytes: [1, 2]))),
            .receiverReport(RTCPReceiverReport(ssrc: 1, reportBlocks: [block])),
            .sourceDescription(RTCPSourceDescription(source: 1, cname: "user@host")),
            .goodbye(RTCPGoodbye(sources: [1, 2, 3], reason: "bye")),
            .applicationDefined(RTCPApplicationDefined(subtype: 3, ssrc: 1, name: 0x6162_6364,
                                                      data: ByteBuffer(bytes: [1, 2, 3, 4, 5]))),
            .genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [1, 2, 5, 40])),
            .transportWideCC(RTCPTransportWideCC(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65530,
                                                 referenceTime: -5, feedbackPacketCount: 9,
                                                 receiveDeltas: [1, nil, 300, -1, 0, 255, nil, nil])),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2)),
            .fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 2, sequenceNumber: 3),
                                                                           .init(ssrc: 4, sequenceNumber: 255)])),
            .receiverEstimatedMaxBitrate(RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: 2_000_000,
                                                                         ssrcs: [5, 6])),
            .unknown(RTCPUnknownPacket(packetType: 195, count: 7, body: ByteBuffer(bytes: [1, 2, 3, 4, 5, 6]))),
        ]
        let bytes = try rtcpBytes(packets)
        #expect(try rtcpParse(bytes) == packets)
        for packet in packets {
            var one = ByteBuffer()
            try packet.write(to: &one)
            #expect(one.readableBytes % 4 == 0)
            #expect(try RTCPPacket(parsing: &one) == packet)
            #expect(one.readableBytes == 0)
        }
    }

    @Test("each type's own parser reads its packet and refuses others")
    func typedParsers() throws {
        var sr = ByteBuffer(bytes: Self.senderReport)
        #expect(try RTCPSenderReport(parsing: &sr).ssrc == 0x1122_3344)
        var notRR = ByteBuffer(bytes: Self.senderReport)
        #expect(expectWireError(.malformed) { try RTCPReceiverReport(parsing: &notRR) })
        var sdes = ByteBuffer(bytes: Self.sdes)
        #expect(try RTCPSourceDescription(parsing: &sdes).chunks.count == 1)
        var bye = ByteBuffer(bytes: Self.bye)
        #expect(try RTCPGoodbye(parsing: &bye).sources == [0x1122_3344])
        var raw = ByteBuffer(bytes: Self.bye)
        #expect(try RTCPUnknownPacket(parsing: &raw).packetType == 203)
        var header = ByteBuffer(bytes: Self.bye)
        #expect(try RTCPHeader(parsing: &header) == RTCPHeader(count: 1, packetType: 203, length: 3))
    }
}

private enum ItemTypeZero {
    static let zero = RTCPSourceDescription.ItemType(0)
}
