public import NIOCore
public import RTCWire

/// The sans-I/O ICE agent (RFC 8445, full implementation, one component, with consent freshness of RFC 7675).
///
/// The agent owns the check list and every ICE timer but touches no socket and reads no clock: the shell feeds it
/// candidates, received STUN datagrams and the time, and carries out the ``Action``s it returns (send a datagram,
/// report a state, select a pair). Nothing that fails STUN authentication changes its state.
public struct ICEAgent: Sendable {
    /// The connection state, named as W3C `RTCIceTransportState`.
    public enum State: String, Hashable, Sendable {
        case new, checking, connected, completed, disconnected, failed, closed
    }

    /// What the shell must do, in order, after an input or ``handleTimeout(now:)``.
    public enum Action: Hashable, Sendable {
        /// Send `datagram` from the socket `socket` to `address`.
        case send(datagram: [UInt8], socket: Int, to: STUNAddress)
        /// The agent's ``State`` changed.
        case stateChanged(State)
        /// The pair application data now uses (nominated and succeeded).
        case selectedPairChanged(ICECandidatePair)
        /// A peer-reflexive remote candidate was learnt from an incoming check.
        case remoteCandidateDiscovered(ICERemoteCandidate)
    }

    /// The timers and limits of an agent; the defaults follow RFC 8445 and RFC 7675.
    public struct Configuration: Hashable, Sendable {
        /// Pacing of new checks (RFC 8445 §14.2, Ta). The RFC's default is 50 ms and its floor 5 ms; 10 ms lets a
        /// handful of pairs be checked within a round trip (aioice paces faster still), which is what setup latency
        /// hangs on.
        public var pacing: TimeAmount = .milliseconds(10)
        /// First retransmission timeout of a check; doubles on each retransmission (RFC 8489 §6.2.1).
        public var checkRTO: TimeAmount = .milliseconds(250)
        /// Cap of the doubling timeout of consent checks (RFC 7675).
        public var maximumRTO: TimeAmount = .seconds(2)
        /// Cap of the doubling timeout of connectivity checks and nominations (RFC 8445 §14.3 puts the RTO of a
        /// check at 500 ms or more). Kept low so that a pair under heavy loss is tried about twice a second until
        /// it answers, as browsers keep pinging a pair that is not yet writable; a check that goes unanswered does
        /// not fail its pair before ``connectionTimeout``.
        public var maximumCheckRTO: TimeAmount = .milliseconds(500)
        /// Transmissions of one check before it times out: its pair is then checked again while nothing is selected
        /// and ``connectionTimeout`` has not passed, and fails otherwise.
        public var maximumTransmissions = 7
        /// The controlling agent nominates the best valid pair once no better pair is still being checked, or
        /// this long after the first pair succeeded, whichever comes first.
        public var nominationDelay: TimeAmount = .milliseconds(500)
        /// With no pair selected this long after checks began, the agent fails. Until then a check that timed
        /// out is repeated rather than failing its pair (ICEAgent+Timers.swift).
        public var connectionTimeout: TimeAmount = .seconds(30)
        /// Consent checks on the selected pair every 4–6 s (RFC 7675 §5.1: 5 s randomised by ±20 %).
        public var consentInterval: TimeAmount = .seconds(5)
        /// Nothing heard on the selected pair for this long sends an extra check and, if still nothing, the
        /// state becomes `disconnected`.
        public var livenessProbeAfter: TimeAmount = .milliseconds(2500)
        /// Nothing heard on the selected pair for this long makes the state ``State/disconnected`` (it returns to
        /// ``State/connected`` when a check succeeds again).
        public var disconnectedTimeout: TimeAmount = .seconds(4)
        /// Consent expires this long after the last authenticated response (RFC 7675 §5.1: 30 s): the agent
        /// fails and sends nothing more.
        public var consentTimeout: TimeAmount = .seconds(30)
        /// NAT rebinding: the selected pair must have heard nothing this long before an authenticated
        /// peer-reflexive pair on its socket replaces it (ICEAgent+Restart.swift). Longer than
        /// ``livenessProbeAfter`` plus a round trip, so that a live but idle pair answers its probe first.
        public var rebindingSilence: TimeAmount = .milliseconds(3500)
        /// The SOFTWARE attribute (RFC 8489 §14.14) our checks and their answers carry; nil sends none. The peer
        /// reads it as ``ICEAgent/peerSoftware``.
        public var software: String? = ICEAgent.software

        public init() {}
    }

    /// What this library puts in SOFTWARE: a peer that sees it knows the other end is AsyncRTC, and so what its
    /// SCTP answers (``PeerTransport`` starts associations with few streams only towards such a peer).
    public static let software = "AsyncRTC"

