/// SCTP payload protocol identifiers used by WebRTC data channels (RFC 8831 §8, IANA SCTP PPID registry).
public struct SCTPPayloadProtocolIdentifier: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// DCEP messages.
    public static let dcep = Self(rawValue: 50)
    /// A UTF-8 text message.
    public static let string = Self(rawValue: 51)
    /// A binary message.
    public static let binary = Self(rawValue: 53)
    /// An empty text message (SCTP cannot carry zero bytes, so one 0 byte travels instead).
    public static let stringEmpty = Self(rawValue: 56)
    /// An empty binary message.
    public static let binaryEmpty = Self(rawValue: 57)
    /// Deprecated partial-message PPIDs some old peers still send (RFC 8831 §8).
    public static let stringPartial = Self(rawValue: 52)
    public static let binaryPartial = Self(rawValue: 54)

    public var description: String {
        switch self {
        case .dcep: "DCEP"
        case .string: "string"
        case .binary: "binary"
        case .stringEmpty: "string-empty"
        case .binaryEmpty: "binary-empty"
        case .stringPartial: "string-partial"
        case .binaryPartial: "binary-partial"
        default: "ppid(\(rawValue))"
        }
    }
}
