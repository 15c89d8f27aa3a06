import NIOCore
import RTCMedia
import RTCWire
import Testing

@Suite("NACK generator")
struct RTPNACKTests {
    @Test("a gap produces NACKs at once")
    func gap() {
        var nack = NACKGenerator()
        nack.insert(sequence: 10, now: at(0))
        nack.insert(sequence: 11, now: at(1))
        #expect(nack.due(now: at(1)).isEmpty)
        nack.insert(sequence: 15, now: at(2))
        #expect(nack.missingCount == 3 && nack.isMissing(13))
        #expect(nack.due(now: at(2)) == [12, 13, 14])
        // The RTCP message packs them (RTCWire).
        let message = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [12, 13, 14])
        #expect(message.items.flatMap(\.sequenceNumbers) == [12, 13, 14])
    }

    @Test("retries are spaced by the RTT and recovered packets are forgotten")
    func retries() {
        var nack = NACKGenerator(rtt: .milliseconds(100))
        nack.insert(sequence: 1, now: at(0))
        nack.insert(sequence: 4, now: at(0))
        #expect(nack.due(now: at(0)) == [2, 3])
        #expect(nack.due(now: at(50)).isEmpty)
        #expect(nack.nextDeadline == at(100))
        nack.insert(sequence: 2, now: at(60))  // retransmission arrived
        #expect(nack.due(now: at(100)) == [3])
        nack.updateRTT(.milliseconds(30))
        #expect(nack.due(now: at(120)).isEmpty)
        #expect(nack.due(now: at(130)) == [3])
        nack.insert(sequence: 3, now: at(140))
        #expect(nack.missingCount == 0 && nack.nextDeadline == nil)
    }

    @Test("gives up after the retry limit and after the maximum age")
    func limits() {
        var nack = NACKGenerator(maxRetries: 3, maxAge: .seconds(1), rtt: .milliseconds(10))
        nack.insert(sequence: 100, now: at(0))
        nack.insert(sequence: 102, now: at(0))
        var sent = 0
        for ms in stride(from: 0.0, through: 200, by: 10) where !nack.due(now: at(ms)).isEmpty {
            sent += 1
        }
        #expect(sent == 3 && nack.missingCount == 0)

        var aging = NACKGenerator(maxRetries: 100, maxAge: .seconds(1), rtt: .milliseconds(100))
        aging.insert(sequence: 0, now: at(0))
        aging.insert(sequence: 2, now: at(0))
        var last = 0.0
        for ms in stride(from: 0.0, through: 2000, by: 100) where !aging.due(now: at(ms)).isEmpty {
            last = ms
        }
        #expect(last == 1000 && aging.missingCount == 0)
    }

    @Test("forgets packets more than maxPacketsBack behind, and bounds a huge jump")
    func window() {
        var nack = NACKGenerator(maxPacketsBack: 1000)
        nack.insert(sequence: 0, now: at(0))
        nack.insert(sequence: 2, now: at(0))
        #expect(nack.isMissing(1))
        nack.insert(sequence: 1100, now: at(1))
        #expect(!nack.isMissing(1) && nack.isMissing(1099) && nack.isMissing(100))
        #expect(nack.missingCount <= 1000)
        nack.insert(sequence: 30000, now: at(2))
        #expect(nack.missingCount == 1000 && nack.isMissing(29999) && !nack.isMissing(28999))
    }

    @Test("sequence numbers wrap")
    func wrap() {
        var nack = NACKGenerator()
        nack.insert(sequence: 65533, now: at(0))
        nack.insert(sequence: 1, now: at(1))
        #expect(nack.due(now: at(1)) == [65534, 65535, 0])
        nack.insert(sequence: 65535, now: at(2))
        #expect(!nack.isMissing(65535) && nack.isMissing(0))
        // Reordered old packets do not open holes.
        nack.insert(sequence: 65530, now: at(3))
        #expect(nack.missingCount == 2)
    }
}

