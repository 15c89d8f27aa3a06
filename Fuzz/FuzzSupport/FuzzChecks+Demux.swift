import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the RFC 7983 / RFC 9443 demultiplexer and what sits behind it: the class of a datagram
    /// depends on its first two bytes only; STUN, RTP and RTCP datagrams go to their parser, which must accept
    /// (and round-trip, through the parser's own check) or refuse with a typed error. An RTP or RTCP datagram is
    /// never also valid STUN (RFC 8489 §5: STUN's first two bits are zero).
    public static func demux(_ bytes: [UInt8]) -> FuzzOutcome {
        let kind = PacketClass(classifying: bytes)
        if PacketClass(classifying: bytes.prefix(2)) != kind {
            return .invariantBroken("class \(kind) changes when the datagram is cut to two bytes")
        }
        if bytes.count >= 2, PacketClass(classifying: bytes.prefix(2) + [0xFF, 0x00]) != kind {
            return .invariantBroken("class \(kind) depends on bytes after the second")
        }
        let outcome: FuzzOutcome
        switch kind {
        case .stun: outcome = stun(bytes)
        case .rtp: outcome = rtp(bytes)
        case .rtcp: outcome = rtcp(bytes)
        case .dtls, .zrtp, .turnChannel, .unknown:
            // Not parsed by RTCWire: DTLS goes to OpenSSL, TURN ChannelData is framed in RTCTransport.
            return .rejected(WireError(.demux, .unsupported, "\(kind) datagram"))
        }
        if case .invariantBroken = outcome { return outcome }
        if case .accepted = outcome, kind != .stun, case .accepted = stun(bytes) {
            return .invariantBroken("STUN parser also accepted a \(kind) datagram")
        }
        return outcome
    }
}
