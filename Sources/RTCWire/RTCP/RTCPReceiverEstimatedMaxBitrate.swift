public import NIOCore

/// A receiver estimated maximum bitrate message, PSFB (PT 206) FMT 15 with the "REMB" identifier
/// (draft-alvestrand-rmcat-remb-03 §2.2):
///
/// ```
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// |   SSRC feedback ...                                           |
/// ```
/// The bitrate is `mantissa << exp` bits per second, an 18-bit mantissa and a 6-bit exponent.
public struct RTCPReceiverEstimatedMaxBitrate: Sendable, Hashable {
    public static let format: UInt8 = 15
    /// "REMB" in ASCII.
    public static let identifier: UInt32 = 0x5245_4D42

    public var senderSSRC: UInt32
    /// Unused by REMB; 0 when sent.
    public var mediaSSRC: UInt32
    /// The estimate in bits per second. Values that need more than 18 significant bits lose their low bits when
    /// written (the exponent grows, the mantissa keeps the top 18 bits).
    public var bitrate: UInt64
    /// The media sources the estimate applies to, at most 255.
    public var ssrcs: [UInt32]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, bitrate: UInt64, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.bitrate = bitrate
        self.ssrcs = ssrcs
    }

    /// The exponent and mantissa ``write(to:)`` uses: the smallest exponent whose mantissa fits in 18 bits.
    public var encodedBitrate: (exponent: UInt8, mantissa: UInt32) {
        var exponent: UInt8 = 0
        var mantissa = bitrate
        while mantissa >= 1 << 18 {
            mantissa >>= 1
            exponent += 1
        }
        return (exponent, UInt32(mantissa))
    }

    /// Reads one REMB packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readFeedbackPacket(from: &buffer, packetType: RTCPHeader.payloadFeedbackType, format: Self.format)
        try self.init(header: header, body: body)
    }

    /// Whether a PSFB FMT 15 body (after the header) carries the REMB identifier.
    static func isREMB(_ body: ByteBuffer) -> Bool {
        body.getInteger(at: body.readerIndex + 8, as: UInt32.self) == identifier
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.senderSSRC = try body.readWireInteger(.rtcp, field: "REMB sender SSRC")
        self.mediaSSRC = try body.readWireInteger(.rtcp, field: "REMB media SSRC")
        let identifier = try body.readWireInteger(as: UInt32.self, .rtcp, field: "REMB identifier")
        guard identifier == Self.identifier else {
            throw WireError(.rtcp, .malformed, "PSFB FMT 15 without the REMB identifier")
        }
        let word = try body.readWireInteger(as: UInt32.self, .rtcp, field: "REMB bitrate")
        let count = Int(word >> 24)
        let exponent = UInt64(word >> 18 & 0x3F)
        let mantissa = UInt64(word & 0x3_FFFF)
        // An 18-bit mantissa shifted by up to 63 can overflow 64 bits.
        guard mantissa == 0 || exponent <= UInt64(mantissa.leadingZeroBitCount) else {
            throw WireError(.rtcp, .malformed, "REMB bitrate \(mantissa) << \(exponent) overflows 64 bits")
        }
        self.bitrate = mantissa << exponent
        guard body.readableBytes >= count * 4 else {
            throw WireError(.rtcp, .truncated, "REMB with \(count) SSRCs, \(body.readableBytes) bytes left")
        }
        var ssrcs: [UInt32] = []
        ssrcs.reserveCapacity(count)
        for _ in 0..<count {
            ssrcs.append(try body.readWireInteger(.rtcp, field: "REMB SSRC"))
        }
        self.ssrcs = ssrcs
    }

    /// - Throws: ``WireError/Code/tooLarge`` for more than 255 SSRCs.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        guard ssrcs.count <= 255 else {
            throw WireError(.rtcp, .tooLarge, "REMB with \(ssrcs.count) SSRCs, at most 255")
        }
        let (exponent, mantissa) = encodedBitrate
        let start = RTCPHeader.startPacket(count: Self.format, packetType: RTCPHeader.payloadFeedbackType, in: &buffer)
        buffer.writeInteger(senderSSRC)
        buffer.writeInteger(mediaSSRC)
        buffer.writeInteger(Self.identifier)
        buffer.writeInteger(UInt32(ssrcs.count) << 24 | UInt32(exponent) << 18 | mantissa)
        for ssrc in ssrcs {
            buffer.writeInteger(ssrc)
        }
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
