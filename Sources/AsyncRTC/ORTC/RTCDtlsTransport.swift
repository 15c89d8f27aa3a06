import NIOCore
import RTCCrypto
import RTCTransport
import RTCWire

/// DTLS over an ``RTCIceTransport`` (ORTC; aiortc's `RTCDtlsTransport`; RFC 8842, RFC 5764).
///
/// The DTLS transport owns what arrives on its ICE transport and sorts it by first byte (RFC 7983 §7): DTLS records
/// go to the handshake and, once connected, their application data to the ``RTCSctpTransport``; SRTP and SRTCP go
/// to ``onRTP`` (the hook media code attaches to). The peer is trusted only if its certificate matches one of the
/// fingerprints given to ``start(_:)`` (RFC 8122 §5).
///
/// The role follows aiortc's ORTC rule when the peer's parameters say `auto`: the ICE controlling side is the DTLS
/// server, the controlled side the client. A peer that names its role explicitly gets the other one.
public final class RTCDtlsTransport: Sendable {
    /// The ICE transport the DTLS records travel on.
    public let transport: RTCIceTransport
    /// The certificates given at creation; the first one is presented.
    public let certificates: [RTCCertificate]
    private let observed = ObservedState<RTCDtlsTransportState>(.new)
    private let inner = Locked(Inner())

    private struct Inner {
        var started = false
        var endpoint: DTLSEndpoint?
        var role: DTLSEngine.Role?
        var failureReason: String?
        var srtpKeys: SRTPKeyingMaterial?
        /// The consumer of decrypted application data (SCTP), and what arrived before it was attached.
        var dataReceiver: (@Sendable ([UInt8]) -> Void)?
        var early: [[UInt8]] = []
        var onRTP: (@Sendable (ByteBuffer) -> Void)?
    }

    /// A transport in state ``RTCDtlsTransportState/new`` over `transport`, presenting `certificates[0]` (aiortc
    /// takes exactly one). ``start(_:)`` throws if the list is empty.
    public init(transport: RTCIceTransport, certificates: [RTCCertificate]) {
        self.transport = transport
        self.certificates = certificates
    }

    /// `new`, `connecting`, `connected`, `closed` or `failed`.
    public var state: RTCDtlsTransportState { observed.value }

    /// Called on every state change, on the transport's event loop.
    public var onStateChange: (@Sendable (RTCDtlsTransportState) -> Void)? {
        get { observed.handler }
        set { observed.handler = newValue }
    }

    /// `auto` until ``start(_:)`` decides, then `client` or `server`.
    public var role: RTCDtlsRole {
        switch inner.withLock({ $0.role }) {
        case nil: .auto
        case .client: .client
        case .server: .server
        }
    }

    /// Why the transport failed, when it did (a fingerprint mismatch, a handshake timeout, ICE failing).
    public var failureReason: String? { inner.withLock { $0.failureReason } }

    /// Our fingerprints and role, for the peer's ``start(_:)``.
    public func getLocalParameters() -> RTCDtlsParameters {
        RTCDtlsParameters(fingerprints: certificates.first?.getFingerprints() ?? [], role: .auto)
    }

    /// Runs the handshake with the peer whose certificate matches `remoteParameters.fingerprints`; waits for ICE
    /// to connect first if it has not yet. Returns once connected.
    ///
    /// - Throws: ``RTCError`` `invalidState` if already started or stopped meanwhile, `invalidAccess` without a
    ///   certificate or a usable remote fingerprint, `operation` when the handshake fails (the state is then
    ///   `failed`; a certificate that matches no fingerprint is such a failure, and no data flows).
    public func start(_ remoteParameters: RTCDtlsParameters) async throws {
        let first = inner.withLock { s in
            defer { s.started = true }
            return !s.started
        }
        guard first, observed.value == .new else { throw RTCError(.invalidState, "RTCDtlsTransport was already started") }
        guard let certificate = certificates.first else {
            fail("no certificate")
            throw RTCError(.invalidAccess, "RTCDtlsTransport needs a certificate")
        }
        let fingerprints = remoteParameters.fingerprints.compactMap { f -> CertificateFingerprint? in
            guard let algorithm = CertificateFingerprint.Algorithm(textualName: f.algorithm) else { return nil }
            return try? CertificateFingerprint(algorithm: algorithm, value: f.value)
        }
        guard !fingerprints.isEmpty else {
            fail("no usable remote fingerprint")
            throw RTCError(.invalidAccess, "the remote DTLS parameters have no usable fingerprint: nothing to trust")
        }
        observed.set(.connecting) { $0 == .new }
        do {
            let ice = transport
            try await observed.wait({ try await ice.waitUntilConnected() }, unlessReaching: .closed) {
                RTCError(.invalidState, "RTCDtlsTransport was stopped")
            }
        } catch {
            fail("ICE did not connect: \(error)")
            throw error
        }
        let role: DTLSEngine.Role = switch remoteParameters.role {
        case .client: .server
        case .server: .client
        case .auto: await transport.currentRole() == .controlling ? .server : .client
        }
        let ice = transport
        let endpoint = DTLSEndpoint(eventLoop: ice.eventLoop, certificate: certificate.certificate,
                                    transmit: { ice.send($0) },
                                    onEvent: { [weak self] event in self?.handle(event) })
        inner.withLock { s in
            s.endpoint = endpoint
            s.role = role
        }
        // stop() ran meanwhile (it closes an endpoint it finds; this one it may have missed).
        if observed.value != .connecting {
            await endpoint.close()
            throw RTCError(.invalidState, "RTCDtlsTransport was stopped")
        }
        // Both run on the ICE loop in this order: datagrams that arrived early reach the endpoint, which keeps them
        // until its start.
        ice.setDatagramHandler { [weak self] datagram in self?.receiveFromICE(datagram) }
        endpoint.start(role: role, remoteFingerprints: fingerprints)
        try await waitUntilConnected()
    }

