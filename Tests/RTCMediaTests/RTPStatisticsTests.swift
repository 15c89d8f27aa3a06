import NIOCore
import RTCMedia
import RTCWire
import Testing

@Suite("Receive and send statistics, RTT")
struct RTPStatisticsTests {
    @Test("loss, fraction lost and cumulative lost per RFC 3550 §A.3")
    func loss() {
        var stats = ReceiveStatistics(ssrc: 0x55, clockRate: 90_000)
        for sequence in UInt16(100)...109 where sequence != 103 && sequence != 107 {
            stats.packetReceived(sequence: sequence, timestamp: 0, arrival: at(0), size: 100)
        }
        #expect(stats.packetsReceived == 8 && stats.bytesReceived == 800)
        #expect(stats.expected == 10 && stats.cumulativeLost == 2)
        let first = stats.makeReportBlock(now: at(0))
        #expect(first.ssrc == 0x55 && first.fractionLost == 51 && first.cumulativeLost == 2)  // 2·256/10
        #expect(first.extendedHighestSequenceNumber == 109)
        for sequence in UInt16(110)...119 {
            stats.packetReceived(sequence: sequence, timestamp: 0, arrival: at(0), size: 100)
        }
        let second = stats.makeReportBlock(now: at(0))
        #expect(second.fractionLost == 0 && second.cumulativeLost == 2)
        // A late retransmission of 103 and a duplicate of 110: cumulative lost 0; fraction stays 0 (negative).
        stats.packetReceived(sequence: 103, timestamp: 0, arrival: at(0), size: 100)
        stats.packetReceived(sequence: 110, timestamp: 0, arrival: at(0), size: 100)
        let third = stats.makeReportBlock(now: at(0))
        #expect(third.cumulativeLost == 0 && third.fractionLost == 0)
        // More duplicates than losses: negative cumulative loss.
        for _ in 0..<5 { stats.packetReceived(sequence: 119, timestamp: 0, arrival: at(0), size: 100) }
        #expect(stats.cumulativeLost == -5)
    }

    @Test("sequence wrap counts cycles; a big jump needs confirmation")
    func wrapAndRestart() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 8000)
        for sequence: UInt16 in [65534, 65535, 0, 1] {
            stats.packetReceived(sequence: sequence, timestamp: 0, arrival: at(0), size: 10)
        }
        #expect(stats.sequenceCycles == 65536 && stats.extendedHighestSequence == 65537)
        #expect(stats.expected == 4 && stats.cumulativeLost == 0)
        // A jump of 20000: ignored once, accepted (as a restart) when the next packet follows it.
        stats.packetReceived(sequence: 20001, timestamp: 0, arrival: at(0), size: 10)
        #expect(stats.packetsReceived == 4)
        stats.packetReceived(sequence: 20002, timestamp: 0, arrival: at(0), size: 10)
        #expect(stats.packetsReceived == 1 && stats.expected == 1 && stats.extendedHighestSequence == 20002)
    }

    @Test("cumulative lost saturates at the 24-bit maximum")
    func clamp() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 8000)
        var sequence: UInt16 = 0
        for _ in 0..<3000 {
            stats.packetReceived(sequence: sequence, timestamp: 0, arrival: at(0), size: 1)
            sequence &+= 2999
        }
        #expect(stats.expected - stats.packetsReceived > 0x7F_FFFF)
        #expect(stats.cumulativeLost == 0x7F_FFFF)
        #expect(stats.makeReportBlock(now: at(0)).cumulativeLost == 0x7F_FFFF)
    }

    @Test("jitter is zero for a constant transit time")
    func jitterZero() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 48_000)
        for n in 0..<100 {
            stats.packetReceived(sequence: UInt16(n), timestamp: UInt32.max - 50_000 &+ UInt32(n * 960),
                                 arrival: at(Double(n * 20) + 37), size: 100)
        }
        #expect(stats.jitter == 0 && stats.jitterSeconds < 1e-9)
    }

    @Test("jitter follows J += (|D| − J)/16 (RFC 3550 §A.8)")
    func jitterKnown() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 48_000)
        var expected = 0.0
        for n in 0..<40 {
            // Every other packet is 10 ms late: |D| = 10 ms = 480 timestamp units after the first packet.
            let arrival = Double(n * 20) + (n % 2 == 1 ? 10 : 0)
            stats.packetReceived(sequence: UInt16(n), timestamp: UInt32(n * 960), arrival: at(arrival), size: 100)
            if n > 0 { expected += (480 - expected) / 16 }
        }
        #expect(abs(Double(stats.jitter) - expected) <= 1)
        #expect(abs(stats.jitterSeconds - expected / 48_000) < 1e-6)
        #expect(stats.makeReportBlock(now: at(800)).jitter == stats.jitter)
    }

    @Test("LSR and DLSR in the report block")
    func lsrDlsr() {
        var stats = ReceiveStatistics(ssrc: 1, clockRate: 90_000)
        stats.packetReceived(sequence: 1, timestamp: 0, arrival: at(0), size: 1)
        #expect(stats.makeReportBlock(now: at(0)).lastSenderReport == 0)
        stats.senderReportReceived(ntpTimestamp: 0x1234_5678_9ABC_DEF0, arrival: at(1000))
        let block = stats.makeReportBlock(now: at(1500))
        #expect(block.lastSenderReport == 0x5678_9ABC && block.delaySinceLastSenderReport == 32768)
    }

    @Test("RTT from LSR and DLSR: the RFC 3550 §6.4.1 example")
    func rtt() throws {
        // A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.250 s).
        let block = RTCPReportBlock(ssrc: 1, lastSenderReport: 0xB705_2000, delaySinceLastSenderReport: 0x0005_4000)
        let arrival: UInt64 = 0xB710_8000 << 16
        #expect(RTTCalculator.rtt(reportBlock: block, arrivalNTP: arrival) == .milliseconds(6125))
        #expect(RTTCalculator.rtt(reportBlock: RTCPReportBlock(ssrc: 1), arrivalNTP: arrival) == nil)
        // Wrap of the middle 32 bits.
        #expect(RTTCalculator.rtt(lastSenderReport: 0xFFFF_8000, delaySinceLastSenderReport: 0x4000, arrival: 0x0000_0000)
                    == .milliseconds(250))
        // A negative result is refused.
        #expect(RTTCalculator.rtt(lastSenderReport: 0x10_0000, delaySinceLastSenderReport: 0x10, arrival: 0x10_0010) == .zero)
        #expect(RTTCalculator.rtt(lastSenderReport: 0x10_0000, delaySinceLastSenderReport: 0x11, arrival: 0x10_0010) == nil)
    }

    @Test("sender report fields: counts, NTP time and the extrapolated RTP timestamp")
    func sendStatistics() {
        var stats = SendStatistics(ssrc: 9, clockRate: 48_000)
        #expect(!stats.hasSent)
        for n in 0..<3 {
            stats.packetSent(timestamp: UInt32.max - 1000 &+ UInt32(n * 960), payloadSize: 100, now: at(Double(n * 20)))
        }
        let ntp = NTPTimestamp.from(unixSeconds: 1.5)
        #expect(ntp == (UInt64(2_208_988_801) << 32 | 0x8000_0000))
        #expect(NTPTimestamp.middle32(ntp) == 0x7E81_8000)
        let report = stats.makeSenderReport(now: at(50), ntpTimestamp: ntp)
        #expect(report.ssrc == 9 && report.packetCount == 3 && report.octetCount == 300)
        #expect(report.ntpTimestamp == ntp)
        #expect(report.rtpTimestamp == UInt32.max - 1000 &+ 1920 &+ 480)
    }
}
