public import NIOCore

/// A full intra request, PSFB (PT 206) FMT 4 (RFC 5104 §4.3.1): one entry per media sender asked for a
/// decoder refresh; the common header's media SSRC is unused (0).
public struct RTCPFullIntraRequest: Sendable, Hashable {
    public static let format: UInt8 = 4

    /// One FCI entry (8 bytes: SSRC, command sequence number, 24 reserved bits).
    public struct Entry: Sendable, Hashable {
        public var ssrc: UInt32
        public var sequenceNumber: UInt8

        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    public var senderSSRC: UInt32
    /// Unused by FIR; 0 when sent.
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    /// Reads one FIR packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readFeedbackPacket(from: &buffer, packetType: RTCPHeader.payloadFeedbackType, format: Self.format)
        try self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.senderSSRC = try body.readWireInteger(.rtcp, field: "FIR sender SSRC")
        self.mediaSSRC = try body.readWireInteger(.rtcp, field: "FIR media SSRC")
        guard body.readableBytes % 8 == 0 else {
            throw WireError(.rtcp, .malformed, "FIR FCI of \(body.readableBytes) bytes is not a multiple of 8")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(body.readableBytes / 8)
        while body.readableBytes > 0 {
            let ssrc = try body.readWireInteger(as: UInt32.self, .rtcp, field: "FIR SSRC")
            let word = try body.readWireInteger(as: UInt32.self, .rtcp, field: "FIR sequence number")
            entries.append(Entry(ssrc: ssrc, sequenceNumber: UInt8(word >> 24)))
        }
        self.entries = entries
    }

    /// - Throws: ``WireError/Code/tooLarge`` when the entries overflow the length field.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let start = RTCPHeader.startPacket(count: Self.format, packetType: RTCPHeader.payloadFeedbackType, in: &buffer)
        buffer.writeInteger(senderSSRC)
        buffer.writeInteger(mediaSSRC)
        for entry in entries {
            buffer.writeInteger(entry.ssrc)
            buffer.writeInteger(UInt32(entry.sequenceNumber) << 24)
        }
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
