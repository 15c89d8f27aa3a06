import NIOCore
import RTCWire
import Testing

@Suite("RTCP feedback (RFC 4585, RFC 5104, REMB, TWCC)")
struct RTCPFeedbackTests {
    @Test("generic NACK: PID/BLP expands to the lost sequence numbers (RFC 4585 §6.2.1)")
    func nackExpansion() throws {
        // PID 100, BLP 0x8005: bits 0, 2 and 15 → 101, 103, 116.
        let bytes = rtpHex("81 CD 0003 | 00000001 | 00000002 | 0064 8005")
        let packets = try rtcpParse(bytes)
        guard case .genericNACK(let nack) = try #require(packets.first) else {
            Issue.record("expected a NACK: \(packets)")
            return
        }
        #expect(nack.senderSSRC == 1)
        #expect(nack.mediaSSRC == 2)
        #expect(nack.items == [.init(packetID: 100, lostBitmask: 0x8005)])
        #expect(nack.lostSequenceNumbers == [100, 101, 103, 116])
        #expect(try rtcpBytes(packets) == bytes)
    }

    @Test("generic NACK built from sequence numbers packs PID/BLP pairs, across the wrap")
    func nackBuild() throws {
        let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [100, 101, 103, 116, 117, 117, 200])
        #expect(nack.items == [.init(packetID: 100, lostBitmask: 0x8005), .init(packetID: 117),
                               .init(packetID: 200)])
        #expect(nack.lostSequenceNumbers == [100, 101, 103, 116, 117, 200])
        let wrapped = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [65534, 65535, 0, 1])
        #expect(wrapped.items == [.init(packetID: 65534, lostBitmask: 0x0007)])
        #expect(wrapped.lostSequenceNumbers == [65534, 65535, 0, 1])
        let bytes = try rtcpBytes([.genericNACK(wrapped)])
        #expect(bytes == rtpHex("81 CD 0003 | 00000001 | 00000002 | FFFE 0007"))
        // An FCI that is not whole PID/BLP words.
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("A1 CD 0004 | 00000001 | 00000002 | 0064 8005 | 00 00 00 02")) })
    }

    @Test("PLI and FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1)")
    func pliAndFir() throws {
        let pli = rtpHex("81 CE 0002 | 00000001 | 00000002")
        #expect(try rtcpParse(pli) == [.pictureLossIndication(.init(senderSSRC: 1, mediaSSRC: 2))])
        #expect(try rtcpBytes(rtcpParse(pli)) == pli)
        let fir = rtpHex("84 CE 0004 | 00000001 | 00000000 | 12345678 | 05 000000")
        let packets = try rtcpParse(fir)
        #expect(packets == [.fullIntraRequest(.init(senderSSRC: 1, entries: [.init(ssrc: 0x1234_5678, sequenceNumber: 5)]))])
        #expect(try rtcpBytes(packets) == fir)
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("84 CE 0003 | 00000001 | 00000000 | 12345678")) })
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("81 CE 0001 | 00000001")) })
    }

    @Test("REMB 1.5 Mbps: exponent 3, mantissa 187500, exact bytes")
    func remb() throws {
        let bytes = rtpHex("8F CE 0005 | 00000001 | 00000000 | 52454D42 | 01 0E DC 6C | 12345678")
        let packets = try rtcpParse(bytes)
        guard case .receiverEstimatedMaxBitrate(let remb) = try #require(packets.first) else {
            Issue.record("expected REMB: \(packets)")
            return
        }
        #expect(remb.bitrate == 1_500_000)
        #expect(remb.ssrcs == [0x1234_5678])
        #expect(remb.encodedBitrate == (3, 187_500))
        #expect(try rtcpBytes(packets) == bytes)
        #expect(try rtcpBytes([.receiverEstimatedMaxBitrate(.init(senderSSRC: 1, bitrate: 1_500_000,
                                                                  ssrcs: [0x1234_5678]))]) == bytes)
    }

    @Test("REMB keeps the top 18 bits of large bitrates; overflowing exponents are malformed")
    func rembLimits() throws {
        let remb = RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: UInt64.max, ssrcs: [])
        #expect(remb.encodedBitrate == (46, 0x3FFFF))
        guard case .receiverEstimatedMaxBitrate(let parsed) = try rtcpParse(rtcpBytes([.receiverEstimatedMaxBitrate(remb)]))[0] else {
            Issue.record("expected REMB")
            return
        }
        #expect(parsed.bitrate == 0x3FFFF << 46)
        // Exponent 63 with mantissa 2 overflows.
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("8F CE 0004 | 00000001 | 00000000 | 52454D42 | 00 FC 00 02")) })
        // SSRC count beyond the bytes.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("8F CE 0004 | 00000001 | 00000000 | 52454D42 | 02 0E DC 6C")) })
    }

    /// base 10, 19 statuses: run-length chunk (2 × not received), 1-bit vector (14), 2-bit vector (3 used);
    /// deltas 4, 255, 0, 16 (small), −4 (large), 1 (small); reference time −2, feedback count 5; RTCP padding 3.
    static let twcc = rtpHex("""
        AF CD 0008 | 00000001 | 00000002 | 000A 0013 | FFFFFE 05
        0002 AC01 E400 | 04 FF 00 10 FFFC 01 | 000003
        """)

    @Test("TWCC with run-length, 1-bit and 2-bit chunks and small and large deltas")
    func twccParse() throws {
        let packets = try rtcpParse(Self.twcc)
        guard case .transportWideCC(let twcc) = try #require(packets.first) else {
            Issue.record("expected TWCC: \(packets)")
            return
        }
        #expect(twcc.senderSSRC == 1)
        #expect(twcc.mediaSSRC == 2)
        #expect(twcc.baseSequenceNumber == 10)
        #expect(twcc.referenceTime == -2)
        #expect(twcc.feedbackPacketCount == 5)
        let expected: [Int16?] = [nil, nil, 4, nil, 255, 0] + Array(repeating: nil, count: 9) + [16, -4, 1, nil]
        #expect(twcc.packets.map(\.receiveDelta) == expected)
        #expect(twcc.packets.map(\.sequenceNumber) == Array(10...28))
        #expect(twcc.packets.filter(\.isReceived).count == 6)
        // Written back with the writer's own chunk choice; the values survive.
        let bytes = try rtcpBytes(packets)
        #expect(try rtcpParse(bytes) == packets)
    }

    @Test("TWCC writer: run-length for long runs, vectors otherwise, exact bytes")
    func twccWrite() throws {
        // 20 received with small deltas: one run-length chunk 0x2014, 20 delta bytes.
        let run = RTCPTransportWideCC(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0xFFFE, referenceTime: 0x12345,
                                      feedbackPacketCount: 0, receiveDeltas: Array(repeating: 8, count: 20))
        let runBytes = try rtcpBytes([.transportWideCC(run)])
        #expect(runBytes == rtpHex("""
            AF CD 000A | 00000001 | 00000002 | FFFE 0014 | 012345 00 | 2014
            \(String(repeating: "08", count: 20)) | 0002
            """))
        #expect(Array(runBytes[16...19]) == rtpHex("012345 00"))
        #expect(Array(runBytes[20...21]) == [0x20, 0x14])
        #expect(try rtcpParse(runBytes) == [.transportWideCC(run)])

        // received, lost, received (large), lost: a 2-bit vector C0 ... ; deltas 1 byte + 2 bytes.
        let mixed = RTCPTransportWideCC(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, referenceTime: 0,
                                        feedbackPacketCount: 1, receiveDeltas: [3, nil, 1000, nil, 7])
        let mixedBytes = try rtcpBytes([.transportWideCC(mixed)])
        // symbols 1,0,2,0,1 → 0xC000 | 01 00 10 00 01 00 00 = 0xC000 | 0x1000 | 0x0200 | 0x0010 = 0xD210
        #expect(Array(mixedBytes[20...21]) == [0xD2, 0x10])
        #expect(Array(mixedBytes[22...25]) == [3, 0x03, 0xE8, 7])
        #expect(try rtcpParse(mixedBytes) == [.transportWideCC(mixed)])

        // 1-bit vector: received, lost ×2, received, then 20 lost (run-length to the end).
        let vector = RTCPTransportWideCC(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 5, referenceTime: 0,
                                         feedbackPacketCount: 1,
                                         receiveDeltas: [1, nil, nil, 2] + Array(repeating: nil, count: 20))
        let vectorBytes = try rtcpBytes([.transportWideCC(vector)])
        // 14 symbols 1001 0000000000 → 0x8000 | 0x2000 | 0x0400 = 0xA400; then 10 lost → run 0x000A.
        #expect(Array(vectorBytes[20...23]) == [0xA4, 0x00, 0x00, 0x0A])
        #expect(try rtcpParse(vectorBytes) == [.transportWideCC(vector)])
    }

    @Test("TWCC: reserved status, missing deltas and bad sequence numbers are refused")
    func twccInvalid() throws {
        // Run-length chunk with status 3.
        #expect(expectWireError(.malformed) { try rtcpParse(rtpHex("8F CD 0005 | 00000001 | 00000002 | 0000 0001 | 00000000 | 6001 0000")) })
        // Two received packets, one delta byte.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("AF CD 0005 | 00000001 | 00000002 | 0000 0002 | 00000000 | 2002 01 01")) })
        // Status count with no chunks.
        #expect(expectWireError(.truncated) { try rtcpParse(rtpHex("8F CD 0004 | 00000001 | 00000002 | 0000 0002 | 00000000")) })
        var twcc = RTCPTransportWideCC(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, referenceTime: 0,
                                       feedbackPacketCount: 0, receiveDeltas: [1, 2])
        twcc.packets[1].sequenceNumber = 7
        #expect(expectWireError(.malformed) { try rtcpBytes([.transportWideCC(twcc)]) })
        twcc.packets[1].sequenceNumber = 1
        twcc.referenceTime = 0x80_0000
        #expect(expectWireError(.tooLarge) { try rtcpBytes([.transportWideCC(twcc)]) })
    }
}
