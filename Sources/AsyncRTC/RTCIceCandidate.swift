/// An ICE candidate with aiortc's fields, plus the SDP `candidate:` line form browsers use.
public struct RTCIceCandidate: Hashable, Sendable {
    public var component: Int
    public var foundation: String
    public var ip: String
    public var port: Int
    public var priority: UInt32
    /// "udp" or "tcp".
    public var `protocol`: String
    /// "host", "srflx", "prflx" or "relay".
    public var type: String
    public var relatedAddress: String?
    public var relatedPort: Int?
    public var sdpMid: String?
    public var sdpMLineIndex: Int?
    /// "active", "passive" or "so" for TCP candidates.
    public var tcpType: String?

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
