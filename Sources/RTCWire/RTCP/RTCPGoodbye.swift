public import NIOCore

/// A goodbye packet, PT 203 (RFC 3550 §6.6): up to 31 sources leaving, and an optional reason.
public struct RTCPGoodbye: Sendable, Hashable {
    public var sources: [UInt32]
    /// The reason for leaving, up to 255 bytes (``reasonText`` decodes it as UTF-8), or nil.
    public var reason: ByteBuffer?

    public init(sources: [UInt32], reason: ByteBuffer? = nil) {
        self.sources = sources
        self.reason = reason
    }

    public init(sources: [UInt32], reason: String) {
        self.init(sources: sources, reason: ByteBuffer(string: reason))
    }

    /// The reason decoded as UTF-8 (invalid sequences replaced), or nil.
    public var reasonText: String? { reason.map { String(buffer: $0) } }

    /// Reads one BYE packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readPacket(from: &buffer)
        try header.expect(RTCPHeader.goodbyeType)
        try self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        let count = Int(header.count)
        guard body.readableBytes >= count * 4 else {
            throw WireError(.rtcp, .truncated, "BYE with \(count) sources, \(body.readableBytes) bytes left")
        }
        var sources: [UInt32] = []
        sources.reserveCapacity(count)
        for _ in 0..<count {
            sources.append(try body.readWireInteger(.rtcp, field: "BYE SSRC"))
        }
        self.sources = sources
        // Whatever follows the sources is the length-prefixed reason; zero padding after it is ignored.
        if body.readableBytes > 0 {
            let length = try body.readWireInteger(as: UInt8.self, .rtcp, field: "BYE reason length")
            self.reason = try body.readWireSlice(length: Int(length), .rtcp, field: "BYE reason")
        } else {
            self.reason = nil
        }
    }

    /// - Throws: ``WireError/Code/tooLarge`` for more than 31 sources or a reason over 255 bytes.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let count = try RTCPHeader.checkCount(sources.count, "BYE sources")
        if let reason, reason.readableBytes > 255 {
            throw WireError(.rtcp, .tooLarge, "BYE reason of \(reason.readableBytes) bytes, at most 255")
        }
        let start = RTCPHeader.startPacket(count: count, packetType: RTCPHeader.goodbyeType, in: &buffer)
        for source in sources {
            buffer.writeInteger(source)
        }
        if let reason {
            buffer.writeInteger(UInt8(reason.readableBytes))
            buffer.writeImmutableBuffer(reason)
            // Null octets to the 32-bit boundary (§6.6).
            buffer.writeRepeatingByte(0, count: (4 - (1 + reason.readableBytes) % 4) % 4)
        }
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
