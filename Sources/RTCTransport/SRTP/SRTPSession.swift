// The value types of SRTPSession; the session itself lives in SRTPSession+libsrtp.swift.

extension SRTPSession {
    /// Whether a session protects what this endpoint sends or unprotects what it receives. libsrtp keeps the two
    /// apart (an `ssrc_any_outbound` policy cannot unprotect, RFC 3711 §3.2.3 key sharing rules), so a call needs one
    /// of each.
    public enum Direction: Hashable, Sendable {
        /// Protects outgoing RTP and RTCP with this endpoint's write key; any SSRC.
        case outbound
        /// Unprotects incoming SRTP and SRTCP with the peer's write key; any SSRC.
        case inbound
    }

    /// Size of the anti-replay window in packets (RFC 3711 §3.3.2 asks for at least 64; WebRTC uses 1024 so that
    /// reordered video bursts are not dropped).
    public static let replayWindowSize = 1024

    /// The largest packet accepted, in bytes (a UDP payload cannot be larger).
    public static let maximumPacketLength = 65_535
}
