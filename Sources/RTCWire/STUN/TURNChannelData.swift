public import NIOCore

/// A TURN ChannelData message (RFC 8656 §12.4): application data relayed over a bound channel with a 4-byte
/// header instead of a Send or Data indication.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Channel Number        |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// /                       Application Data                        /
/// +-------------------------------+
/// ```
/// Over TCP and TLS the message is padded to a multiple of 4 bytes (the length field excludes the padding); over
/// UDP padding is optional and a receiver ignores whatever follows the data in the datagram.
public struct TURNChannelData: Hashable, Sendable {
    /// Channel numbers a client may bind (RFC 8656 §12): `0x4000` through `0x4FFF`.
    public static let validChannels: ClosedRange<UInt16> = 0x4000...0x4FFF

    /// How the message travels, which decides padding.
    public enum Framing: Hashable, Sendable {
        /// UDP or DTLS: one message per datagram, padding optional (none is written).
        case datagram
        /// TCP or TLS: messages back to back, each padded to a multiple of 4 bytes.
        case stream
    }

    public var channelNumber: UInt16
    public var data: ByteBuffer

    public init(channelNumber: UInt16, data: ByteBuffer) {
        self.channelNumber = channelNumber
        self.data = data
    }

    /// Whether `firstByte` could begin a ChannelData message: its top two bits are `01` (RFC 8656 §12.4; RFC 7983
    /// sends 64–79 to TURN channels).
    public static func looksLikeChannelData(firstByte: UInt8) -> Bool {
        firstByte & 0xC0 == 0x40
    }

    /// Parses one message from the front of `buffer`. With `.stream` framing the padding is consumed too (and
    /// must be there); with `.datagram` only header and data are consumed. Throws ``WireError/Code/malformed``
    /// for a channel number outside `0x4000`–`0x4FFF` and ``WireError/Code/truncated`` when data or padding is
    /// missing. The data is a slice of `buffer`, not a copy.
    public init(parsing buffer: inout ByteBuffer, framing: Framing = .datagram) throws(WireError) {
        var input = buffer
        let channel = try input.readWireInteger(as: UInt16.self, .stun, field: "channel number")
        let length = Int(try input.readWireInteger(as: UInt16.self, .stun, field: "ChannelData length"))
        guard Self.validChannels.contains(channel) else {
            throw WireError(.stun, .malformed, "channel number 0x\(String(channel, radix: 16)) outside 0x4000-0x4FFF")
        }
        let data = try input.readWireSlice(length: length, .stun, field: "ChannelData data")
        if framing == .stream {
            _ = try input.readWireSlice(length: (4 - length % 4) % 4, .stun, field: "ChannelData padding")
        }
        self.channelNumber = channel
        self.data = data
        buffer = input
    }

    /// Writes the header and data, and zero padding to a multiple of 4 with `.stream` framing. Throws
    /// ``WireError/Code/malformed`` for an invalid channel number and ``WireError/Code/tooLarge`` for more than
    /// 65535 bytes of data.
    public func write(to buffer: inout ByteBuffer, framing: Framing = .datagram) throws(WireError) {
        guard Self.validChannels.contains(channelNumber) else {
            throw WireError(.stun, .malformed, "channel number 0x\(String(channelNumber, radix: 16)) outside 0x4000-0x4FFF")
        }
        guard data.readableBytes <= Int(UInt16.max) else {
            throw WireError(.stun, .tooLarge, "ChannelData of \(data.readableBytes) bytes exceeds 65535")
        }
        buffer.writeInteger(channelNumber)
        buffer.writeInteger(UInt16(data.readableBytes))
        buffer.writeImmutableBuffer(data)
        if framing == .stream {
            buffer.writeRepeatingByte(0, count: (4 - data.readableBytes % 4) % 4)
        }
    }
}
