public import NIOCore
public import RTCCrypto
import RTCWire
import Synchronization

/// The transports of one peer connection with everything bundled on one 5-tuple: ICE, DTLS on the selected pair,
/// and SCTP for data channels once DTLS is up (RFC 8843 BUNDLE, RFC 8841 SCTP over DTLS).
///
/// Datagrams from ICE are sorted by their first byte (RFC 7983): DTLS goes to the DTLS endpoint, whose
/// application data goes to SCTP; SRTP and SRTCP are unprotected in place and handed to the media receiver
/// (PeerTransport+SRTP.swift). All of it runs on one event loop.
public final class PeerTransport: Sendable {
    /// What the transport reports: the states of its layers, the selected pair, SCTP and the SRTP keys.
    public enum Event: Sendable {
        /// The ICE connection state changed.
        case ice(ICEAgent.State)
        /// The DTLS state changed.
        case dtls(DTLSEndpoint.State)
        /// ICE selected a (new) pair.
        case selectedPair(ICECandidatePair)
        /// The SCTP association exists and is connecting; its own `events` report establishment and messages.
        case sctpStarted(SCTPAssociation)
        /// The SRTP keys DTLS exported (RFC 5764 §4.2), and our DTLS role to pick ours from theirs.
        case srtpKeys(SRTPKeyingMaterial, role: DTLSEngine.Role)
    }

    /// Whether an SCTP association starts with few outbound streams and adds them as data channels need them
    /// (RFC 6525 §4.5), which saves ~110 KiB per connection across the two ends (usrsctp's per-stream arrays for
    /// 1024 streams each way). Only safe towards peers that answer Add Outgoing Streams requests: usrsctp-based
    /// stacks and aiortc do, libwebrtc's dcSCTP (Chrome, Safari) ignores them.
    public enum SCTPStreamGrowth: UInt8, Sendable {
        /// Towards a peer whose ICE checks carried our SOFTWARE (``ICEAgent/software``); everyone else gets all
        /// streams announced in the INIT, as before.
        case towardsAsyncRTC
        /// Towards every peer (for tests against a peer known to add streams, such as aiortc).
        case always
        /// Never: every association announces its full stream count.
        case never
    }

    /// The process-wide ``SCTPStreamGrowth`` policy, read when an association starts.
    public static var sctpStreamGrowth: SCTPStreamGrowth {
        get { SCTPStreamGrowth(rawValue: growthPolicy.load(ordering: .relaxed)) ?? .towardsAsyncRTC }
        set { growthPolicy.store(newValue.rawValue, ordering: .relaxed) }
    }
    private static let growthPolicy = Atomic<UInt8>(SCTPStreamGrowth.towardsAsyncRTC.rawValue)
    /// Outbound streams announced when they grow on demand: the first 8 channels of each side need no request.
    public static let initialStreamsOnDemand: UInt16 = 16

    /// The ICE layer.
    public let ice: ICEEndpoint
    /// The DTLS layer, sending on ICE's selected pair.
    public let dtls: DTLSEndpoint
    /// The certificate DTLS presents.
    public let certificate: DTLSCertificate
    private let state: Locked<State>
    private let onEvent: @Sendable (Event) -> Void

    struct State {
        var sctp: SCTPAssociation?
        var sctpConfiguration: SCTPAssociation.Configuration?
        /// DTLS reached `connected` (SCTP asked for later starts at once).
        var dtlsConnected = false
        var pairSelected = false
        /// DTLS waits for ICE: a flight sent before a pair is selected would be dropped and only retransmitted a
        /// second later.
        var pendingDTLSStart: (role: DTLSEngine.Role, fingerprints: [CertificateFingerprint])?
        /// SCTP packets that arrived before our association existed (the peer's INIT can beat it).
        var early: [[UInt8]] = []
        /// How SCTP start went, for diagnostics: packets replayed from `early`, or why it did not start.
        var sctpStartNote = "not started"
    }

    /// The SRTP side (PeerTransport+SRTP.swift): sessions once DTLS exported keys, the receiver of media, counters.
    let media = Locked(MediaState())

    private init(ice: ICEEndpoint, dtls: DTLSEndpoint, certificate: DTLSCertificate,
                 onEvent: @escaping @Sendable (Event) -> Void) {
        self.ice = ice
        self.dtls = dtls
        self.certificate = certificate
        self.state = Locked(State())
        self.onEvent = onEvent
    }

