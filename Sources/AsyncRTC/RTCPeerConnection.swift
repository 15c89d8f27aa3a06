import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import RTCWire

/// A peer connection, as aiortc's `RTCPeerConnection`: JSEP offer/answer, ICE, DTLS, SRTP media and SCTP data
/// channels, everything bundled on one transport.
public final class RTCPeerConnection: Sendable {
    public let configuration: RTCConfiguration
    /// Our DTLS certificate, or why it could not be made (reported by the first operation that needs it).
    let certificate: Result<DTLSCertificate, CryptoError>
    let eventLoop: any EventLoop
    let operations = OperationChain()
    let hub = DataChannelHub()
    let engine = MediaEngine()
    let state: Locked<State>

    struct State {
        var signalingState: RTCSignalingState = .stable
        var iceGatheringState: RTCIceGatheringState = .new
        var iceConnectionState: RTCIceConnectionState = .new
        var connectionState: RTCPeerConnectionState = .new
        var dtlsState: DTLSEndpoint.State = .new
        var localDescription: RTCSessionDescription?
        var remoteDescription: RTCSessionDescription?
        var transport: PeerTransport?
        var sessionID = UInt64.random(in: 1..<(1 << 62))
        var sessionVersion: UInt64 = 0
        /// True when we made the offer of the current negotiation (ICE controlling, DTLS actpass).
        var isOfferer = false
        var started = false
        var candidatesEmitted = false
        /// A data channel was created: offers carry an `m=application` section from now on.
        var dataChannelsWanted = false
        /// Descriptions parsed during the current negotiation (``parsed(_:)``), dropped once it is applied.
        var parsedDescriptions: [(sdp: String, info: RemoteDescriptionInfo)] = []
        var closed = false
        var handlers = Handlers()
        var media = MediaState()
    }

    struct Handlers {
        var onConnectionStateChange: (@Sendable (RTCPeerConnectionState) -> Void)?
        var onIceConnectionStateChange: (@Sendable (RTCIceConnectionState) -> Void)?
        var onIceGatheringStateChange: (@Sendable (RTCIceGatheringState) -> Void)?
        var onSignalingStateChange: (@Sendable (RTCSignalingState) -> Void)?
        var onIceCandidate: (@Sendable (RTCIceCandidate?) -> Void)?
    }

    public init(configuration: RTCConfiguration = RTCConfiguration()) {
        self.configuration = configuration
        // Fails only with an unusable OpenSSL (older than 3.0 at run time, or no EC keys); never trap for it.
        self.certificate = Result { () throws(CryptoError) in try DTLSCertificate.generate() }
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        self.state = Locked(State())
    }

    // MARK: State

    public var signalingState: RTCSignalingState { state.withLock { $0.signalingState } }
    public var iceGatheringState: RTCIceGatheringState { state.withLock { $0.iceGatheringState } }
    public var iceConnectionState: RTCIceConnectionState { state.withLock { $0.iceConnectionState } }
    public var connectionState: RTCPeerConnectionState { state.withLock { $0.connectionState } }
    public var localDescription: RTCSessionDescription? { state.withLock { $0.localDescription } }
    public var remoteDescription: RTCSessionDescription? { state.withLock { $0.remoteDescription } }

    public var onDataChannel: (@Sendable (RTCDataChannel) -> Void)? {
        get { hub.state.withLock { $0.onDataChannel } }
        set { hub.state.withLock { $0.onDataChannel = newValue } }
    }
    public var onConnectionStateChange: (@Sendable (RTCPeerConnectionState) -> Void)? {
        get { state.withLock { $0.handlers.onConnectionStateChange } }
        set { state.withLock { $0.handlers.onConnectionStateChange = newValue } }
    }
    public var onIceConnectionStateChange: (@Sendable (RTCIceConnectionState) -> Void)? {
        get { state.withLock { $0.handlers.onIceConnectionStateChange } }
        set { state.withLock { $0.handlers.onIceConnectionStateChange = newValue } }
    }
    public var onIceGatheringStateChange: (@Sendable (RTCIceGatheringState) -> Void)? {
        get { state.withLock { $0.handlers.onIceGatheringStateChange } }
        set { state.withLock { $0.handlers.onIceGatheringStateChange = newValue } }
    }
    /// Each local candidate once the local description is set, then nil when gathering is complete (W3C
    /// `icecandidate`). The candidates are also in the description itself, so a peer that does not trickle
    /// (aiortc) needs none of these.
    public var onIceCandidate: (@Sendable (RTCIceCandidate?) -> Void)? {
        get { state.withLock { $0.handlers.onIceCandidate } }
        set { state.withLock { $0.handlers.onIceCandidate = newValue } }
    }
    public var onSignalingStateChange: (@Sendable (RTCSignalingState) -> Void)? {
        get { state.withLock { $0.handlers.onSignalingStateChange } }
        set { state.withLock { $0.handlers.onSignalingStateChange = newValue } }
    }

