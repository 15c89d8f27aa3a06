import NIOCore
import NIOPosix
import RTCTransport
import RTCWire

/// Where an ``RTCIceGatherer`` is (aiortc's gatherer states).
public enum RTCIceGathererState: String, Hashable, Sendable {
    case new, gathering, completed
}

/// Gathers local ICE candidates and holds the ICE credentials of one ``RTCIceTransport`` (ORTC; aiortc's
/// `RTCIceGatherer`).
///
/// ``gather()`` binds one UDP socket per usable local address (host candidates). ``getLocalParameters()`` is
/// valid before gathering: the ufrag and password are chosen when the gatherer is made.
///
/// `iceServers` are kept for the API's sake but not used yet: like ``RTCPeerConnection``, the gatherer offers host
/// candidates only (no server-reflexive or relayed ones).
public final class RTCIceGatherer: Sendable {
    /// The STUN/TURN servers given at creation (not used for gathering yet).
    public let iceServers: [RTCIceServer]
    /// Whether loopback addresses are gathered too (tests on one machine need them; browsers never offer them).
    public let includeLoopbackCandidates: Bool
    /// Whether only loopback addresses are gathered (tests in a sandbox).
    public let loopbackOnly: Bool
    /// The event loop the ICE agent, its sockets and the transports above it run on.
    let eventLoop: any EventLoop
    let credentials: ICECredentials
    private let observed = ObservedState<RTCIceGathererState>(.new)
    private let gathered = Locked(Gathered())

    private struct Gathered {
        /// The role the ICE transport asked for; the agent starts in it so that checks arriving before our
        /// `start` meet the right role (else a needless role conflict may switch both sides).
        var role: ICERole = .controlled
        var task: Task<Void, any Error>?
        var endpoint: ICEEndpoint?
        var candidates: [RTCIceCandidate] = []
        /// Where the endpoint's events go: the ICE transport built on this gatherer.
        var sink: (@Sendable (ICEEndpoint.Event) -> Void)?
    }

    /// A gatherer in state ``RTCIceGathererState/new``; nothing is bound before ``gather()``.
    ///
    /// - Parameters:
    ///   - iceServers: STUN and TURN servers (accepted, not used yet: host candidates only).
    ///   - includeLoopbackCandidates: gather loopback addresses too (an AsyncRTC addition, as in
    ///     ``RTCConfiguration``).
    ///   - loopbackOnly: gather loopback addresses only.
    public init(iceServers: [RTCIceServer] = [], includeLoopbackCandidates: Bool = false, loopbackOnly: Bool = false) {
        self.iceServers = iceServers
        self.includeLoopbackCandidates = includeLoopbackCandidates
        self.loopbackOnly = loopbackOnly
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        self.credentials = .random()
    }

    deinit {
        // A gatherer whose transport never stopped it still holds sockets.
        if let endpoint = gathered.withLock({ $0.endpoint }) {
            Task { await endpoint.close() }
        }
    }

    /// `new`, `gathering` or `completed`.
    public var state: RTCIceGathererState { observed.value }

    /// Called on every state change.
    public var onStateChange: (@Sendable (RTCIceGathererState) -> Void)? {
        get { observed.handler }
        set { observed.handler = newValue }
    }

    /// Gathers candidates; returns when gathering is complete. Calling it again (or concurrently) waits for the
    /// same gathering.
    public func gather() async throws {
        let task: Task<Void, any Error> = gathered.withLock { g in
            if let task = g.task { return task }
            let task = Task { try await self.bind() }
            g.task = task
            return task
        }
        try await task.value
    }

    /// Our ufrag and password, for the peer's ``RTCIceTransport/start(_:)``.
    public func getLocalParameters() -> RTCIceParameters {
        RTCIceParameters(usernameFragment: credentials.usernameFragment, password: credentials.password)
    }

    /// The candidates gathered so far (empty before ``gather()`` completes).
    public func getLocalCandidates() -> [RTCIceCandidate] {
        gathered.withLock { $0.candidates }
    }

    // MARK: Internals

    /// The endpoint, once gathered.
    var endpoint: ICEEndpoint? { gathered.withLock { $0.endpoint } }

    /// Sets the role the agent runs in, now if gathered, else when it is made. Only effective before checks begin.
    func setRole(_ role: RTCIceRole) {
        let agentRole: ICERole = role == .controlling ? .controlling : .controlled
        let endpoint: ICEEndpoint? = gathered.withLock { g in
            g.role = agentRole
            return g.endpoint
        }
        if let endpoint { Task { await endpoint.setRole(agentRole) } }
    }

    /// Routes the endpoint's events to `sink` (the ICE transport; one per gatherer).
    func setEventSink(_ sink: (@Sendable (ICEEndpoint.Event) -> Void)?) {
        gathered.withLock { $0.sink = sink }
    }

    private func bind() async throws {
        observed.set(.gathering)
        var options = ICEEndpoint.Options()
        options.includeLoopback = includeLoopbackCandidates
        options.loopbackOnly = loopbackOnly
        let endpoint: ICEEndpoint
        do {
            // ORTC may choose the role after gathering: the ICE transport updates it until checks begin.
            let role = gathered.withLock { $0.role }
            endpoint = try await ICEEndpoint.gather(on: eventLoop, role: role, credentials: credentials,
                                                    options: options) { [weak self] event in
                self?.gathered.withLock { $0.sink }?(event)
            }
        } catch {
            gathered.withLock { $0.task = nil }
            observed.set(.new)
            throw RTCError(.operation, "ICE gathering failed: \(error)")
        }
        let candidates = await endpoint.localCandidates.map {
            RTCIceCandidate(ICECandidate(local: $0), sdpMid: nil, sdpMLineIndex: nil)
        }
        gathered.withLock { g in
            g.endpoint = endpoint
            g.candidates = candidates
        }
        observed.set(.completed)
    }
}
