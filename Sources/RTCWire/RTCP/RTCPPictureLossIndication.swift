public import NIOCore

/// A picture loss indication, PSFB (PT 206) FMT 1 (RFC 4585 §6.3.1): no FCI.
public struct RTCPPictureLossIndication: Sendable, Hashable {
    public static let format: UInt8 = 1

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    /// Reads one PLI packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readFeedbackPacket(from: &buffer, packetType: RTCPHeader.payloadFeedbackType, format: Self.format)
        try self.init(header: header, body: body)
    }

    /// Bytes after the two SSRCs (there should be none) are ignored.
    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.senderSSRC = try body.readWireInteger(.rtcp, field: "PLI sender SSRC")
        self.mediaSSRC = try body.readWireInteger(.rtcp, field: "PLI media SSRC")
    }

    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let start = RTCPHeader.startPacket(count: Self.format, packetType: RTCPHeader.payloadFeedbackType, in: &buffer)
        buffer.writeInteger(senderSSRC)
        buffer.writeInteger(mediaSSRC)
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