@Suite("Retransmission history")
struct RTPRetransmissionHistoryTests {
    static func packetBytes(_ sequence: UInt16, payload: [UInt8] = [1, 2, 3]) -> [UInt8] {
        var buffer = ByteBuffer()
        try? rtpPacket(sequence, ts: 1000, marker: true, payload: payload, ssrc: 0xAAAA, payloadType: 96)
            .write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test("store and look up; old packets expire by age and by count")
    func storeLookup() {
        var history = RetransmissionHistory(capacity: 4, maxAge: .seconds(1))
        for sequence in UInt16(65534)...65535 {
            history.store(Self.packetBytes(sequence), sequence: sequence, now: at(0))
        }
        history.store(Self.packetBytes(0), sequence: 0, now: at(10))
        #expect(history.packet(for: 65535) == Self.packetBytes(65535))
        #expect(history.packet(for: 0) == Self.packetBytes(0))
        #expect(history.packet(for: 1) == nil)
        history.store(Self.packetBytes(1), sequence: 1, now: at(20))
        history.store(Self.packetBytes(2), sequence: 2, now: at(30))
        #expect(history.packet(for: 65534) == nil && history.storedCount == 4)
        // Age: at 1.015 s the packets from 0 and 10 ms are gone.
        #expect(history.retransmission(for: 0, now: at(1015)) == nil)
        #expect(history.retransmission(for: 1, now: at(1015)) == Self.packetBytes(1))
        history.expire(now: at(1100))
        #expect(history.storedCount == 0)
    }

    @Test("a repeated NACK within the minimum interval is not answered twice")
    func minInterval() {
        var history = RetransmissionHistory()
        history.store(Self.packetBytes(5), sequence: 5, now: at(0))
        #expect(history.retransmission(for: 5, now: at(10), minInterval: .milliseconds(50)) != nil)
        #expect(history.retransmission(for: 5, now: at(40), minInterval: .milliseconds(50)) == nil)
        #expect(history.retransmission(for: 5, now: at(60), minInterval: .milliseconds(50)) != nil)
    }

    @Test("RTX rewrite round trip through the RTCWire parser (RFC 4588 §4)")
    func rtx() throws {
        var history = RetransmissionHistory(rtxSequenceNumber: 65535)
        let original = Self.packetBytes(777, payload: [9, 8, 7, 6])
        history.store(original, sequence: 777, now: at(0))
        let firstRTX = history.rtxPacket(for: 777, rtxSSRC: 0xBBBB, rtxPayloadType: 97, now: at(5))
        let first = try #require(firstRTX)
        var buffer = ByteBuffer(bytes: first)
        let rtx = try RTPPacket(parsing: &buffer)
        #expect(rtx.ssrc == 0xBBBB && rtx.payloadType == 97 && rtx.sequenceNumber == 65535)
        #expect(Array(rtx.payload.readableBytesView) == [0x03, 0x09, 9, 8, 7, 6])  // OSN 777, then the payload
        let unwrapped = try rtx.rtxUnwrapped(ssrc: 0xAAAA, payloadType: 96)
        var originalBuffer = ByteBuffer(bytes: original)
        let originalPacket = try RTPPacket(parsing: &originalBuffer)
        #expect(unwrapped == originalPacket)
        // The RTX stream has its own sequence numbers, wrapping.
        let secondRTX = history.rtxPacket(for: 777, rtxSSRC: 0xBBBB, rtxPayloadType: 97, now: at(6))
        let second = try #require(secondRTX)
        var secondBuffer = ByteBuffer(bytes: second)
        let secondPacket = try RTPPacket(parsing: &secondBuffer)
        #expect(secondPacket.sequenceNumber == 0)
        #expect(history.rtxPacket(for: 778, rtxSSRC: 0xBBBB, rtxPayloadType: 97, now: at(7)) == nil)
        #expect(history.rtxSequenceNumber == 1)
    }
}
