public import NIOCore
public import RTCCrypto

/// DTLS over an ICE pair (RFC 8842 / RFC 5764): runs RTCCrypto's `DTLSEngine` on one event loop, retransmits its flights
/// on OpenSSL's timer, fails the handshake after a deadline instead of hanging, and reports the SRTP keys.
///
/// The endpoint does not know ICE: the owner passes datagrams in with ``receive(_:)`` and gives it a `transmit`
/// closure that sends on the selected pair.
public final class DTLSEndpoint: Sendable {
    /// Where the endpoint is in its life; `failed` carries the reason.
    public enum State: Hashable, Sendable {
        case new, connecting, connected, closed
        case failed(String)
    }

    /// What the endpoint reports, on its event loop.
    public enum Event: Sendable {
        /// The ``State`` changed.
        case stateChanged(State)
        /// Keys for SRTP, exported once the handshake completes (RFC 5764 §4.2).
        case srtpKeys(SRTPKeyingMaterial, role: DTLSEngine.Role)
        /// Decrypted application data (SCTP packets).
        case applicationData([UInt8])
    }

    /// Tunables of a ``DTLSEndpoint``.
    public struct Options: Sendable {
        /// With no completed handshake this long after start, the endpoint fails.
        public var handshakeTimeout: TimeAmount = .seconds(30)
        /// The engine's datagram size, retransmission timeouts and SRTP profiles.
        public var engine = DTLSEngine.Configuration()
        public init() {}
    }

    /// The event loop the engine and its timers run on; events are delivered here.
    public let eventLoop: any EventLoop
    /// The certificate this endpoint presents; the peer checks its fingerprint.
    public let certificate: DTLSCertificate
    private let core: NIOLoopBoundBox<Core>

    /// Creates an endpoint in state ``State/new``; nothing happens before ``start(role:remoteFingerprints:)``.
    ///
    /// - Parameters:
    ///   - eventLoop: the loop the engine and its timers run on.
    ///   - certificate: the certificate and key to present.
    ///   - options: the handshake timeout and the engine's configuration.
    ///   - transmit: sends one DTLS datagram to the peer (on the ICE selected pair); called on `eventLoop`.
    ///   - onEvent: receives every ``Event``, on `eventLoop`.
    public init(eventLoop: any EventLoop, certificate: DTLSCertificate, options: Options = Options(),
                transmit: @escaping @Sendable (ByteBuffer) -> Void, onEvent: @escaping @Sendable (Event) -> Void) {
        self.eventLoop = eventLoop
        self.certificate = certificate
        let core = Core(eventLoop: eventLoop, certificate: certificate, options: options, transmit: transmit, onEvent: onEvent)
        // Created here, then moved into a box that only hands it out on the loop.
        self.core = NIOLoopBoundBox.makeBoxSendingValue(core, eventLoop: eventLoop)
    }

    /// Starts the handshake in `role`, trusting only a certificate that matches one of `remoteFingerprints`.
    public func start(role: DTLSEngine.Role, remoteFingerprints: [CertificateFingerprint]) {
        eventLoop.execute { [core] in core.value.start(role: role, fingerprints: remoteFingerprints) }
    }

    /// A DTLS datagram from the ICE pair. Call on the event loop (ICE delivers there) or from anywhere.
    public func receive(_ datagram: ByteBuffer) {
        if eventLoop.inEventLoop {
            core.value.receive(datagram)
        } else {
            eventLoop.execute { [core] in core.value.receive(datagram) }
        }
    }

    /// Encrypts and sends application data; dropped unless connected.
    public func send(_ data: [UInt8]) {
        if eventLoop.inEventLoop {
            core.value.send(data)
        } else {
            eventLoop.execute { [core] in core.value.send(data) }
        }
    }

    /// The largest application payload one datagram can carry once connected (SCTP must fit its packets in it).
    public var maximumApplicationDataSize: Int? {
        get async { try? await eventLoop.submit { [core] in core.value.engine?.maximumApplicationDataSize }.get() ?? nil }
    }

    /// The current state.
    public var state: State {
        get async { (try? await eventLoop.submit { [core] in core.value.state }.get()) ?? .closed }
    }

    /// Sends close_notify (if connected or connecting) and moves to ``State/closed``.
    public func close() async {
        try? await eventLoop.submit { [core] in core.value.close() }.get()
    }