    // MARK: Data channels

    /// Creates a data channel (W3C `createDataChannel`, aiortc's argument names).
    public func createDataChannel(_ label: String, ordered: Bool = true, maxPacketLifeTime: Int? = nil,
                                  maxRetransmits: Int? = nil, protocol: String = "", negotiated: Bool = false,
                                  id: Int? = nil) throws(RTCError) -> RTCDataChannel {
        guard !state.withLock({ $0.closed }) else { throw RTCError(.invalidState, "the peer connection is closed") }
        let channel = try hub.create(RTCDataChannelParameters(label: label, ordered: ordered, maxPacketLifeTime: maxPacketLifeTime,
                                                              maxRetransmits: maxRetransmits, protocol: `protocol`,
                                                              negotiated: negotiated, id: id))
        // The first channel of a connection already negotiated without data needs an offer with `m=application`
        // (W3C webrtc §6.1 createDataChannel: "update the negotiation-needed flag"). Before the first offer there
        // is nothing to renegotiate: that offer will carry the section.
        let firstWithoutSection = state.withLock { state in
            defer { state.dataChannelsWanted = true }
            return !state.dataChannelsWanted && state.localDescription != nil
                && !state.media.sections.contains { if case .data = $0 { true } else { false } }
        }
        if firstWithoutSection { negotiationNeeded() }
        return channel
    }

    // MARK: Offer / answer (JSEP, RFC 8829)

    public func createOffer() async throws -> RTCSessionDescription {
        try await operations.run { [self] in
            guard !state.withLock({ $0.closed }) else { throw RTCError(.invalidState, "the peer connection is closed") }
            let transport = try await ensureTransport(controlling: true)
            let local = await transport.localParameters
            return RTCSessionDescription(sdp: makeDescription(local, setup: "actpass", sections: offerSections(), remote: nil),
                                         type: .offer)
        }
    }

    public func createAnswer() async throws -> RTCSessionDescription {
        try await operations.run { [self] in
            let (signaling, remote) = state.withLock { ($0.signalingState, $0.remoteDescription) }
            guard signaling == .haveRemoteOffer, let remote else {
                throw RTCError(.invalidState, "createAnswer needs a remote offer (signaling state \(signaling.rawValue))")
            }
            let transport = try await ensureTransport(controlling: false)
            let local = await transport.localParameters
            let parsed = try parsed(remote.sdp)
            let sections = state.withLock { $0.media.sections }
            return RTCSessionDescription(sdp: makeDescription(local, setup: "active", sections: sections,
                                                              remote: parsed.description),
                                         type: .answer)
        }
    }

    /// Applies our own offer or answer; with no argument, creates the right one first (W3C implicit SLD).
    public func setLocalDescription(_ given: RTCSessionDescription? = nil) async throws {
        if given?.type == .rollback {
            try await operations.run { [self] in try rollback(local: true) }
            return
        }
        let description: RTCSessionDescription
        if let given {
            description = given
        } else if signalingState == .haveRemoteOffer {
            description = try await createAnswer()
        } else {
            description = try await createOffer()
        }
        try await operations.run { [self] in
            try state.withLock { state throws(RTCError) in
                switch (description.type, state.signalingState) {
                case (.offer, .stable), (.offer, .haveLocalOffer):
                    state.signalingState = .haveLocalOffer
                    state.isOfferer = true
                case (.answer, .haveRemoteOffer):
                    state.signalingState = .stable
                    state.isOfferer = false
                default:
                    throw RTCError(.invalidState, "cannot set a local \(description.type.rawValue) in \(state.signalingState.rawValue)")
                }
                state.localDescription = description
                state.iceGatheringState = .complete  // host candidates are gathered with the transport
            }
            emitSignalingState()
            if description.type == .answer { try finishNegotiation() }
            await emitLocalCandidates()
            try await startIfReady()
        }
    }

    /// Applies what offer and answer settled once both are in place (signaling back to stable).
    private func finishNegotiation() throws(RTCError) {
        let (local, remote, isOfferer) = state.withLock { ($0.localDescription, $0.remoteDescription, $0.isOfferer) }
        guard let local, let remote else { return }
        let ours = try parsed(local.sdp).description
        let theirs = try parsed(remote.sdp).description
        finishNegotiation(local: ours, remote: theirs, weAreOfferer: isOfferer)
    }

