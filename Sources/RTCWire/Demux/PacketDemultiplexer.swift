/// The kind of a datagram arriving on a WebRTC 5-tuple, decided by its first byte (RFC 7983 §7, as updated by
/// RFC 9443 §3) and, for RTP and RTCP, by the second byte (RFC 5761 §4).
///
/// ```
///              +----------------+
///              |        [0..3] -+--> STUN
///              |      [16..19] -+--> ZRTP
/// packet -->   |      [20..63] -+--> DTLS
///              |      [64..79] -+--> TURN channel
///              |    [128..191] -+--> RTP / RTCP
///              +----------------+
/// ```
public enum PacketClass: Hashable, Sendable {
    case stun
    case zrtp
    case dtls
    case turnChannel
    case rtp
    case rtcp
    /// Nothing WebRTC sends; drop it.
    case unknown

    /// Classifies a datagram from its first bytes. Never traps; an empty datagram is ``unknown``.
    public init<Bytes: Collection<UInt8>>(classifying datagram: Bytes) {
        guard let first = datagram.first else {
            self = .unknown
            return
        }
        switch first {
        case 0...3: self = .stun
        case 16...19: self = .zrtp
        case 20...63: self = .dtls
        case 64...79: self = .turnChannel
        case 128...191:
            // RFC 5761 §4: RTCP packet types 192–223 land in the second byte where RTP keeps marker + PT; RTP
            // payload types that would collide with them (64–95 with the marker set) must not be used.
            let second = datagram.dropFirst().first
            if let second, (192...223).contains(second) {
                self = .rtcp
            } else if second == nil {
                self = .unknown
            } else {
                self = .rtp
            }
        default: self = .unknown
        }
    }
}
