public import RTCCrypto

/// A STUN or TURN server that ICE gathers candidates from (RFC 8445 §5.1.1): a STUN server gives server-reflexive
/// candidates, a TURN server relayed ones (RFC 8656).
///
/// This is the transport-level form of a W3C `RTCIceServer` URL (RFC 7064 `stun:`, RFC 7065 `turn:` and `turns:`),
/// already split into host, port and transport; AsyncRTC parses the URLs.
public struct ICEServer: Hashable, Sendable {
    /// What the server is asked for.
    public enum Kind: String, Hashable, Sendable {
        /// Binding requests: a server-reflexive candidate from each host socket.
        case stun
        /// An allocation: a relayed candidate.
        case turn
    }

    /// How the server is reached (RFC 7065 `?transport=`, and `tls` for `turns:`; the W3C
    /// `RTCIceServerTransportProtocol`); STUN always goes over UDP here.
    public enum Transport: String, Hashable, Sendable {
        case udp, tcp
        /// TCP inside TLS 1.2/1.3 (RFC 8656 §3.1), the server's certificate checked per ``ICEServer/tlsVerification``.
        case tls
    }

    public var kind: Kind
    /// A host name or an IP address literal (without brackets).
    public var host: String
    public var port: Int
    public var transport: Transport
    /// Long-term credentials of a TURN server (RFC 8489 §9.2).
    public var username: String?
    public var password: String?
    /// Over TLS: what the server's certificate is checked against (and that it names ``host``). The system trust
    /// store by default; ``TLSClientEngine/Verification/caFile(_:)`` for a server with a private CA.
    public var tlsVerification: TLSClientEngine.Verification

    /// - Parameter port: nil: 3478, or 5349 over TLS (RFC 8656 §4).
    public init(kind: Kind, host: String, port: Int? = nil, transport: Transport = .udp, username: String? = nil,
                password: String? = nil, tlsVerification: TLSClientEngine.Verification = .systemTrustStore) {
        self.kind = kind
        self.host = host
        self.transport = kind == .stun ? .udp : transport
        self.port = port ?? (self.transport == .tls ? 5349 : 3478)
        self.username = username
        self.password = password
        self.tlsVerification = tlsVerification
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

    /// A TURN server reached over TLS (`turns:`, default port 5349, RFC 8656 §3.1 and §4), its certificate checked
    /// against `verification` and for the name `host`.
    public static func turns(host: String, port: Int = 5349, username: String, password: String,
                             verification: TLSClientEngine.Verification = .systemTrustStore) -> ICEServer {
        ICEServer(kind: .turn, host: host, port: port, transport: .tls, username: username, password: password,
                  tlsVerification: verification)
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
