/// An ICE candidate with aiortc's fields, plus the SDP `candidate:` line form browsers use.
public struct RTCIceCandidate: Hashable, Sendable {
    /// 1 for RTP (and everything bundled), 2 for RTCP.
    public var component: Int
    /// Groups candidates of the same type, base and server (RFC 8445 §5.1.1.3).
    public var foundation: String
    /// The candidate's address.
    public var ip: String
    /// The candidate's port.
    public var port: Int
    /// The candidate priority (RFC 8445 §5.1.2).
    public var priority: UInt32
    /// "udp" or "tcp".
    public var `protocol`: String
    /// "host", "srflx", "prflx" or "relay".
    public var type: String
    /// For reflexive and relayed candidates, the address they were derived from (`raddr`).
    public var relatedAddress: String?
    /// For reflexive and relayed candidates, the port they were derived from (`rport`).
    public var relatedPort: Int?
    /// The `a=mid` of the media section the candidate belongs to.
    public var sdpMid: String?
    /// The zero-based index of that media section.
    public var sdpMLineIndex: Int?
    /// "active", "passive" or "so" for TCP candidates.
    public var tcpType: String?

    /// A candidate from its fields, as aiortc's `RTCIceCandidate(...)` constructor takes them.
    public init(component: Int, foundation: String, ip: String, port: Int, priority: UInt32,
                protocol: String, type: String, relatedAddress: String? = nil, relatedPort: Int? = nil,
                sdpMid: String? = nil, sdpMLineIndex: Int? = nil, tcpType: String? = nil) {
        self.component = component
        self.foundation = foundation
        self.ip = ip
        self.port = port
        self.priority = priority
        self.protocol = `protocol`
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex
        self.tcpType = tcpType
    }
}