    /// Gathers candidates and prepares DTLS. Nothing is sent before ``start(remote:)``.
    public static func make(on eventLoop: any EventLoop, iceRole: ICERole, certificate: DTLSCertificate,
                            iceOptions: ICEEndpoint.Options = .init(), dtlsOptions: DTLSEndpoint.Options = .init(),
                            onEvent: @escaping @Sendable (Event) -> Void) async throws -> PeerTransport {
        let relay = Relay()
        let ice = try await ICEEndpoint.gather(on: eventLoop, role: iceRole, options: iceOptions) { relay.ice($0) }
        let dtls = DTLSEndpoint(eventLoop: eventLoop, certificate: certificate, options: dtlsOptions,
                                transmit: { ice.send($0) }, onEvent: { relay.dtls($0) })
        let transport = PeerTransport(ice: ice, dtls: dtls, certificate: certificate, onEvent: onEvent)
        relay.attach(transport)
        return transport
    }

    /// What the peer needs to know of us (the contents of our description).
    public struct LocalParameters: Sendable {
        /// Our ICE ufrag and password.
        public var credentials: ICECredentials
        /// Our gathered candidates.
        public var candidates: [ICELocalCandidate]
        /// Fingerprints of our certificate, SHA-256 first.
        public var fingerprints: [CertificateFingerprint]

        /// These parameters as the peer sees them: every candidate signalled, end of candidates, and the DTLS role
        /// the peer takes.
        public func asRemote(peerDTLSRole: DTLSEngine.Role, sctp: SCTPAssociation.Configuration? = nil) -> RemoteParameters {
            RemoteParameters(
                credentials: credentials,
                candidates: candidates.map {
                    ICERemoteCandidate(type: $0.type, address: $0.address, priority: $0.priority, foundation: $0.foundation,
                                       component: $0.component)
                },
                fingerprints: fingerprints, dtlsRole: peerDTLSRole, sctp: sctp)
        }
    }

    /// Our credentials, candidates and fingerprints, as the peer needs them.
    public var localParameters: LocalParameters {
        get async {
            let (credentials, candidates) = await ice.localCredentialsAndCandidates
            return LocalParameters(credentials: credentials, candidates: candidates, fingerprints: certificate.fingerprints)
        }
    }

    /// What we learnt of the peer.
    ///
    /// For two transports in one process, `other.localParameters.asRemote(...)` hands one side's parameters to
    /// the other directly.
    public struct RemoteParameters: Sendable {
        /// The peer's ICE ufrag and password.
        public var credentials: ICECredentials
        /// The peer's candidates.
        public var candidates: [ICERemoteCandidate]
        /// Whether `candidates` is complete (no trickling to follow).
        public var endOfCandidates: Bool
        /// The fingerprints the peer's certificate must match (RFC 8122 §5).
        public var fingerprints: [CertificateFingerprint]
        /// The DTLS role this side plays, as the SDP `a=setup` negotiation decided it (RFC 5763 §5: `active` is the
        /// client). ``LocalParameters/asRemote(peerDTLSRole:sctp:)`` fills it in for the side that receives them.
        public var dtlsRole: DTLSEngine.Role
        /// Set to run SCTP once DTLS is connected.
        public var sctp: SCTPAssociation.Configuration?

        public init(credentials: ICECredentials, candidates: [ICERemoteCandidate], endOfCandidates: Bool = true,
                    fingerprints: [CertificateFingerprint], dtlsRole: DTLSEngine.Role,
                    sctp: SCTPAssociation.Configuration? = nil) {
            self.credentials = credentials
            self.candidates = candidates
            self.endOfCandidates = endOfCandidates
            self.fingerprints = fingerprints
            self.dtlsRole = dtlsRole
            self.sctp = sctp
        }
    }

    /// Starts ICE checks and the DTLS handshake; SCTP follows DTLS if asked for.
    public func start(remote: RemoteParameters) {
        state.withLock { $0.sctpConfiguration = remote.sctp }
        for candidate in remote.candidates { ice.addRemoteCandidate(candidate) }
        if remote.endOfCandidates { ice.endOfRemoteCandidates() }
        ice.start(remoteCredentials: remote.credentials)
        state.withLock { $0.pendingDTLSStart = (remote.dtlsRole, remote.fingerprints) }
        startDTLSIfSelected()
    }

    /// How SCTP start went and the association's packet counts, for a test's failure message.
    package var sctpDiagnostics: String {
        let (association, note, early) = state.withLock { ($0.sctp, $0.sctpStartNote, $0.early.count) }
        let packets = association.map { $0.packetDiagnostics } ?? "\(early) packets waiting for it"
        return "\(note); \(packets)"
    }

    /// The SCTP association, once DTLS is connected and SCTP was asked for.
    public var sctp: SCTPAssociation? { state.withLock { $0.sctp } }

