public import NIOCore

/// Transport-wide congestion control feedback, RTPFB (PT 205) FMT 15
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
///
/// ```
/// |      base sequence number     |      packet status count      |
/// |                 reference time                | fb pkt. count |
/// |          packet chunk         |         packet chunk          |  ...
/// |         recv delta            |  recv delta   | zero padding  |  ...
/// ```
/// The wire form packs per-packet statuses into run-length and status-vector chunks (1-bit and 2-bit symbols)
/// followed by receive deltas (1 byte for 0…255 ticks, 2 signed bytes otherwise). This type models it as what
/// it says: one ``PacketStatus`` per packet from the base sequence number on, received or not, with its delta
/// in 250 µs ticks. ``write(to:)`` chooses the chunks and delta sizes itself, so a parsed packet may serialize
/// to different (equivalent) bytes.
public struct RTCPTransportWideCC: Sendable, Hashable {
    public static let format: UInt8 = 15
    /// The receive delta unit, in microseconds.
    public static let deltaTickMicroseconds = 250
    /// The reference time unit, in milliseconds.
    public static let referenceTimeTickMilliseconds = 64

    /// One packet's fate.
    public struct PacketStatus: Sendable, Hashable {
        public var sequenceNumber: UInt16
        /// The arrival time relative to the previous received packet (or to the reference time for the first),
        /// in 250 µs ticks; nil when the packet was not received.
        public var receiveDelta: Int16?

        public init(sequenceNumber: UInt16, receiveDelta: Int16?) {
            self.sequenceNumber = sequenceNumber
            self.receiveDelta = receiveDelta
        }

        public var isReceived: Bool { receiveDelta != nil }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var baseSequenceNumber: UInt16
    /// A signed 24-bit time in 64 ms ticks.
    public var referenceTime: Int32
    /// Counts feedback packets sent, wrapping at 256.
    public var feedbackPacketCount: UInt8
    /// One status per packet, with consecutive sequence numbers from ``baseSequenceNumber`` (wrapping); at most
    /// 65535.
    public var packets: [PacketStatus]

    public init(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
        feedbackPacketCount: UInt8, packets: [PacketStatus]
    ) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.packets = packets
    }

    /// Feedback for consecutive packets from `baseSequenceNumber`: `receiveDeltas[i]` is the delta of packet
    /// `baseSequenceNumber + i`, or nil if it was lost.
    public init(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
        feedbackPacketCount: UInt8, receiveDeltas: [Int16?]
    ) {
        var packets: [PacketStatus] = []
        packets.reserveCapacity(receiveDeltas.count)
        for (offset, delta) in receiveDeltas.enumerated() {
            packets.append(PacketStatus(sequenceNumber: baseSequenceNumber &+ UInt16(truncatingIfNeeded: offset),
                                        receiveDelta: delta))
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
                  referenceTime: referenceTime, feedbackPacketCount: feedbackPacketCount, packets: packets)
    }

