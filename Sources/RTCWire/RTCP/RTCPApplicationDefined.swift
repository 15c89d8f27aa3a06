public import NIOCore

/// An application-defined packet, PT 204 (RFC 3550 §6.7): a 5-bit subtype, a source, a 4-character name and
/// application data.
public struct RTCPApplicationDefined: Sendable, Hashable {
    /// 5 bits.
    public var subtype: UInt8
    public var ssrc: UInt32
    /// The four ASCII characters of the name, big-endian.
    public var name: UInt32
    /// Application data. If it is not a multiple of 4 bytes, ``write(to:)`` adds RTCP padding.
    public var data: ByteBuffer

    public init(subtype: UInt8, ssrc: UInt32, name: UInt32, data: ByteBuffer = ByteBuffer()) {
        self.subtype = subtype
        self.ssrc = ssrc
        self.name = name
        self.data = data
    }

    /// The name as a 4-character string.
    public var nameText: String {
        let bytes = [UInt8(name >> 24), UInt8(name >> 16 & 0xFF), UInt8(name >> 8 & 0xFF), UInt8(name & 0xFF)]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads one APP packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readPacket(from: &buffer)
        try header.expect(RTCPHeader.applicationDefinedType)
        try self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.subtype = header.count
        self.ssrc = try body.readWireInteger(.rtcp, field: "APP SSRC")
        self.name = try body.readWireInteger(.rtcp, field: "APP name")
        self.data = body
    }

    /// - Throws: ``WireError/Code/malformed`` for a subtype above 31, ``WireError/Code/tooLarge`` for data too
    ///   long for the length field.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        guard subtype <= 31 else {
            throw WireError(.rtcp, .malformed, "APP subtype \(subtype) does not fit in 5 bits")
        }
        let start = RTCPHeader.startPacket(count: subtype, packetType: RTCPHeader.applicationDefinedType, in: &buffer)
        buffer.writeInteger(ssrc)
        buffer.writeInteger(name)
        buffer.writeImmutableBuffer(data)
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
