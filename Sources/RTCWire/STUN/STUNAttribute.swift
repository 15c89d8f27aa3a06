public import NIOCore

/// One STUN attribute, typed (RFC 8489 §14, TURN RFC 8656 §18, ICE RFC 8445 §16.1).
///
/// Attributes this implementation does not model arrive as ``unknown(type:value:)`` with their value bytes (padding
/// excluded) and serialize back unchanged. Address attributes hold the plain address: the XOR variants are decoded
/// with the message's transaction ID while parsing and encoded again while writing.
public enum STUNAttribute: Hashable, Sendable {
    /// MAPPED-ADDRESS (RFC 8489 §14.1).
    case mappedAddress(STUNAddress)
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
    case xorMappedAddress(STUNAddress)
    /// USERNAME (RFC 8489 §14.3), UTF-8, < 513 bytes.
    case username(String)
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5): the 20-byte HMAC-SHA1 as it appears on the wire.
    case messageIntegrity([UInt8])
    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): 16 to 32 bytes, a multiple of 4.
    case messageIntegritySHA256([UInt8])
    /// FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message so far, XOR 0x5354554E, as on the wire.
    case fingerprint(UInt32)
    /// ERROR-CODE (RFC 8489 §14.8).
    case errorCode(STUNErrorCode)
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.9): the types a 420 response did not understand.
    case unknownAttributes([STUNAttributeType])
    /// REALM (RFC 8489 §14.9), UTF-8.
    case realm(String)
    /// NONCE (RFC 8489 §14.10), UTF-8.
    case nonce(String)
    /// SOFTWARE (RFC 8489 §14.14), UTF-8.
    case software(String)
    /// ALTERNATE-SERVER (RFC 8489 §14.15).
    case alternateServer(STUNAddress)
    /// PRIORITY (RFC 8445 §7.1.1).
    case priority(UInt32)
    /// USE-CANDIDATE (RFC 8445 §7.1.2): no value.
    case useCandidate
    /// ICE-CONTROLLED (RFC 8445 §7.1.3): the 64-bit tie-breaker.
    case iceControlled(UInt64)
    /// ICE-CONTROLLING (RFC 8445 §7.1.3): the 64-bit tie-breaker.
    case iceControlling(UInt64)
    /// CHANNEL-NUMBER (RFC 8656 §18.1).
    case channelNumber(UInt16)
    /// LIFETIME (RFC 8656 §18.2), seconds.
    case lifetime(UInt32)
    /// XOR-PEER-ADDRESS (RFC 8656 §18.3).
    case xorPeerAddress(STUNAddress)
    /// DATA (RFC 8656 §18.4): the application data of a Send or Data indication.
    case data(ByteBuffer)
    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5).
    case xorRelayedAddress(STUNAddress)
    /// REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).
    case requestedAddressFamily(STUNAddress.Family)
    /// EVEN-PORT (RFC 8656 §18.7): the R bit, asking to reserve the next port as well.
    case evenPort(reserveNext: Bool)
    /// REQUESTED-TRANSPORT (RFC 8656 §18.8): an IP protocol number, 17 for UDP.
    case requestedTransport(UInt8)
    /// DONT-FRAGMENT (RFC 8656 §18.9): no value.
    case dontFragment
    /// RESERVATION-TOKEN (RFC 8656 §18.10).
    case reservationToken(UInt64)
    /// Any other attribute, or one whose value this implementation does not model; round-trips unchanged.
    case unknown(type: STUNAttributeType, value: [UInt8])

    /// REQUESTED-TRANSPORT's value for UDP (RFC 8656 §18.8).
    public static let udpTransport: UInt8 = 17

    /// The attribute's type code.
    public var type: STUNAttributeType {
        switch self {
        case .mappedAddress: .mappedAddress
        case .xorMappedAddress: .xorMappedAddress
        case .username: .username
        case .messageIntegrity: .messageIntegrity
        case .messageIntegritySHA256: .messageIntegritySHA256
        case .fingerprint: .fingerprint
        case .errorCode: .errorCode
        case .unknownAttributes: .unknownAttributes
        case .realm: .realm
        case .nonce: .nonce
        case .software: .software
        case .alternateServer: .alternateServer
        case .priority: .priority
        case .useCandidate: .useCandidate
        case .iceControlled: .iceControlled
        case .iceControlling: .iceControlling
        case .channelNumber: .channelNumber
        case .lifetime: .lifetime
        case .xorPeerAddress: .xorPeerAddress
        case .data: .data
        case .xorRelayedAddress: .xorRelayedAddress
        case .requestedAddressFamily: .requestedAddressFamily
        case .evenPort: .evenPort
        case .requestedTransport: .requestedTransport
        case .dontFragment: .dontFragment
        case .reservationToken: .reservationToken
        case .unknown(let type, _): type
        }
    }
}
