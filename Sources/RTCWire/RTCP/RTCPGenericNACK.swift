public import NIOCore

/// A generic NACK, RTPFB (PT 205) FMT 1 (RFC 4585 §6.2.1): lost packets of one media source as PID/BLP pairs.
///
/// Each ``Item`` names a lost packet `pid` and, in `blp`, which of the 16 packets after it are lost too (bit i
/// set means `pid + i + 1` is lost).
public struct RTCPGenericNACK: Sendable, Hashable {
    public static let format: UInt8 = 1

    /// One FCI entry: a packet ID and the bitmask of following lost packets.
    public struct Item: Sendable, Hashable {
        public var packetID: UInt16
        public var lostBitmask: UInt16

        public init(packetID: UInt16, lostBitmask: UInt16 = 0) {
            self.packetID = packetID
            self.lostBitmask = lostBitmask
        }

        /// The sequence numbers this entry reports lost, in order.
        public var sequenceNumbers: [UInt16] {
            var out = [packetID]
            for bit in 0..<16 where lostBitmask & (1 << bit) != 0 {
                out.append(packetID &+ UInt16(bit + 1))
            }
            return out
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var items: [Item]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, items: [Item]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.items = items
    }

    /// A NACK for these lost sequence numbers. Given in RTP order (wrapping allowed), they pack into as few items
    /// as possible; numbers out of order still produce a correct, if longer, NACK. Repeats are dropped.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: some Sequence<UInt16>) {
        var items: [Item] = []
        for sequenceNumber in lostSequenceNumbers {
            if let last = items.last {
                let distance = sequenceNumber &- last.packetID
                if distance == 0 { continue }
                if distance <= 16 {
                    items[items.count - 1].lostBitmask |= 1 << (distance - 1)
                    continue
                }
            }
            items.append(Item(packetID: sequenceNumber))
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, items: items)
    }

    /// Every sequence number reported lost, item by item.
    public var lostSequenceNumbers: [UInt16] {
        items.flatMap(\.sequenceNumbers)
    }

    /// Reads one generic NACK packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readFeedbackPacket(from: &buffer, packetType: RTCPHeader.transportFeedbackType, format: Self.format)
        try self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.senderSSRC = try body.readWireInteger(.rtcp, field: "NACK sender SSRC")
        self.mediaSSRC = try body.readWireInteger(.rtcp, field: "NACK media SSRC")
        guard body.readableBytes % 4 == 0 else {
            throw WireError(.rtcp, .malformed, "NACK FCI of \(body.readableBytes) bytes is not a multiple of 4")
        }
        var items: [Item] = []
        items.reserveCapacity(body.readableBytes / 4)
        while body.readableBytes > 0 {
            let pid = try body.readWireInteger(as: UInt16.self, .rtcp, field: "NACK PID")
            let blp = try body.readWireInteger(as: UInt16.self, .rtcp, field: "NACK BLP")
            items.append(Item(packetID: pid, lostBitmask: blp))
        }
        self.items = items
    }

    /// - Throws: ``WireError/Code/tooLarge`` when the items overflow the length field.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let start = RTCPHeader.startPacket(count: Self.format, packetType: RTCPHeader.transportFeedbackType, in: &buffer)
        buffer.writeInteger(senderSSRC)
        buffer.writeInteger(mediaSSRC)
        for item in items {
            buffer.writeInteger(item.packetID)
            buffer.writeInteger(item.lostBitmask)
        }
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