    /// Counters of what was refused, for stats and security tests.
    public struct Counters: Hashable, Sendable {
        /// STUN messages dropped because USERNAME or MESSAGE-INTEGRITY did not verify.
        public var unauthenticatedDiscarded = 0
        /// Datagrams that were not well-formed STUN Binding messages with a valid FINGERPRINT.
        public var malformedDiscarded = 0
        /// Responses matching no outstanding transaction.
        public var unmatchedResponses = 0
        /// Role conflicts seen, in requests and in 487 responses (RFC 8445 §7.3.1.1).
        public var roleConflicts = 0
        public init() {}
    }

    /// The timers and limits this agent runs with.
    public let configuration: Configuration
    /// Our ufrag and password (RFC 8445 §5.3); an ICE restart replaces them.
    public internal(set) var localCredentials: ICECredentials
    /// The peer's ufrag and password, once ``setRemoteCredentials(_:)`` has been called.
    public internal(set) var remoteCredentials: ICECredentials?
    /// The current role; a role conflict (RFC 8445 §7.3.1.1) may switch it.
    public internal(set) var role: ICERole
    /// The tie-breaker sent in ICE-CONTROLLING / ICE-CONTROLLED (RFC 8445 §7.1.3).
    public let tieBreaker: UInt64
    /// The connection state.
    public internal(set) var state: State = .new
    /// Our candidates, in the order they were added.
    public internal(set) var localCandidates: [ICELocalCandidate] = []
    /// The peer's candidates: signalled ones and peer-reflexive ones learnt from checks.
    public internal(set) var remoteCandidates: [ICERemoteCandidate] = []
    /// The check list: every pair of a local and a remote candidate of the same component and address family.
    public internal(set) var pairs: [ICECandidatePair] = []
    /// The index in ``pairs`` of the selected pair, if any.
    public internal(set) var selectedPairIndex: Int?
    /// Whether the peer has said it has no more candidates.
    public internal(set) var remoteEndOfCandidates = false
    /// What the agent refused so far.
    public internal(set) var counters = Counters()
    /// The SOFTWARE attribute of the last authenticated check or answer from the peer; nil while none carried one.
    public internal(set) var peerSoftware: String?
    /// How many ICE restarts (RFC 8445 §9) this agent went through: 0 until the first one.
    public internal(set) var generation = 0
    /// True from ``restart(localCredentials:remoteCredentials:now:)`` until a pair of the new generation is selected:
    /// meanwhile the pair selected before keeps carrying data.
    public var isRestarting: Bool { restarting }

    let crypto: STUNCryptoFunctions
    var random: SeededRandom
    var actions: [Action] = []
    /// Outstanding transactions: a check on a pair, or a consent check.
    var transactions: [STUNTransactionID: Transaction] = [:]
    /// Pairs due a triggered check (RFC 8445 §7.3.1.4), in order.
    var triggered: [Int] = []
    var started: NIODeadline?
    var nextPacedCheck: NIODeadline?
    var firstSuccess: NIODeadline?
    var nominating: Int?
    var nextConsentCheck: NIODeadline?
    var lastConsent: NIODeadline?
    var lastHeard: NIODeadline?
    var restarting = false
    /// Peer-reflexive addresses learnt from authenticated checks after a pair was selected, and when: the peer's
    /// NAT may have rebound (ICEAgent+Restart.swift).
    var learntAfterSelection: [STUNAddress: NIODeadline] = [:]

    struct Transaction: Hashable, Sendable {
        var pair: Int
        var request: [UInt8]
        var firstSent: NIODeadline
        var nextRetransmit: NIODeadline
        var rto: TimeAmount
        var transmissions: Int
        var useCandidate: Bool
        var isConsent: Bool
    }

    /// Creates an agent with no candidates, in state ``State/new``.
    ///
    /// - Parameters:
    ///   - role: the role to start in (RFC 8445 §6.1.1); a role conflict may switch it.
    ///   - tieBreaker: the 64-bit random number that settles role conflicts (RFC 8445 §6.1.1).
    ///   - localCredentials: our ufrag and password: checks to us must use them, responses are signed with them.
    ///   - crypto: HMAC-SHA1 and CRC-32 for MESSAGE-INTEGRITY and FINGERPRINT.
    ///   - configuration: the timers and limits; the defaults follow RFC 8445 and RFC 7675.
    ///   - seed: seeds the jitter of consent intervals (tests pass a fixed one).
    public init(role: ICERole, tieBreaker: UInt64, localCredentials: ICECredentials, crypto: STUNCryptoFunctions,
                configuration: Configuration = Configuration(), seed: UInt64 = 1) {
        self.role = role
        self.tieBreaker = tieBreaker
        self.localCredentials = localCredentials
        self.crypto = crypto
        self.configuration = configuration
        self.random = SeededRandom(seed: seed ^ tieBreaker)
    }

