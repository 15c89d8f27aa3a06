import NIOCore

/// The body of DATA_CHANNEL_OPEN (RFC 8832 §5.1): what the opening side asks for.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |  Message Type |  Channel Type |            Priority           |
/// |                    Reliability Parameter                      |
/// |         Label Length          |       Protocol Length         |
/// |                             Label                             |
/// |                            Protocol                           |
/// ```
public struct DataChannelOpen: Hashable, Sendable {
    public var channelType: DataChannelChannelType
    /// The priority of the channel (RFC 8831 §6.4 names 128, 256, 512, 1024 for very-low … high).
    public var priority: UInt16
    /// Retransmissions or lifetime in milliseconds, by ``channelType``; zero and ignored for reliable channels.
    public var reliabilityParameter: UInt32
    public var label: String
    public var `protocol`: String

    public init(channelType: DataChannelChannelType = .reliable, priority: UInt16 = 256,
                reliabilityParameter: UInt32 = 0, label: String, protocol: String = "") {
        self.channelType = channelType
        self.priority = priority
        self.reliabilityParameter = reliabilityParameter
        self.label = label
        self.protocol = `protocol`
    }

    /// Parses the fields that follow the message type byte.
    init(parsingBody buffer: inout ByteBuffer) throws(WireError) {
        let type = DataChannelChannelType(rawValue: try buffer.readWireInteger(as: UInt8.self, .dcep, field: "channel type"))
        guard DataChannelChannelType.known.contains(type) else {
            throw WireError(.dcep, .malformed, "unknown channel type 0x\(String(type.rawValue, radix: 16))")
        }
        self.channelType = type
        self.priority = try buffer.readWireInteger(.dcep, field: "priority")
        self.reliabilityParameter = try buffer.readWireInteger(.dcep, field: "reliability parameter")
        let labelLength = Int(try buffer.readWireInteger(as: UInt16.self, .dcep, field: "label length"))
        let protocolLength = Int(try buffer.readWireInteger(as: UInt16.self, .dcep, field: "protocol length"))
        guard buffer.readableBytes == labelLength + protocolLength else {
            let code: WireError.Code = buffer.readableBytes < labelLength + protocolLength ? .truncated : .malformed
            throw WireError(.dcep, code, "label (\(labelLength)) and protocol (\(protocolLength)) lengths do not match the \(buffer.readableBytes) bytes left")
        }
        self.label = try Self.readUTF8(&buffer, length: labelLength, field: "label")
        self.protocol = try Self.readUTF8(&buffer, length: protocolLength, field: "protocol")
    }

    private static func readUTF8(_ buffer: inout ByteBuffer, length: Int, field: StaticString) throws(WireError) -> String {
        let slice = try buffer.readWireSlice(length: length, .dcep, field: field)
        guard let text = slice.readableBytesView.withContiguousStorageIfAvailable({ String(validating: $0, as: UTF8.self) })
                ?? String(validating: Array(slice.readableBytesView), as: UTF8.self) else {
            throw WireError(.dcep, .malformed, "\(field) is not valid UTF-8")
        }
        return text
    }

    func writeBody(to buffer: inout ByteBuffer) {
        let label = Array(self.label.utf8).prefix(Int(UInt16.max))
        let proto = Array(self.protocol.utf8).prefix(Int(UInt16.max))
        buffer.writeInteger(channelType.rawValue)
        buffer.writeInteger(priority)
        buffer.writeInteger(reliabilityParameter)
        buffer.writeInteger(UInt16(label.count))
        buffer.writeInteger(UInt16(proto.count))
        buffer.writeBytes(label)
        buffer.writeBytes(proto)
    }
}