    /// Reads one transport-wide CC feedback packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readFeedbackPacket(from: &buffer, packetType: RTCPHeader.transportFeedbackType, format: Self.format)
        try self.init(header: header, body: body)
    }

    // Status symbols (§3.1.1).
    private static let notReceived: UInt8 = 0
    private static let smallDelta: UInt8 = 1
    private static let largeDelta: UInt8 = 2

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.senderSSRC = try body.readWireInteger(.rtcp, field: "TWCC sender SSRC")
        self.mediaSSRC = try body.readWireInteger(.rtcp, field: "TWCC media SSRC")
        self.baseSequenceNumber = try body.readWireInteger(.rtcp, field: "TWCC base sequence number")
        let statusCount = try Int(body.readWireInteger(as: UInt16.self, .rtcp, field: "TWCC status count"))
        let word = try body.readWireInteger(as: UInt32.self, .rtcp, field: "TWCC reference time")
        self.referenceTime = Int32(bitPattern: word) >> 8
        self.feedbackPacketCount = UInt8(word & 0xFF)

        // Packet chunks (§3.1.3, §3.1.4) until every counted packet has a symbol; symbols past the count in the
        // last chunk are ignored. The count is at most 65535, so the array is bounded.
        var symbols: [UInt8] = []
        while symbols.count < statusCount {
            let chunk = try body.readWireInteger(as: UInt16.self, .rtcp, field: "TWCC packet chunk")
            let remaining = statusCount - symbols.count
            if chunk & 0x8000 == 0 {
                let symbol = UInt8(chunk >> 13 & 0x3)
                let run = min(Int(chunk & 0x1FFF), remaining)
                if run > 0 && symbol > Self.largeDelta {
                    throw WireError(.rtcp, .malformed, "TWCC run-length chunk with reserved status 3")
                }
                symbols.append(contentsOf: repeatElement(symbol, count: run))
            } else if chunk & 0x4000 == 0 {
                for bit in (0..<14).reversed().prefix(remaining) {
                    symbols.append(UInt8(chunk >> bit & 0x1))
                }
            } else {
                for pair in (0..<7).reversed().prefix(remaining) {
                    let symbol = UInt8(chunk >> (pair * 2) & 0x3)
                    guard symbol <= Self.largeDelta else {
                        throw WireError(.rtcp, .malformed, "TWCC status vector with reserved status 3")
                    }
                    symbols.append(symbol)
                }
            }
        }

        // Receive deltas (§3.1.5), one per received packet.
        var packets: [PacketStatus] = []
        packets.reserveCapacity(symbols.count)
        var sequenceNumber = baseSequenceNumber
        for symbol in symbols {
            let delta: Int16?
            switch symbol {
            case Self.smallDelta:
                delta = try Int16(body.readWireInteger(as: UInt8.self, .rtcp, field: "TWCC small delta"))
            case Self.largeDelta:
                delta = try body.readWireInteger(as: Int16.self, .rtcp, field: "TWCC large delta")
            default:
                delta = nil
            }
            packets.append(PacketStatus(sequenceNumber: sequenceNumber, receiveDelta: delta))
            sequenceNumber &+= 1
        }
        self.packets = packets
    }

    /// - Throws: ``WireError/Code/malformed`` when the packets' sequence numbers are not consecutive from the
    ///   base, ``WireError/Code/tooLarge`` for more than 65535 packets or a reference time outside 24 bits.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        guard packets.count <= Int(UInt16.max) else {
            throw WireError(.rtcp, .tooLarge, "TWCC with \(packets.count) packets, at most 65535")
        }
        guard (-0x80_0000...0x7F_FFFF).contains(referenceTime) else {
            throw WireError(.rtcp, .tooLarge, "TWCC reference time \(referenceTime) does not fit in 24 bits")
        }
        var expected = baseSequenceNumber
        for packet in packets {
            guard packet.sequenceNumber == expected else {
                throw WireError(.rtcp, .malformed, "TWCC packet \(packet.sequenceNumber) where \(expected) belongs")
            }
            expected &+= 1
        }

        let start = RTCPHeader.startPacket(count: Self.format, packetType: RTCPHeader.transportFeedbackType, in: &buffer)
        buffer.writeInteger(senderSSRC)
        buffer.writeInteger(mediaSSRC)
        buffer.writeInteger(baseSequenceNumber)
        buffer.writeInteger(UInt16(packets.count))
        buffer.writeInteger(UInt32(bitPattern: referenceTime) << 8 | UInt32(feedbackPacketCount))
        writeChunks(to: &buffer)
        for packet in packets {
            guard let delta = packet.receiveDelta else { continue }
            if (0...255).contains(delta) {
                buffer.writeInteger(UInt8(delta))
            } else {
                buffer.writeInteger(delta)
            }
        }
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }

    private static func symbol(_ packet: PacketStatus) -> UInt8 {
        guard let delta = packet.receiveDelta else { return notReceived }
        return (0...255).contains(delta) ? smallDelta : largeDelta
    }

    /// Packs the statuses: a run-length chunk for 14 or more equal symbols (or a run to the end), otherwise a
    /// 1-bit vector of 14 when no large delta is among them, else a 2-bit vector of 7.
    private func writeChunks(to buffer: inout ByteBuffer) {
        let count = packets.count
        var index = 0
        while index < count {
            let symbol = Self.symbol(packets[index])
            var run = 1
            while index + run < count, run < 0x1FFF, Self.symbol(packets[index + run]) == symbol {
                run += 1
            }
            if run >= 14 || index + run == count {
                buffer.writeInteger(UInt16(symbol) << 13 | UInt16(run))
                index += run
                continue
            }
            let window = packets[index..<min(index + 14, count)]
            if !window.contains(where: { Self.symbol($0) == Self.largeDelta }) {
                var chunk: UInt16 = 0x8000
                for (offset, packet) in window.enumerated() where Self.symbol(packet) == Self.smallDelta {
                    chunk |= 1 << (13 - offset)
                }
                buffer.writeInteger(chunk)
                index += window.count
            } else {
                var chunk: UInt16 = 0xC000
                for (offset, packet) in window.prefix(7).enumerated() {
                    chunk |= UInt16(Self.symbol(packet)) << (12 - 2 * offset)
                }
                buffer.writeInteger(chunk)
                index += min(7, window.count)
            }
        }
    }
}