    /// The pair application data uses: nominated and succeeded (RFC 8445 §8.1.1).
    public var selectedPair: ICECandidatePair? { selectedPairIndex.map { pairs[$0] } }

    // MARK: Inputs

    /// Sets the peer's ufrag and password (from its description); checks start only once they are known.
    public mutating func setRemoteCredentials(_ credentials: ICECredentials) {
        remoteCredentials = credentials
    }

    /// Adds a candidate of ours and pairs it with every remote candidate already known. Duplicates are ignored.
    public mutating func addLocalCandidate(_ candidate: ICELocalCandidate) {
        guard state != .closed, !localCandidates.contains(candidate) else { return }
        localCandidates.append(candidate)
        for remote in remoteCandidates { addPair(local: candidate, remote: remote) }
    }

    /// Adds a candidate the peer signalled (trickled or not) and pairs it with our candidates; checks begin if the
    /// agent is ready. A candidate for an address already learnt as peer-reflexive replaces that one.
    public mutating func addRemoteCandidate(_ candidate: ICERemoteCandidate, now: NIODeadline) -> [Action] {
        guard state != .closed else { return [] }
        if let index = remoteCandidates.firstIndex(where: { $0.address == candidate.address }) {
            // A signalled candidate for an address we learnt as peer-reflexive keeps the learnt pairs, which take
            // its type and priority (RFC 8445 §7.3.1.3): left at the peer-reflexive priority, such a pair would
            // rank below host pairs still waiting, and nomination would wait for those to be checked first.
            guard remoteCandidates[index].type == .peerReflexive else { return [] }
            remoteCandidates[index] = candidate
            for pair in pairs.indices where pairs[pair].remote.address == candidate.address {
                pairs[pair].remote = candidate
            }
            return []
        }
        remoteCandidates.append(candidate)
        for local in localCandidates { addPair(local: local, remote: candidate) }
        startChecksIfReady(now: now)
        return takeActions()
    }

    /// Records that the peer has no more candidates: from now on, every pair failing fails the agent
    /// (RFC 8445 §8.1.2).
    public mutating func endOfRemoteCandidates(now: NIODeadline) -> [Action] {
        remoteEndOfCandidates = true
        updateFailure(now: now)
        return takeActions()
    }

    /// Starts connectivity checks once remote credentials are known (candidates may still trickle in).
    public mutating func start(now: NIODeadline) -> [Action] {
        startChecksIfReady(now: now, force: true)
        return takeActions()
    }

    /// Traffic other than STUN was received from `address` on `socket` (the shell calls this after the packet's
    /// own layer accepted it): keeps a quiet selected pair from looking dead. It does not renew consent.
    public mutating func noteInboundTraffic(socket: Int, from address: STUNAddress, now: NIODeadline) {
        if let selected = selectedPair, selected.matches(socket: socket, remote: address) {
            lastHeard = now
        }
    }

    /// True while the agent may send application data on the selected pair (consent not expired, not closed).
    public var maySend: Bool {
        selectedPairIndex != nil && state != .failed && state != .closed
    }

    /// Stops: forgets outstanding checks and moves to ``State/closed``. Later inputs send nothing and change no state.
    public mutating func close() -> [Action] {
        guard state != .closed else { return [] }
        transactions.removeAll()
        triggered.removeAll()
        setState(.closed)
        return takeActions()
    }

    // MARK: Internals shared by the +Checks and +Timers files

    mutating func takeActions() -> [Action] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    mutating func setState(_ new: State) {
        guard new != state, state != .closed else { return }
        if state == .failed && new != .closed { return }
        state = new
        actions.append(.stateChanged(new))
    }

    @discardableResult
    mutating func addPair(local: ICELocalCandidate, remote: ICERemoteCandidate) -> Int {
        if let existing = pairs.firstIndex(where: { $0.matches(socket: local.socket, remote: remote.address) }) {
            return existing
        }
        guard local.component == remote.component, local.address.family == remote.address.family else {
            return -1
        }
        pairs.append(ICECandidatePair(local: local, remote: remote))
        return pairs.count - 1
    }

    mutating func startChecksIfReady(now: NIODeadline, force: Bool = false) {
        guard state == .new || state == .checking || restarting, remoteCredentials != nil else { return }
        guard force || started != nil || !pairs.isEmpty else { return }
        if started == nil {
            started = now
            nextPacedCheck = now
            setState(.checking)
        }
    }
}
