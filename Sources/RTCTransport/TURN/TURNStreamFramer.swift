public import NIOCore
public import RTCWire

/// Splits the byte stream of TURN over TCP (RFC 8656 §12.5, RFC 8489 §6.2.2) into frames: STUN messages
/// (20-byte header plus Message Length) and ChannelData messages padded to a multiple of 4 bytes. The first two
/// bits tell them apart (RFC 7983): `00` STUN, `01` ChannelData; anything else means the stream is out of step
/// and the connection must be dropped. Sans-I/O: feed bytes with ``append(_:)``, take frames with ``nextFrame()``.
public struct TURNStreamFramer: Sendable {
    var buffer = ByteBuffer()

    public init() {}

    /// Bytes waiting for the rest of their frame.
    public var bufferedBytes: Int { buffer.readableBytes }

    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        buffer.writeBuffer(&bytes)
    }

    /// The next complete frame, nil when more bytes are needed. A ChannelData frame includes its padding (parse it
    /// with ``TURNChannelData/Framing/stream``). Throws ``WireError/Code/malformed`` when the stream cannot be a
    /// TURN stream; the framer is useless afterwards.
    public mutating func nextFrame() throws(WireError) -> ByteBuffer? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return nil }
        let frameLength: Int
        switch first >> 6 {
        case 0b00:
            frameLength = STUNMessage.headerLength + Int(length)
        case 0b01:
            frameLength = 4 + (Int(length) + 3) & ~3
        default:
            throw WireError(.stun, .malformed, "TCP stream byte 0x\(String(first, radix: 16)) starts neither STUN nor ChannelData")
        }
        guard buffer.readableBytes >= frameLength, let frame = buffer.readSlice(length: frameLength) else { return nil }
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex > 65_536 {
            buffer.discardReadBytes()
        }
        return frame
    }
}
