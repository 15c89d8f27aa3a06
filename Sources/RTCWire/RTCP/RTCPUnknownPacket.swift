public import NIOCore

/// An RTCP packet this implementation does not interpret — another packet type, or a feedback message of
/// another FMT — kept raw so it can be forwarded unchanged.
public struct RTCPUnknownPacket: Sendable, Hashable {
    public var packetType: UInt8
    /// The 5-bit count/subtype/FMT field.
    public var count: UInt8
    /// The bytes after the 4-byte header, padding removed. If not a multiple of 4, ``write(to:)`` adds RTCP
    /// padding.
    public var body: ByteBuffer

    public init(packetType: UInt8, count: UInt8, body: ByteBuffer) {
        self.packetType = packetType
        self.count = count
        self.body = body
    }

    /// Reads one packet of any type raw, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readPacket(from: &buffer)
        self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) {
        self.packetType = header.packetType
        self.count = header.count
        self.body = body
    }

    /// - Throws: ``WireError/Code/malformed`` for a count above 31, ``WireError/Code/tooLarge`` for a body too
    ///   long for the length field.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        guard count <= 31 else {
            throw WireError(.rtcp, .malformed, "count \(count) does not fit in 5 bits")
        }
        let start = RTCPHeader.startPacket(count: count, packetType: packetType, in: &buffer)
        buffer.writeImmutableBuffer(body)
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
