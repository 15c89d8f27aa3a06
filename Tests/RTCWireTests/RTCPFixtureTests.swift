import NIOCore
import RTCWire
import Testing

/// RTCP packets serialized by aiortc 1.x (`aiortc.rtp`).
@Suite("RTCP fixtures from aiortc")
struct RTCPFixtureTests {
    @Test("compound SR + SDES + BYE")
    func compound() throws {
        let packets = try rtcpParse(rtpFixture("RTCP", "aiortc-sr-sdes-bye"))
        #expect(packets.count == 3)
        guard case .senderReport(let sr) = packets[0], case .sourceDescription(let sdes) = packets[1],
              case .goodbye(let bye) = packets[2] else {
            Issue.record("unexpected packets \(packets)")
            return
        }
        #expect(sr.ssrc == 0x1122_3344)
        #expect(sr.ntpTimestamp == 0xE12A_5B3C_8000_0000)
        #expect(sr.packetCount == 50)
        #expect(sr.octetCount == 4000)
        #expect(sr.reportBlocks == [RTCPReportBlock(ssrc: 0xAABB_CCDD, fractionLost: 12, cumulativeLost: 3,
                                                    extendedHighestSequenceNumber: 70000, jitter: 25,
                                                    lastSenderReport: 0x5B3C_8000, delaySinceLastSenderReport: 65536)])
        #expect(sdes.chunks.first?.cname == "{a5f1c2d3-aiortc}")
        #expect(bye.sources == [0x1122_3344])
        // aiortc pads this SDES chunk with 4 extra zero bytes; the values survive our (shorter) encoding.
        #expect(try rtcpParse(rtcpBytes(packets)) == packets)
    }

    @Test("RR with a negative cumulative loss")
    func receiverReport() throws {
        let bytes = try rtpFixture("RTCP", "aiortc-rr")
        let packets = try rtcpParse(bytes)
        guard case .receiverReport(let rr) = packets.first else {
            Issue.record("expected RR")
            return
        }
        #expect(rr.reportBlocks.first?.cumulativeLost == -1)
        #expect(try rtcpBytes(packets) == bytes)
    }

    @Test("NACK, PLI and REMB match what we build for the same values")
    func feedback() throws {
        let nack = try rtpFixture("RTCP", "aiortc-nack")
        guard case .genericNACK(let parsed) = try rtcpParse(nack).first else {
            Issue.record("expected NACK")
            return
        }
        #expect(parsed.lostSequenceNumbers == [100, 101, 103, 116, 117, 300])
        #expect(try rtcpBytes([.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0xAABB_CCDD,
                                                           lostSequenceNumbers: [100, 101, 103, 116, 117, 300]))]) == nack)

        let pli = try rtpFixture("RTCP", "aiortc-pli")
        #expect(try rtcpBytes([.pictureLossIndication(.init(senderSSRC: 1, mediaSSRC: 0xAABB_CCDD))]) == pli)

        let remb = try rtpFixture("RTCP", "aiortc-remb")
        let expected = RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: 1_500_000, ssrcs: [0xAABB_CCDD, 0x1122_3344])
        #expect(try rtcpParse(remb) == [.receiverEstimatedMaxBitrate(expected)])
        #expect(try rtcpBytes([.receiverEstimatedMaxBitrate(expected)]) == remb)
    }
}
