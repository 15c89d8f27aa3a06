import NIOCore
import RTCTransport
import RTCWire

/// The role of an ICE agent (RFC 8445 §6.1.1; W3C `RTCIceRole`).
public enum RTCIceRole: String, Hashable, Sendable {
    case controlling, controlled
}

/// W3C `RTCIceTransportState`.
public enum RTCIceTransportState: String, Hashable, Sendable {
    case new, checking, connected, completed, disconnected, failed, closed
}

/// ICE connectivity over the candidates of one ``RTCIceGatherer`` (ORTC; aiortc's `RTCIceTransport`, RFC 8445).
///
/// Set ``role`` before ``start(_:)`` (the default, as in aiortc, is controlled; if both sides keep it, the role
/// conflict of RFC 8445 §7.3.1.1 decides). Signal the peer's candidates with ``addRemoteCandidate(_:)`` (nil marks
/// the end) before or after starting. `start` returns once a pair is selected and throws if ICE fails.
///
/// Datagrams that are not STUN arrive from the selected pair only; the ``RTCDtlsTransport`` built on this transport
/// takes them.
public final class RTCIceTransport: Sendable {
    /// The gatherer passed at creation.
    public let iceGatherer: RTCIceGatherer
    private let observed = ObservedState<RTCIceTransportState>(.new)
    private let inner = Locked(Inner())

    private struct Inner {
        var role: RTCIceRole = .controlled
        var started = false
        /// The endpoint once started; candidates wait in `pending` until then.
        var endpoint: ICEEndpoint?
        var pending: [ICERemoteCandidate] = []
        var pendingEnd = false
        var remoteEnd = false
        var remoteCandidates: [RTCIceCandidate] = []
        var selectedPair: ICECandidatePair?
        /// The consumer of application datagrams (the DTLS transport), and what came before it was attached.
        var datagramHandler: (@Sendable (ByteBuffer) -> Void)?
        var early: [ByteBuffer] = []
    }

    /// A transport over `gatherer`'s candidates, in state ``RTCIceTransportState/new``.
    public init(gatherer: RTCIceGatherer) {
        self.iceGatherer = gatherer
        gatherer.setEventSink { [weak self] event in self?.handle(event) }
    }

    /// `controlling` or `controlled`: settable until ``start(_:)``; afterwards it shows the role ICE ended up
    /// with once the DTLS transport has asked for it (a role conflict may switch it).
    public var role: RTCIceRole {
        get { inner.withLock { $0.role } }
        set {
            let accepted = inner.withLock { s in
                if !s.started { s.role = newValue }
                return !s.started
            }
            // The agent takes it now: the peer's checks may arrive before our start.
            if accepted { iceGatherer.setRole(newValue) }
        }
    }

    /// The connection state (W3C names).
    public var state: RTCIceTransportState { observed.value }

    /// Called on every state change, on the transport's event loop.
    public var onStateChange: (@Sendable (RTCIceTransportState) -> Void)? {
        get { observed.handler }
        set { observed.handler = newValue }
    }

    /// Adds a candidate the peer signalled; nil marks the end of its candidates (after which, once every pair has
    /// failed, ICE fails). TCP candidates and mDNS names are ignored for now, as in ``RTCPeerConnection``.
    public func addRemoteCandidate(_ candidate: RTCIceCandidate?) {
        let endpoint: ICEEndpoint? = inner.withLock { s in
            guard !s.remoteEnd else { return nil }
            if let candidate {
                s.remoteCandidates.append(candidate)
            } else {
                s.remoteEnd = true
            }
            guard let endpoint = s.endpoint else {
                if let remote = candidate?.wireCandidate.flatMap(RTCPeerConnection.remoteCandidate) {
                    s.pending.append(remote)
                } else if candidate == nil {
                    s.pendingEnd = true
                }
                return nil
            }
            return endpoint
        }
        guard let endpoint else { return }
        if let candidate {
            if let remote = candidate.wireCandidate.flatMap(RTCPeerConnection.remoteCandidate) {
                endpoint.addRemoteCandidate(remote)
            }
        } else {
            endpoint.endOfRemoteCandidates()
        }
    }

    /// The candidates the peer signalled.
    public func getRemoteCandidates() -> [RTCIceCandidate] {
        inner.withLock { $0.remoteCandidates }
    }

