/// A STUN method: the 12-bit operation a message belongs to (RFC 8489 §5, §18.2; TURN methods RFC 8656 §17).
///
/// A struct rather than an enum, so methods this implementation does not know parse and serialize unchanged.
public struct STUNMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method number; only the low 12 bits are meaningful (`0x000`–`0xFFF`).
    public let rawValue: UInt16

    /// A method from its number; nil if it does not fit in 12 bits.
    public init?(rawValue: UInt16) {
        guard rawValue <= 0x0FFF else { return nil }
        self.rawValue = rawValue
    }

    init(masked value: UInt16) {
        self.rawValue = value & 0x0FFF
    }

    /// Binding (RFC 8489 §18.2).
    public static let binding = STUNMethod(masked: 0x001)
    /// Allocate (RFC 8656 §17): request only.
    public static let allocate = STUNMethod(masked: 0x003)
    /// Refresh (RFC 8656 §17): request only.
    public static let refresh = STUNMethod(masked: 0x004)
    /// Send (RFC 8656 §17): indication only.
    public static let send = STUNMethod(masked: 0x006)
    /// Data (RFC 8656 §17): indication only.
    public static let data = STUNMethod(masked: 0x007)
    /// CreatePermission (RFC 8656 §17): request only.
    public static let createPermission = STUNMethod(masked: 0x008)
    /// ChannelBind (RFC 8656 §17): request only.
    public static let channelBind = STUNMethod(masked: 0x009)

    public var description: String {
        switch self {
        case .binding: "Binding"
        case .allocate: "Allocate"
        case .refresh: "Refresh"
        case .send: "Send"
        case .data: "Data"
        case .createPermission: "CreatePermission"
        case .channelBind: "ChannelBind"
        default: "Method(0x\(String(rawValue, radix: 16)))"
        }
    }
}
