/// The 14-bit STUN message type: a method and a class interleaved (RFC 8489 §5, figure 3).
///
/// ```
///  0                 1
///  2  3  4 5 6 7 8 9 0 1 2 3 4 5
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
/// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// Every 14-bit value is some method and class, so the mapping is a bijection and round-trips exactly.
public struct STUNMessageType: Hashable, Sendable, CustomStringConvertible {
    public var method: STUNMethod
    public var messageClass: STUNMessageClass

    public init(method: STUNMethod, class messageClass: STUNMessageClass) {
        self.method = method
        self.messageClass = messageClass
    }

    /// Splits a wire message type; the two most significant bits (always zero in STUN) are ignored.
    public init(rawValue: UInt16) {
        let m = (rawValue & 0x000F) | ((rawValue >> 1) & 0x0070) | ((rawValue >> 2) & 0x0F80)
        let c = UInt8(truncatingIfNeeded: ((rawValue >> 4) & 0x1) | ((rawValue >> 7) & 0x2))
        self.method = STUNMethod(masked: m)
        // Two bits always name one of the four classes.
        self.messageClass = STUNMessageClass(rawValue: c) ?? .request
    }

    /// The wire form: method bits interleaved with the class bits.
    public var rawValue: UInt16 {
        let m = method.rawValue, c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0x1) << 4) | ((c & 0x2) << 7)
    }

    public static let bindingRequest = STUNMessageType(method: .binding, class: .request)
    public static let bindingIndication = STUNMessageType(method: .binding, class: .indication)
    public static let bindingSuccess = STUNMessageType(method: .binding, class: .successResponse)
    public static let bindingError = STUNMessageType(method: .binding, class: .errorResponse)

    public var description: String { "\(method) \(messageClass)" }
}
