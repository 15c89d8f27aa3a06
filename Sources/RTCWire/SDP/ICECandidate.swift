/// An ICE candidate line (RFC 8839 §5.1):
///
/// `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> [raddr <a>] [rport <p>]
/// *(<extension name> <extension value>)`
///
/// The well-known extensions (`tcptype` of RFC 6544, and `generation`, `ufrag`, `network-id`, `network-cost` that
/// browsers add) are read through typed properties, but every extension stays in ``extensions`` in its original
/// order, so unknown ones round-trip unchanged.
public struct ICECandidate: Hashable, Sendable, CustomStringConvertible {
    /// `typ` (RFC 8445 §5.1.1).
    public enum CandidateType: String, Hashable, Sendable, CaseIterable {
        case host, srflx, prflx, relay
    }

    /// `tcptype` (RFC 6544 §4.5).
    public enum TCPType: String, Hashable, Sendable, CaseIterable {
        case active, passive, so
    }

    /// The transport, compared case-insensitively.
    public enum TransportProtocol: String, Hashable, Sendable {
        case udp, tcp
    }

    /// One `name value` pair after the type and related address.
    public struct Extension: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var foundation: String
    /// 1 for RTP (and everything bundled with rtcp-mux), 2 for RTCP.
    public var component: UInt16
    /// The transport as written (`udp`, `UDP`, `tcp`, ...).
    public var transport: String
    public var priority: UInt32
    /// An IPv4 or IPv6 address, or an mDNS name such as `1f4d...-....local` (RFC 8839 §5.1 allows an FQDN).
    public var address: String
    public var port: UInt16
    public var type: CandidateType
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var extensions: [Extension]

    public init(foundation: String, component: UInt16 = 1, transport: String = "udp", priority: UInt32,
                address: String, port: UInt16, type: CandidateType, relatedAddress: String? = nil,
                relatedPort: UInt16? = nil, extensions: [Extension] = []) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    /// ``transport`` as a known protocol, case-insensitively; nil for anything but UDP and TCP.
    public var transportProtocol: TransportProtocol? {
        switch transport.lowercased() {
        case "udp": .udp
        case "tcp": .tcp
        default: nil
        }
    }

    /// The value of the first extension with this name.
    public subscript(extension name: String) -> String? {
        get { extensions.first { $0.name == name }?.value }
        set {
            if let newValue {
                if let index = extensions.firstIndex(where: { $0.name == name }) {
                    extensions[index].value = newValue
                } else {
                    extensions.append(Extension(name: name, value: newValue))
                }
            } else {
                extensions.removeAll { $0.name == name }
            }
        }
    }

    /// `tcptype` (RFC 6544 §4.5).
    public var tcpType: TCPType? {
        get { self[extension: "tcptype"].flatMap(TCPType.init(rawValue:)) }
        set { self[extension: "tcptype"] = newValue?.rawValue }
    }

    /// `generation` (browsers: the ICE restart generation).
    public var generation: UInt32? {
        get { self[extension: "generation"].flatMap { SDPText.decimal($0[...]) } }
        set { self[extension: "generation"] = newValue.map { String($0) } }
    }

    /// `ufrag`: the username fragment of the ICE session the candidate belongs to.
    public var ufrag: String? {
        get { self[extension: "ufrag"] }
        set { self[extension: "ufrag"] = newValue }
    }

    /// `network-id` (Chromium).
    public var networkID: UInt32? {
        get { self[extension: "network-id"].flatMap { SDPText.decimal($0[...]) } }
        set { self[extension: "network-id"] = newValue.map { String($0) } }
    }

    /// `network-cost` (Chromium).
    public var networkCost: UInt32? {
        get { self[extension: "network-cost"].flatMap { SDPText.decimal($0[...]) } }
        set { self[extension: "network-cost"] = newValue.map { String($0) } }
    }
}
