public import RTCWire

/// A candidate of ours, tied to the socket (its base) that sends and receives for it (RFC 8445 §5.1.1).
public struct ICELocalCandidate: Hashable, Sendable {
    /// Which socket of the shell this candidate lives on; checks for its pairs are sent from there.
    public var socket: Int
    public var type: ICECandidateType
    /// The address the peer sends to.
    public var address: STUNAddress
    /// The address of the socket itself (equal to ``address`` for host candidates).
    public var base: STUNAddress
    public var priority: UInt32
    public var foundation: String
    public var component: UInt16

    public init(socket: Int, type: ICECandidateType, address: STUNAddress, base: STUNAddress? = nil,
                priority: UInt32, foundation: String, component: UInt16 = 1) {
        self.socket = socket
        self.type = type
        self.address = address
        self.base = base ?? address
        self.priority = priority
        self.foundation = foundation
        self.component = component
    }

    /// A host candidate on `socket`, bound to `address`, with the priority for `localPreference`.
    public static func host(socket: Int, address: STUNAddress, localPreference: UInt16 = 65535) -> ICELocalCandidate {
        ICELocalCandidate(socket: socket, type: .host, address: address,
                          priority: ICEPriority.candidate(type: .host, localPreference: localPreference),
                          foundation: ICEFoundation.compute(type: .host, base: address))
    }
}

/// A candidate of the peer's, from signaling or learnt from a check (peer-reflexive).
public struct ICERemoteCandidate: Hashable, Sendable {
    public var type: ICECandidateType
    public var address: STUNAddress
    public var priority: UInt32
    public var foundation: String
    public var component: UInt16

    public init(type: ICECandidateType, address: STUNAddress, priority: UInt32, foundation: String, component: UInt16 = 1) {
        self.type = type
        self.address = address
        self.priority = priority
        self.foundation = foundation
        self.component = component
    }
}

/// Candidate foundations (RFC 8445 §5.1.1.3): candidates of the same type, from the same base IP, through the same
/// server and transport share one. The value is an opaque token of 1–32 ice-chars.
public enum ICEFoundation {
    public static func compute(type: ICECandidateType, base: STUNAddress, server: STUNAddress? = nil, transport: String = "udp") -> String {
        // FNV-1a over the defining fields; stable across runs so that re-gathering keeps foundations.
        var hash: UInt32 = 0x811C_9DC5
        for byte in "\(type.rawValue)|\(base.ip)|\(server.map { "\($0.ip)" } ?? "")|\(transport)".utf8 {
            hash = (hash ^ UInt32(byte)) &* 0x0100_0193
        }
        return String(hash)
    }
}