    /// Sends close_notify (if connecting or connected) and moves to ``RTCDtlsTransportState/closed``.
    public func stop() async {
        if let endpoint = inner.withLock({ $0.endpoint }) { await endpoint.close() }
        observed.set(.closed)
    }

    // MARK: Hooks for SCTP and media

    /// SRTP and SRTCP datagrams (RFC 7983: first byte 128–191) from the selected pair, on the ICE transport's event
    /// loop; dropped while nil. The media layer (RTCRtpSender/RTCRtpReceiver over ORTC) attaches here, unprotects
    /// with ``srtpKeys`` and sends with ``sendRTP(_:)``. Nothing is delivered before DTLS is connected, since ICE
    /// only passes application datagrams from a selected pair and the peer sends none before its keys exist.
    var onRTP: (@Sendable (ByteBuffer) -> Void)? {
        get { inner.withLock { $0.onRTP } }
        set { inner.withLock { $0.onRTP = newValue } }
    }

    /// The SRTP keys DTLS exported (RFC 5764 §4.2) once connected, with our role to pick ours from theirs.
    var srtpKeys: (keys: SRTPKeyingMaterial, role: DTLSEngine.Role)? {
        inner.withLock { s in s.srtpKeys.flatMap { keys in s.role.map { (keys, $0) } } }
    }

    /// Sends an SRTP or SRTCP datagram on the ICE pair; dropped unless DTLS is connected (no media before the
    /// handshake, DESIGN.md security invariants).
    func sendRTP(_ datagram: ByteBuffer) {
        guard observed.value == .connected else { return }
        transport.send(datagram)
    }

    /// The DTLS role once started.
    var engineRole: DTLSEngine.Role? { inner.withLock { $0.role } }

    /// The largest application payload one DTLS record carries (SCTP packets must fit).
    var maximumApplicationDataSize: Int? {
        get async { await inner.withLock({ $0.endpoint })?.maximumApplicationDataSize }
    }

    /// Returns once connected; throws if the transport fails or closes first.
    func waitUntilConnected() async throws {
        try await observed.wait { [weak self] state in
            switch state {
            case .connected: .success(())
            case .failed:
                .failure(RTCError(.operation, "DTLS failed: \(self?.failureReason ?? "handshake error")"))
            case .closed: .failure(RTCError(.invalidState, "RTCDtlsTransport is closed"))
            case .new, .connecting: nil
            }
        }
    }

    /// Encrypts and sends application data (an SCTP packet); dropped unless connected.
    func sendData(_ bytes: [UInt8]) {
        inner.withLock { $0.endpoint }?.send(bytes)
    }

    /// Hands decrypted application data to `receiver`, on the event loop; what arrived before (the peer's SCTP
    /// INIT can beat our SCTP start) is delivered first.
    func setDataReceiver(_ receiver: (@Sendable ([UInt8]) -> Void)?) {
        transport.eventLoop.execute { [self] in
            let early: [[UInt8]] = inner.withLock { s in
                s.dataReceiver = receiver
                defer { s.early.removeAll() }
                return receiver == nil ? [] : s.early
            }
            for packet in early { receiver?(packet) }
        }
    }

    // MARK: Internals

    private func receiveFromICE(_ datagram: ByteBuffer) {
        switch PacketClass(classifying: datagram.readableBytesView) {
        case .dtls:
            inner.withLock { $0.endpoint }?.receive(datagram)
        case .rtp, .rtcp:
            inner.withLock { $0.onRTP }?(datagram)
        default:
            break
        }
    }

    private func handle(_ event: DTLSEndpoint.Event) {
        switch event {
        case .stateChanged(let state):
            switch state {
            case .new, .connecting: break
            case .connected:
                // The endpoint reports the SRTP keys right after this, in the same turn of the loop: announce
                // `connected` on the next turn, so that whoever sees it finds the keys in place.
                transport.eventLoop.execute { [self] in observed.set(.connected) { $0 == .connecting } }
            case .closed: observed.set(.closed)
            case .failed(let reason): fail(reason)
            }
        case .srtpKeys(let keys, _):
            inner.withLock { $0.srtpKeys = keys }
        case .applicationData(let bytes):
            let receiver: (@Sendable ([UInt8]) -> Void)? = inner.withLock { s in
                if let receiver = s.dataReceiver { return receiver }
                if s.early.count < 64 { s.early.append(bytes) }
                return nil
            }
            receiver?(bytes)
        }
    }

    private func fail(_ reason: String) {
        inner.withLock { if $0.failureReason == nil { $0.failureReason = reason } }
        observed.set(.failed) { $0 != .closed }
    }
}
