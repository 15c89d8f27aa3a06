/// The reliability of a data channel as DCEP carries it in DATA_CHANNEL_OPEN (RFC 8832 §5.1).
///
/// The high bit says unordered; the low bits choose reliable, limited retransmissions, or limited lifetime.
public struct DataChannelChannelType: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let reliable = Self(rawValue: 0x00)
    public static let reliableUnordered = Self(rawValue: 0x80)
    public static let partialReliableRexmit = Self(rawValue: 0x01)
    public static let partialReliableRexmitUnordered = Self(rawValue: 0x81)
    public static let partialReliableTimed = Self(rawValue: 0x02)
    public static let partialReliableTimedUnordered = Self(rawValue: 0x82)

    /// The six values RFC 8832 §8.2.2 registers; anything else is refused by the parser.
    public static let known: [Self] = [
        .reliable, .reliableUnordered, .partialReliableRexmit, .partialReliableRexmitUnordered,
        .partialReliableTimed, .partialReliableTimedUnordered,
    ]

    public var isOrdered: Bool { rawValue & 0x80 == 0 }
    public var isReliable: Bool { rawValue & 0x7F == 0 }
    /// The reliability parameter counts retransmissions.
    public var limitsRetransmits: Bool { rawValue & 0x7F == 0x01 }
    /// The reliability parameter is a lifetime in milliseconds.
    public var limitsLifetime: Bool { rawValue & 0x7F == 0x02 }

    /// The channel type for the W3C options of a data channel.
    public init(ordered: Bool, maxRetransmits: UInt32?, maxPacketLifeTime: UInt32?) {
        var raw: UInt8 = ordered ? 0x00 : 0x80
        if maxRetransmits != nil {
            raw |= 0x01
        } else if maxPacketLifeTime != nil {
            raw |= 0x02
        }
        self.rawValue = raw
    }

    public var description: String {
        switch self {
        case .reliable: "reliable"
        case .reliableUnordered: "reliable-unordered"
        case .partialReliableRexmit: "rexmit"
        case .partialReliableRexmitUnordered: "rexmit-unordered"
        case .partialReliableTimed: "timed"
        case .partialReliableTimedUnordered: "timed-unordered"
        default: "unknown(0x\(String(rawValue, radix: 16)))"
        }
    }
}
