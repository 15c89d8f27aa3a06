/// The value of an ERROR-CODE attribute: a number from 300 to 699 and a reason phrase (RFC 8489 §14.8).
///
/// On the wire the number is split into a class (hundreds, 3 bits) and a number (0–99, 8 bits). The parser
/// accepts any class (0–7) so unusual values still round-trip, and rejects a number above 99, which would be
/// ambiguous.
public struct STUNErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// `class * 100 + number`, e.g. 401. Valid on the wire: 0–799 with `code % 100` < 100.
    public var code: Int
    /// A UTF-8 reason phrase for humans; RFC 8489 limits it to 128 characters.
    public var reason: String

    public init(code: Int, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? "\(code)" : "\(code) \(reason)" }

    /// Two codes are the same kind of error when their numbers match, whatever the reason phrase.
    public func hasSameCode(as other: STUNErrorCode) -> Bool { code == other.code }

    // RFC 8489 §14.8
    public static let tryAlternate = STUNErrorCode(code: 300, reason: "Try Alternate")
    public static let badRequest = STUNErrorCode(code: 400, reason: "Bad Request")
    public static let unauthorized = STUNErrorCode(code: 401, reason: "Unauthorized")
    public static let unknownAttribute = STUNErrorCode(code: 420, reason: "Unknown Attribute")
    public static let staleNonce = STUNErrorCode(code: 438, reason: "Stale Nonce")
    public static let serverError = STUNErrorCode(code: 500, reason: "Server Error")
    // RFC 8656 §19
    public static let forbidden = STUNErrorCode(code: 403, reason: "Forbidden")
    public static let requestTimedOut = STUNErrorCode(code: 408, reason: "Request Timed Out")
    public static let allocationMismatch = STUNErrorCode(code: 437, reason: "Allocation Mismatch")
    public static let addressFamilyNotSupported = STUNErrorCode(code: 440, reason: "Address Family not Supported")
    public static let wrongCredentials = STUNErrorCode(code: 441, reason: "Wrong Credentials")
    public static let unsupportedTransportProtocol = STUNErrorCode(code: 442, reason: "Unsupported Transport Protocol")
    public static let peerAddressFamilyMismatch = STUNErrorCode(code: 443, reason: "Peer Address Family Mismatch")
    public static let allocationQuotaReached = STUNErrorCode(code: 486, reason: "Allocation Quota Reached")
    public static let insufficientCapacity = STUNErrorCode(code: 508, reason: "Insufficient Capacity")
    // RFC 8445 §16.1
    public static let roleConflict = STUNErrorCode(code: 487, reason: "Role Conflict")
}
