public import NIOCore

/// A Data Channel Establishment Protocol message (RFC 8832), carried on an SCTP stream with PPID 50.
public enum DCEPMessage: Hashable, Sendable {
    /// DATA_CHANNEL_OPEN (message type 0x03, RFC 8832 §5.1).
    case open(DataChannelOpen)
    /// DATA_CHANNEL_ACK (message type 0x02, RFC 8832 §5.2).
    case ack

    static let openType: UInt8 = 0x03
    static let ackType: UInt8 = 0x02

    /// Parses one DCEP message; the whole readable region must be the message.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let type = try buffer.readWireInteger(as: UInt8.self, .dcep, field: "message type")
        switch type {
        case Self.openType:
            self = .open(try DataChannelOpen(parsingBody: &buffer))
        case Self.ackType:
            // RFC 8832 §5.2: the ACK is the type byte alone.
            guard buffer.readableBytes == 0 else {
                throw WireError(.dcep, .malformed, "DATA_CHANNEL_ACK carries \(buffer.readableBytes) trailing bytes")
            }
            self = .ack
        default:
            throw WireError(.dcep, .unsupported, "unknown DCEP message type 0x\(String(type, radix: 16))")
        }
    }

    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .open(let open):
            buffer.writeInteger(Self.openType)
            open.writeBody(to: &buffer)
        case .ack:
            buffer.writeInteger(Self.ackType)
        }
    }
}
