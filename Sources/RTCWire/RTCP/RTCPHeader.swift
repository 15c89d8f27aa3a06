public import NIOCore

/// The 4-byte header every RTCP packet starts with (RFC 3550 §6.4.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  count  |      PT       |             length            |
/// ```
/// `count` is the report/source count, the APP subtype or the feedback FMT; `length` is the packet's size in
/// 32-bit words minus one, header and padding included.
public struct RTCPHeader: Sendable, Hashable {
    /// Sender report (RFC 3550 §6.4.1).
    public static let senderReportType: UInt8 = 200
    /// Receiver report (RFC 3550 §6.4.2).
    public static let receiverReportType: UInt8 = 201
    /// Source description (RFC 3550 §6.5).
    public static let sourceDescriptionType: UInt8 = 202
    /// Goodbye (RFC 3550 §6.6).
    public static let goodbyeType: UInt8 = 203
    /// Application-defined (RFC 3550 §6.7).
    public static let applicationDefinedType: UInt8 = 204
    /// Transport-layer feedback (RFC 4585 §6.2).
    public static let transportFeedbackType: UInt8 = 205
    /// Payload-specific feedback (RFC 4585 §6.3).
    public static let payloadFeedbackType: UInt8 = 206

    public var padding: Bool
    /// 5 bits.
    public var count: UInt8
    public var packetType: UInt8
    /// The packet's size in 32-bit words minus one.
    public var length: UInt16

    public init(padding: Bool = false, count: UInt8, packetType: UInt8, length: UInt16) {
        self.padding = padding
        self.count = count
        self.packetType = packetType
        self.length = length
    }

    /// Reads the header only.
    /// - Throws: ``WireError/Code/truncated``, or ``WireError/Code/malformed`` for a version other than 2.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let first = try buffer.readWireInteger(as: UInt8.self, .rtcp, field: "V/P/count")
        guard first >> 6 == 2 else {
            throw WireError(.rtcp, .malformed, "version \(first >> 6), expected 2")
        }
        self.padding = first & 0x20 != 0
        self.count = first & 0x1F
        self.packetType = try buffer.readWireInteger(.rtcp, field: "packet type")
        self.length = try buffer.readWireInteger(.rtcp, field: "length")
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(2 << 6 | (padding ? 0x20 : 0) | count & 0x1F)
        buffer.writeInteger(packetType)
        buffer.writeInteger(length)
    }

    /// Reads one whole packet's header and returns its body — the bytes after the header, padding removed — as a
    /// slice; the buffer moves past the packet.
    /// - Throws: ``WireError/Code/truncated`` when the length field runs past the end, ``WireError/Code/malformed``
    ///   for a padding count of 0 or larger than the body.
    static func readPacket(from buffer: inout ByteBuffer) throws(WireError) -> (RTCPHeader, ByteBuffer) {
        let header = try RTCPHeader(parsing: &buffer)
        var body = try buffer.readWireSlice(length: Int(header.length) * 4, .rtcp, field: "packet (length field)")
        if header.padding {
            guard body.readableBytes > 0, let count = body.getInteger(at: body.writerIndex - 1, as: UInt8.self),
                  count > 0, Int(count) <= body.readableBytes else {
                throw WireError(.rtcp, .malformed, "padding bit set without a valid padding count")
            }
            body = body.getSlice(at: body.readerIndex, length: body.readableBytes - Int(count)) ?? ByteBuffer()
        }
        return (header, body)
    }

    /// Starts a packet: writes a header whose length ``finishPacket(startingAt:in:)`` fills in.
    static func startPacket(count: UInt8, packetType: UInt8, in buffer: inout ByteBuffer) -> Int {
        let start = buffer.writerIndex
        RTCPHeader(count: count, packetType: packetType, length: 0).write(to: &buffer)
        return start
    }

    /// Ends a packet begun at `start`: pads the body to a 32-bit boundary with RTCP padding (P bit and count,
    /// RFC 3550 §6.4.1) when it is not aligned, and sets the length field.
    /// - Throws: ``WireError/Code/tooLarge`` when the packet exceeds 65536 words; the buffer is restored then.
    static func finishPacket(startingAt start: Int, in buffer: inout ByteBuffer) throws(WireError) {
        let pad = (4 - (buffer.writerIndex - start) % 4) % 4
        if pad > 0 {
            buffer.writeRepeatingByte(0, count: pad - 1)
            buffer.writeInteger(UInt8(pad))
            if let first = buffer.getInteger(at: start, as: UInt8.self) {
                buffer.setInteger(first | 0x20, at: start)
            }
        }
        let words = (buffer.writerIndex - start) / 4 - 1
        guard words <= Int(UInt16.max) else {
            buffer.moveWriterIndex(to: start)
            throw WireError(.rtcp, .tooLarge, "RTCP packet of \(words + 1) words")
        }
        buffer.setInteger(UInt16(words), at: start + 2)
    }

    /// Throws ``WireError/Code/tooLarge`` when a list does not fit the 5-bit count field.
    static func checkCount(_ count: Int, _ what: StaticString) throws(WireError) -> UInt8 {
        guard count <= 31 else {
            throw WireError(.rtcp, .tooLarge, "\(count) \(what), at most 31 fit the count field")
        }
        return UInt8(count)
    }

    /// Throws ``WireError/Code/malformed`` unless the header has this packet type.
    /// Reads one RTPFB or PSFB packet (RFC 4585 §6.1) whose FMT must be `format`.
    static func readFeedbackPacket(from buffer: inout ByteBuffer, packetType: UInt8,
                                   format: UInt8) throws(WireError) -> (RTCPHeader, ByteBuffer) {
        let (header, body) = try readPacket(from: &buffer)
        try header.expect(packetType)
        guard header.count == format else {
            let kind = packetType == transportFeedbackType ? "RTPFB" : "PSFB"
            throw WireError(.rtcp, .malformed, "\(kind) FMT \(header.count), expected \(format)")
        }
        return (header, body)
    }

    func expect(_ packetType: UInt8) throws(WireError) {
        guard self.packetType == packetType else {
            throw WireError(.rtcp, .malformed, "packet type \(self.packetType), expected \(packetType)")
        }
    }
}