    final class Core {
        let eventLoop: any EventLoop
        let certificate: DTLSCertificate
        let options: Options
        let transmit: @Sendable (ByteBuffer) -> Void
        let onEvent: @Sendable (Event) -> Void
        var engine: DTLSEngine?
        var state: State = .new
        var retransmitTimer: Scheduled<Void>?
        var handshakeDeadline: Scheduled<Void>?
        /// Datagrams that arrived before start (the peer's ClientHello can beat our own start).
        var early: [ByteBuffer] = []

        init(eventLoop: any EventLoop, certificate: DTLSCertificate, options: Options,
             transmit: @escaping @Sendable (ByteBuffer) -> Void, onEvent: @escaping @Sendable (Event) -> Void) {
            self.eventLoop = eventLoop
            self.certificate = certificate
            self.options = options
            self.transmit = transmit
            self.onEvent = onEvent
        }

        func setState(_ new: State) {
            guard new != state else { return }
            state = new
            onEvent(.stateChanged(new))
            if case .connecting = new { return }
            handshakeDeadline?.cancel()
            retransmitTimer?.cancel()
        }

        func start(role: DTLSEngine.Role, fingerprints: [CertificateFingerprint]) {
            guard engine == nil, state == .new else { return }
            do {
                let engine = try DTLSEngine(role: role, certificate: certificate, remoteFingerprints: fingerprints,
                                            configuration: options.engine)
                self.engine = engine
                setState(.connecting)
                handshakeDeadline = eventLoop.assumeIsolated().scheduleTask(in: options.handshakeTimeout) { [self] in
                    if self.state == .connecting { self.fail("DTLS handshake did not complete in \(self.options.handshakeTimeout)") }
                }
                output(try engine.start())
                for datagram in early { receive(datagram) }
                early.removeAll()
                rearm()
            } catch {
                fail("\(error)")
            }
        }

        func receive(_ datagram: ByteBuffer) {
            guard let engine else {
                if state == .new && early.count < 16 { early.append(datagram) }
                return
            }
            guard state == .connecting || state == .connected else { return }
            do {
                let events = try engine.receive(datagram.readableBytesView)
                output(events.datagrams)
                if events.handshakeComplete { completed(engine) }
                for data in events.applicationData { onEvent(.applicationData(data)) }
                if events.closed { setState(.closed) }
                rearm()
            } catch {
                output(engine.takePendingDatagrams())  // the alert tells the peer why
                fail("\(error)")
            }
        }

        func completed(_ engine: DTLSEngine) {
            do {
                let keys = try engine.exportSRTPKeyingMaterial()
                setState(.connected)
                onEvent(.srtpKeys(keys, role: engine.role))
            } catch {
                // No SRTP profile in common is still a working DTLS association for data channels.
                setState(.connected)
            }
        }

        func send(_ data: [UInt8]) {
            guard state == .connected, let engine else { return }
            let transmit = self.transmit
            // Each record goes from OpenSSL's buffer into the ByteBuffer for the socket: one copy. Oversized or
            // post-failure sends are dropped like lost packets; SCTP retransmits or reports.
            data.withUnsafeBytes { bytes in
                try? engine.send(bytes) { datagram in transmit(ByteBuffer(bytes: datagram)) }
            }
        }

        func output(_ datagrams: [[UInt8]]) {
            for d in datagrams { transmit(ByteBuffer(bytes: d)) }
        }

        /// Arms the retransmission timer at OpenSSL's next timeout (its timer runs on the real clock).
        func rearm() {
            retransmitTimer?.cancel()
            retransmitTimer = nil
            guard state == .connecting, let engine, let wait = engine.nextTimeout else { return }
            let (seconds, attoseconds) = wait.components
            let delay = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000 + 1_000_000)
            retransmitTimer = eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                guard let engine = self.engine, self.state == .connecting else { return }
                do {
                    self.output(try engine.handleTimeout())
                    self.rearm()
                } catch {
                    self.fail("\(error)")
                }
            }
        }

        func fail(_ reason: String) {
            switch state {
            case .failed, .closed: return
            default: setState(.failed(reason))
            }
        }

        func close() {
            switch state {
            case .failed, .closed: return
            default: break
            }
            if let engine { output(engine.close()) }
            setState(.closed)
        }
    }
}
