import RTCWire

/// A pair of a local and a remote candidate, and the state of its connectivity checks (RFC 8445 §6.1.2.6).
public struct ICECandidatePair: Hashable, Sendable {
    /// The state of a pair's checks (RFC 8445 §6.1.2.6). This agent has one component and no frozen pairs:
    /// new pairs start ``waiting``.
    public enum State: Hashable, Sendable {
        case frozen, waiting, inProgress, succeeded, failed
    }

    /// Our candidate, and the socket checks are sent from.
    public var local: ICELocalCandidate
    /// The peer's candidate.
    public var remote: ICERemoteCandidate
    /// Where this pair's checks are.
    public internal(set) var state: State = .waiting
    /// The pair was nominated (RFC 8445 §8.1.1): USE-CANDIDATE was sent (controlling) or received (controlled).
    public internal(set) var nominated = false
    /// Binding requests sent and responses received on this pair, for stats.
    public internal(set) var requestsSent = 0
    public internal(set) var responsesReceived = 0
    public internal(set) var requestsReceived = 0
    /// Round-trip time of the latest successful check.
    public internal(set) var currentRoundTripTime: Duration?

    public init(local: ICELocalCandidate, remote: ICERemoteCandidate) {
        self.local = local
        self.remote = remote
    }

    /// The pair priority for an agent in `role` (RFC 8445 §6.1.2.3).
    public func priority(role: ICERole) -> UInt64 {
        role == .controlling
            ? ICEPriority.pair(controlling: local.priority, controlled: remote.priority)
            : ICEPriority.pair(controlling: remote.priority, controlled: local.priority)
    }

    /// Pairs are identified by their socket and remote address: that is what a packet arrives on.
    func matches(socket: Int, remote address: STUNAddress) -> Bool {
        local.socket == socket && remote.address == address
    }
}

/// The ICE role (RFC 8445 §6.1.1): the controlling agent nominates the pair.
public enum ICERole: String, Hashable, Sendable {
    case controlling, controlled
}
