public import RTCWire

/// A candidate of ours, tied to the socket (its base) that sends and receives for it (RFC 8445 §5.1.1).
public struct ICELocalCandidate: Hashable, Sendable {
    /// Which socket of the shell this candidate lives on; checks for its pairs are sent from there.
    public var socket: Int
    public var type: ICECandidateType
    /// The address the peer sends to.
    public var address: STUNAddress
    /// The address of the socket itself (equal to ``address`` for host candidates; the relayed address itself for
    /// relayed candidates, RFC 8445 §5.1.1.2).
    public var base: STUNAddress
    /// The related address signalled as `raddr`/`rport` (RFC 8839 §5.1): the base of a server-reflexive candidate,
    /// the mapped (server-reflexive) address of a relayed one; nil for host candidates.
    public var relatedAddress: STUNAddress?
    /// For a relayed candidate, how we reach the TURN server (the relayed transport itself is always UDP).
    public var relayProtocol: ICEServer.Transport?
    public var priority: UInt32
    public var foundation: String
    public var component: UInt16

    public init(socket: Int, type: ICECandidateType, address: STUNAddress, base: STUNAddress? = nil,
                relatedAddress: STUNAddress? = nil, relayProtocol: ICEServer.Transport? = nil,
                priority: UInt32, foundation: String, component: UInt16 = 1) {
        self.socket = socket
        self.type = type
        self.address = address
        self.base = base ?? address
        self.relatedAddress = relatedAddress
        self.relayProtocol = relayProtocol
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

    /// A server-reflexive candidate (RFC 8445 §5.1.1.1): `mapped` is what the STUN server `server` saw of the host
    /// candidate `host`; it lives on the host's socket and takes its local preference.
    public static func serverReflexive(host: ICELocalCandidate, mapped: STUNAddress, server: STUNAddress) -> ICELocalCandidate {
        let localPreference = UInt16(truncatingIfNeeded: host.priority >> 8)
        return ICELocalCandidate(
            socket: host.socket, type: .serverReflexive, address: mapped, base: host.base, relatedAddress: host.base,
            priority: ICEPriority.candidate(type: .serverReflexive, localPreference: localPreference,
                                            component: host.component),
            foundation: ICEFoundation.compute(type: .serverReflexive, base: host.base, server: server),
            component: host.component)
    }

    /// A relayed candidate (RFC 8445 §5.1.1.2) on the TURN allocation that the shell knows as `socket`.
    ///
    /// - Parameters:
    ///   - relayed: XOR-RELAYED-ADDRESS, what peers send to (and the candidate's base).
    ///   - mapped: XOR-MAPPED-ADDRESS of the Allocate response, signalled as the related address.
    ///   - clientBase: the local address of the socket or connection that talks to the server (for the foundation).
    ///   - server: the TURN server's address; `transport`: how it is reached.
    ///   - serverIndex: the server's position in the configuration; earlier servers get a higher local preference.
    public static func relayed(socket: Int, relayed: STUNAddress, mapped: STUNAddress?, clientBase: STUNAddress,
                               server: STUNAddress, transport: ICEServer.Transport, serverIndex: Int = 0) -> ICELocalCandidate {
        ICELocalCandidate(
            socket: socket, type: .relayed, address: relayed, base: relayed, relatedAddress: mapped,
            relayProtocol: transport,
            priority: ICEPriority.candidate(type: .relayed,
                                            localPreference: ICEPriority.relayLocalPreference(transport: transport,
                                                                                              serverIndex: serverIndex)),
            foundation: ICEFoundation.compute(type: .relayed, base: clientBase, server: server,
                                              transport: transport.rawValue))
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