    /// Fires onIceCandidate for every local candidate, then nil (once per connection).
    private func emitLocalCandidates() async {
        let (transport, handler, first) = state.withLock { state in
            defer { state.candidatesEmitted = true }
            return (state.transport, state.handlers.onIceCandidate, !state.candidatesEmitted)
        }
        guard first, let transport, let handler else { return }
        let mid = firstBundledMid ?? "0"
        for c in await transport.localParameters.candidates {
            handler(RTCIceCandidate(ICECandidate(local: c), sdpMid: mid, sdpMLineIndex: 0))
        }
        handler(nil)
    }

    public func setRemoteDescription(_ description: RTCSessionDescription) async throws {
        if description.type == .rollback {
            try await operations.run { [self] in try rollback(local: false) }
            return
        }
        try await operations.run { [self] in
            let parsed = try parsed(description.sdp)
            try state.withLock { state throws(RTCError) in
                switch (description.type, state.signalingState) {
                case (.offer, .stable), (.offer, .haveRemoteOffer):
                    state.signalingState = .haveRemoteOffer
                    state.isOfferer = false
                case (.answer, .haveLocalOffer):
                    state.signalingState = .stable
                default:
                    throw RTCError(.invalidState, "cannot set a remote \(description.type.rawValue) in \(state.signalingState.rawValue)")
                }
                state.remoteDescription = description
            }
            if let size = parsed.maxMessageSize { hub.setRemoteMaxMessageSize(size) }
            applyRemoteSections(parsed.description, isOffer: description.type == .offer)
            emitSignalingState()
            if description.type == .answer { try finishNegotiation() }
            // New ice-ufrag/pwd: ICE restart (RTCPeerConnection+Restart.swift).
            await restartIceIfNeeded(parsed, isAnswer: description.type == .answer)
            try await startIfReady()
        }
    }

    /// Adds a trickled remote candidate; nil marks the end of candidates.
    public func addIceCandidate(_ candidate: RTCIceCandidate?) async throws {
        try await operations.run { [self] in
            guard let transport = state.withLock({ $0.transport }), state.withLock({ $0.remoteDescription }) != nil else {
                throw RTCError(.invalidState, "addIceCandidate needs a remote description")
            }
            guard let candidate else {
                transport.ice.endOfRemoteCandidates()
                return
            }
            // `.local` names are resolved in the background (MDNSResolver+PeerConnection.swift).
            if let line = candidate.wireCandidate, !resolveMDNSCandidate(line, transport: transport),
               let remote = Self.remoteCandidate(line) {
                transport.ice.addRemoteCandidate(remote)
            }
        }
    }

