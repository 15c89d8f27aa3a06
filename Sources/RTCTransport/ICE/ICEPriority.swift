/// Candidate and pair priorities of ICE (RFC 8445 §5.1.2 and §6.1.2.3).
public enum ICEPriority {
    /// The recommended type preferences (RFC 8445 §5.1.2.2): host 126, peer-reflexive 110, server-reflexive 100,
    /// relayed 0.
    public static func typePreference(_ type: ICECandidateType) -> UInt32 {
        switch type {
        case .host: 126
        case .peerReflexive: 110
        case .serverReflexive: 100
        case .relayed: 0
        }
    }

    /// A candidate's priority (RFC 8445 §5.1.2.1):
    /// `2^24 · type preference + 2^8 · local preference + (256 − component)`.
    ///
    /// - Parameters:
    ///   - type: the candidate type, which picks the type preference (``typePreference(_:)``).
    ///   - localPreference: 0…65535; higher for the interfaces and address families to prefer (RFC 8421
    ///     recommends IPv6 above IPv4 on dual-stack hosts).
    ///   - component: 1 for RTP (and all bundled traffic), 2 for RTCP.
    public static func candidate(type: ICECandidateType, localPreference: UInt16, component: UInt16 = 1) -> UInt32 {
        let componentTerm = UInt32(256 - min(max(Int(component), 1), 256))
        return (typePreference(type) << 24) | (UInt32(localPreference) << 8) | componentTerm
    }

    /// The local preference of a relayed candidate: relays reached over UDP above TCP above TLS (the
    /// extra hop of a stream adds latency and head-of-line blocking; RFC 8445 §5.1.2.1 leaves the choice to the
    /// agent), then earlier servers of the configuration above later ones.
    public static func relayLocalPreference(transport: ICEServer.Transport, serverIndex: Int) -> UInt16 {
        let transportPreference: UInt16 = switch transport {
        case .udp: 2
        case .tcp: 1
        case .tls: 0
        }
        return transportPreference << 14 | UInt16(clamping: 0x3FFF - min(max(serverIndex, 0), 0x3FFF))
    }

    /// A candidate pair's priority (RFC 8445 §6.1.2.3), from the priorities of the controlling agent's candidate
    /// `g` and the controlled agent's candidate `d`: `2^32 · min(g, d) + 2 · max(g, d) + (g > d ? 1 : 0)`.
    /// Both agents compute the same value for the same pair. Priorities of conforming agents stay below 2^31;
    /// larger ones from a hostile peer wrap instead of trapping.
    public static func pair(controlling g: UInt32, controlled d: UInt32) -> UInt64 {
        (UInt64(min(g, d)) << 32) &+ 2 &* UInt64(max(g, d)) &+ (g > d ? 1 : 0)
    }
}

/// The kind of an ICE candidate (RFC 8445 §5.1.1).
public enum ICECandidateType: String, Hashable, Sendable, CaseIterable {
    /// An address of a local interface.
    case host
    /// The address a NAT gave us, learnt from a STUN server.
    case serverReflexive = "srflx"
    /// An address learnt from a connectivity check (from the peer's view, or an unknown source of a check to us).
    case peerReflexive = "prflx"
    /// An address allocated on a TURN server.
    case relayed = "relay"
}