    /// Asks for SCTP after ``start(remote:)`` was called without it: a renegotiation added data channels to a
    /// connection that began with media only (JSEP §5.2.1 offers no `m=application` until a channel exists). The
    /// association starts now if DTLS is already connected, else when it connects. A second call changes nothing.
    public func enableSCTP(_ configuration: SCTPAssociation.Configuration) {
        let startNow = state.withLock { state in
            guard state.sctpConfiguration == nil else { return false }
            state.sctpConfiguration = configuration
            return state.dtlsConnected
        }
        if startNow { startSCTP() }
    }

    private func startDTLSIfSelected() {
        let start = state.withLock { state -> (role: DTLSEngine.Role, fingerprints: [CertificateFingerprint])? in
            guard state.pairSelected, let pending = state.pendingDTLSStart else { return nil }
            state.pendingDTLSStart = nil
            return pending
        }
        if let start { dtls.start(role: start.role, remoteFingerprints: start.fingerprints) }
    }

    /// Aborts SCTP, closes DTLS (close_notify), then ICE and its sockets.
    public func close() async {
        state.withLock { $0.sctp }?.close()
        await dtls.close()
        await ice.close()
    }

    fileprivate func iceEvent(_ event: ICEEndpoint.Event) {
        switch event {
        case .datagram(let datagram):
            switch PacketClass(classifying: datagram.readableBytesView) {
            case .dtls: dtls.receive(datagram)
            case .rtp: receiveSRTP(datagram, isRTCP: false)
            case .rtcp: receiveSRTP(datagram, isRTCP: true)
            default: break
            }
        case .stateChanged(let s): onEvent(.ice(s))
        case .selectedPairChanged(let pair):
            state.withLock { $0.pairSelected = true }
            startDTLSIfSelected()
            onEvent(.selectedPair(pair))
        case .remoteCandidateDiscovered: break
        }
    }

    fileprivate func dtlsEvent(_ event: DTLSEndpoint.Event) {
        switch event {
        case .applicationData(let packet):
            let association: SCTPAssociation? = state.withLock { state in
                if state.sctp == nil && state.early.count < 64 { state.early.append(packet) }
                return state.sctp
            }
            association?.receive(packet: packet)
        case .stateChanged(let s):
            onEvent(.dtls(s))
            if s == .connected {
                state.withLock { $0.dtlsConnected = true }
                startSCTP()
            }
        case .srtpKeys(let keys, let role):
            installSRTP(keys, role: role)
            onEvent(.srtpKeys(keys, role: role))
        }
    }

    private func startSCTP() {
        let dtls = self.dtls
        let ice = self.ice
        Task {
            let mtu = await dtls.maximumApplicationDataSize
            let growStreams = switch Self.sctpStreamGrowth {
            case .always: true
            case .never: false
            case .towardsAsyncRTC: await ice.peerSoftware == ICEAgent.software
            }
            let made: (SCTPAssociation, [[UInt8]])? = state.withLock { state in
                guard state.sctp == nil, var configuration = state.sctpConfiguration else { return nil }
                configuration.pathMTU = mtu.map { UInt32($0) } ?? configuration.pathMTU
                if growStreams && configuration.initialOutboundStreams == nil {
                    configuration.initialOutboundStreams = Self.initialStreamsOnDemand
                }
                guard let association = try? SCTPAssociation(configuration: configuration, output: { dtls.send($0) }) else {
                    return nil
                }
                state.sctp = association
                defer { state.early.removeAll() }
                return (association, state.early)
            }
            guard let (association, early) = made else {
                state.withLock { state in
                    if state.sctp == nil { state.sctpStartNote = "no association (configuration or usrsctp refused)" }
                }
                return
            }
            let note: String
            do {
                try association.connect()
                note = "connected, \(early.count) early packets"
            } catch {
                note = "connect failed: \(error), \(early.count) early packets"
            }
            state.withLock { $0.sctpStartNote = note }
            onEvent(.sctpStarted(association))
            for packet in early { association.receive(packet: packet) }
        }
    }
}

/// Breaks the construction cycle: the endpoints need their event handlers before the transport exists.
///
/// The reference to the transport is weak: the transport owns the endpoints, whose handlers own this relay, so a
/// strong one would keep every transport — its sockets' buffers, the `SSL`, usrsctp's association — alive after
/// its owner let go (the R12 churn test's RSS growth: ~250 KiB per connection). Events that arrive after the
/// transport is gone have nobody to go to and are dropped.
private final class Relay: Sendable {
    private struct WeakTarget { weak var transport: PeerTransport? }
    private let target = Locked(WeakTarget())
    func attach(_ transport: PeerTransport) { target.withLock { $0.transport = transport } }
    func ice(_ event: ICEEndpoint.Event) { target.withLock { $0.transport }?.iceEvent(event) }
    func dtls(_ event: DTLSEndpoint.Event) { target.withLock { $0.transport }?.dtlsEvent(event) }
}