    public func close() async {
        let transport: PeerTransport? = state.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            state.signalingState = .closed
            return state.transport
        }
        hub.closeAll()
        engine.sendGoodbye()
        engine.close()
        for transceiver in getTransceivers() {
            await transceiver.sender.stop()
            transceiver.receiver.stop()
        }
        await transport?.close()
        updateStates { $0.connectionState = .closed; $0.iceConnectionState = .closed }
    }

    // MARK: Internals

    private func ensureTransport(controlling: Bool) async throws -> PeerTransport {
        if let existing = state.withLock({ $0.transport }) { return existing }
        var options = ICEEndpoint.Options()
        options.includeLoopback = configuration.includeLoopbackCandidates
        options.loopbackOnly = configuration.loopbackOnly
        // --- STUN/TURN servers and the relay-only policy (W3C iceServers, iceTransportPolicy) ---
        for server in configuration.iceServers {
            options.servers += try server.transportServers(caFile: configuration.iceServerCAFile)
        }
        options.transportPolicy = configuration.iceTransportPolicy == .relay ? .relay : .all
        // --- end STUN/TURN ---
        let certificate: DTLSCertificate
        do {
            certificate = try self.certificate.get()
        } catch {
            throw RTCError(.operation, "no DTLS certificate: \(error)")
        }
        let transport = try await PeerTransport.make(on: eventLoop, iceRole: controlling ? .controlling : .controlled,
                                                     certificate: certificate, iceOptions: options) { [weak self] event in
            self?.transportEvent(event)
        }
        // close() may have run while the sockets were being bound and servers asked: it saw no transport, so
        // this one would never be closed (two descriptors leaked per such close, issue 7 R12). Close it here.
        let closedMeanwhile = state.withLock { state in
            guard !state.closed else { return true }
            state.transport = transport
            state.iceGatheringState = .complete
            return false
        }
        if closedMeanwhile {
            await transport.close()
            throw RTCError(.invalidState, "the peer connection was closed while gathering")
        }
        return transport
    }

    /// Starts ICE/DTLS/SCTP once both descriptions are in place.
    private func startIfReady() async throws {
        let (local, remote, started, isOfferer) = state.withLock { ($0.localDescription, $0.remoteDescription, $0.started, $0.isOfferer) }
        guard let local, let remote else { return }
        // Both descriptions are applied once this returns: nothing reads them again until the next negotiation.
        defer { state.withLock { if $0.signalingState == .stable { $0.parsedDescriptions.removeAll() } } }
        guard !started else {
            try enableSCTPIfNegotiated(local: local, remote: remote)
            return
        }
        let parsed = try parsed(remote.sdp)
        guard let transport = state.withLock({ $0.transport }) else { return }
        // RFC 8842 §5: the offerer is actpass; the answerer picks. We answer active (DTLS client).
        let dtlsRole: DTLSEngine.Role
        if isOfferer {
            dtlsRole = parsed.setup == .active ? .server : .client
        } else {
            dtlsRole = .client
        }
        hub.setDTLSRole(dtlsRole)
        state.withLock { $0.started = true }
        var sctp: SCTPAssociation.Configuration? = nil
        if let port = parsed.sctpPort {
            sctp = SCTPAssociation.Configuration(localPort: 5000, remotePort: port)
        }
        transport.start(remote: .init(credentials: parsed.credentials, candidates: parsed.candidates,
                                      endOfCandidates: parsed.endOfCandidates, fingerprints: parsed.fingerprints,
                                      dtlsRole: dtlsRole, sctp: sctp))
        resolveMDNSCandidates(in: parsed.description, transport: transport)
        updateStates { $0.connectionState = .connecting }
    }

    /// A renegotiation that adds `m=application` to a connection that started without it starts SCTP once both
    /// descriptions carry the section (signaling stable); the association then comes up over the running DTLS.
    private func enableSCTPIfNegotiated(local: RTCSessionDescription, remote: RTCSessionDescription) throws {
        guard let transport = state.withLock({ $0.signalingState == .stable ? $0.transport : nil }) else { return }
        guard let port = try parsed(remote.sdp).sctpPort, try parsed(local.sdp).sctpPort != nil else { return }
        transport.enableSCTP(SCTPAssociation.Configuration(localPort: 5000, remotePort: port))
    }

    private func transportEvent(_ event: PeerTransport.Event) {
        switch event {
        case .ice(let ice):
            let mapped: RTCIceConnectionState = switch ice {
            case .new: .new
            case .checking: .checking
            case .connected: .connected
            case .completed: .completed
            case .disconnected: .disconnected
            case .failed: .failed
            case .closed: .closed
            }
            updateStates { $0.iceConnectionState = mapped }
        case .dtls(let dtls):
            updateStates { $0.dtlsState = dtls }
        case .sctpStarted(let association):
            hub.attach(association)
        case .srtpKeys:
            startMediaIfReady()
        case .selectedPair:
            break
        }
    }

    /// Applies a change and derives the W3C connection state (RTCPeerConnectionState from ICE and DTLS), then
    /// fires the handlers of whatever changed.
    private func updateStates(_ change: (inout State) -> Void) {
        let (fired, handlers): ([(RTCIceConnectionState?, RTCPeerConnectionState?)], Handlers) = state.withLock { state in
            let before = (state.iceConnectionState, state.connectionState)
            change(&state)
            if !state.closed {
                let derived: RTCPeerConnectionState
                // W3C RTCPeerConnectionState: `closed` only once close() was called (handled above). A DTLS
                // transport the peer closed (close_notify) counts like a connected one; the peer then stops
                // answering consent checks, so ICE moves the state to `disconnected` and `failed`.
                switch (state.iceConnectionState, state.dtlsState) {
                case (.failed, _), (_, .failed): derived = .failed
                case (.disconnected, _): derived = .disconnected
                case (.connected, .connected), (.completed, .connected), (.connected, .closed), (.completed, .closed):
                    derived = .connected
                default: derived = state.started ? .connecting : .new
                }
                state.connectionState = derived
            }
            let ice = state.iceConnectionState != before.0 ? state.iceConnectionState : nil
            let pc = state.connectionState != before.1 ? state.connectionState : nil
            return ([(ice, pc)], state.handlers)
        }
        for (ice, pc) in fired {
            if let ice { handlers.onIceConnectionStateChange?(ice) }
            if let pc { handlers.onConnectionStateChange?(pc) }
        }
    }

    func emitSignalingState() {
        let (value, handler) = state.withLock { ($0.signalingState, $0.handlers.onSignalingStateChange) }
        handler?(value)
    }
}