    /// Starts connectivity checks with the peer's ufrag and password (gathering first if it has not happened),
    /// and returns once a candidate pair is selected.
    ///
    /// - Throws: ``RTCError`` `invalidState` if the transport is or becomes closed, `operation` if ICE fails
    ///   (every pair failed after the end of candidates, or no pair succeeded in 30 s).
    public func start(_ remoteParameters: RTCIceParameters) async throws {
        if observed.value == .closed { throw RTCError(.invalidState, "RTCIceTransport is closed") }
        let first = inner.withLock { s in
            defer { s.started = true }
            if remoteParameters.iceLite { s.role = .controlling }  // RFC 8445 §6.1.1: the full agent controls
            return !s.started
        }
        if first {
            try await iceGatherer.gather()
            guard let endpoint = iceGatherer.endpoint else { throw RTCError(.operation, "ICE gathering produced no endpoint") }
            iceGatherer.setRole(role)
            await endpoint.setRole(role == .controlling ? .controlling : .controlled)
            let (pending, end) = inner.withLock { s in
                s.endpoint = endpoint
                defer { s.pending.removeAll() }
                return (s.pending, s.pendingEnd)
            }
            for candidate in pending { endpoint.addRemoteCandidate(candidate) }
            if end { endpoint.endOfRemoteCandidates() }
            if observed.value == .closed { throw RTCError(.invalidState, "RTCIceTransport is closed") }
            observed.set(.checking) { $0 == .new }
            endpoint.start(remoteCredentials: ICECredentials(usernameFragment: remoteParameters.usernameFragment,
                                                             password: remoteParameters.password))
        }
        try await waitUntilConnected()
    }

    /// Stops checks and consent, closes the sockets and moves to ``RTCIceTransportState/closed``. Irreversible.
    public func stop() async {
        guard observed.set(.closed) else { return }
        let endpoint = inner.withLock { $0.endpoint } ?? iceGatherer.endpoint
        await endpoint?.close()
    }

    // MARK: Used by the DTLS transport

    /// The event loop of the ICE agent and its sockets.
    var eventLoop: any EventLoop { iceGatherer.eventLoop }

    /// The ICE endpoint, once started.
    var endpoint: ICEEndpoint? { inner.withLock { $0.endpoint } }

    /// Returns once a pair is selected (at once if one is); throws if ICE fails or closes first.
    func waitUntilConnected() async throws {
        try await observed.wait { state in
            switch state {
            case .connected, .completed: .success(())
            case .failed: .failure(RTCError(.operation, "ICE failed: no candidate pair succeeded"))
            case .closed: .failure(RTCError(.invalidState, "RTCIceTransport is closed"))
            case .new, .checking, .disconnected: nil
            }
        }
    }

    /// The role ICE runs with now (a role conflict may have switched the one set); remembered in ``role``.
    func currentRole() async -> RTCIceRole {
        guard let endpoint else { return role }
        let current: RTCIceRole = await endpoint.role == .controlling ? .controlling : .controlled
        inner.withLock { $0.role = current }
        return current
    }

    /// Sends one datagram on the selected pair (dropped when there is none or consent has expired).
    func send(_ datagram: ByteBuffer) {
        inner.withLock { $0.endpoint }?.send(datagram)
    }

    /// Hands every application datagram (DTLS, SRTP, SRTCP) from the selected pair to `handler`, on the event
    /// loop; datagrams that arrived before a handler was attached are delivered first.
    func setDatagramHandler(_ handler: (@Sendable (ByteBuffer) -> Void)?) {
        eventLoop.execute { [self] in
            let early: [ByteBuffer] = inner.withLock { s in
                s.datagramHandler = handler
                defer { s.early.removeAll() }
                return handler == nil ? [] : s.early
            }
            for datagram in early { handler?(datagram) }
        }
    }

    private func handle(_ event: ICEEndpoint.Event) {
        switch event {
        case .datagram(let datagram):
            let handler: (@Sendable (ByteBuffer) -> Void)? = inner.withLock { s in
                if let handler = s.datagramHandler { return handler }
                // The peer's first DTLS flight can beat our DTLS start.
                if s.early.count < 32 { s.early.append(datagram) }
                return nil
            }
            handler?(datagram)
        case .stateChanged(let agentState):
            let mapped: RTCIceTransportState = switch agentState {
            case .new: .new
            case .checking: .checking
            case .connected: .connected
            case .completed: .completed
            case .disconnected: .disconnected
            case .failed: .failed
            case .closed: .closed
            }
            observed.set(mapped) { $0 != .closed }
        case .selectedPairChanged(let pair):
            inner.withLock { $0.selectedPair = pair }
        case .remoteCandidateDiscovered:
            break
        }
    }
}
