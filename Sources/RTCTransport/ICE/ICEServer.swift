/// A STUN or TURN server that ICE gathers candidates from (RFC 8445 §5.1.1): a STUN server gives server-reflexive
/// candidates, a TURN server relayed ones (RFC 8656).
///
/// This is the transport-level form of a W3C `RTCIceServer` URL (RFC 7064 `stun:`, RFC 7065 `turn:`), already
/// split into host, port and transport; AsyncRTC parses the URLs.
public struct ICEServer: Hashable, Sendable {
    /// What the server is asked for.
    public enum Kind: String, Hashable, Sendable {
        /// Binding requests: a server-reflexive candidate from each host socket.
        case stun
        /// An allocation: a relayed candidate.
        case turn
    }

    /// How the server is reached (RFC 7065 `?transport=`); STUN always goes over UDP here.
    public enum Transport: String, Hashable, Sendable {
        case udp, tcp
    }

    public var kind: Kind
    /// A host name or an IP address literal (without brackets).
    public var host: String
    public var port: Int
    public var transport: Transport
    /// Long-term credentials of a TURN server (RFC 8489 §9.2).
    public var username: String?
    public var password: String?

    public init(kind: Kind, host: String, port: Int? = nil, transport: Transport = .udp, username: String? = nil,
                password: String? = nil) {
        self.kind = kind
        self.host = host
        self.port = port ?? 3478
        self.transport = kind == .stun ? .udp : transport
        self.username = username
        self.password = password
    }

    /// A STUN server (default port 3478, RFC 8489 §18.1).
    public static func stun(host: String, port: Int = 3478) -> ICEServer {
        ICEServer(kind: .stun, host: host, port: port)
    }

    /// A TURN server with long-term credentials (default port 3478, RFC 8656 §4).
    public static func turn(host: String, port: Int = 3478, transport: Transport = .udp, username: String,
                            password: String) -> ICEServer {
        ICEServer(kind: .turn, host: host, port: port, transport: transport, username: username, password: password)
    }
}

/// Which candidates ICE gathers, offers and pairs (W3C `RTCIceTransportPolicy`).
public enum ICETransportPolicy: String, Hashable, Sendable {
    /// Host, server-reflexive and relayed candidates.
    case all
    /// Relayed candidates only: no host socket is bound, no STUN server asked, and every packet goes through a
    /// TURN server. The host's addresses stay hidden from the peer: relayed candidates carry `0.0.0.0:0` as their
    /// related address instead of the mapped address.
    case relay
}
