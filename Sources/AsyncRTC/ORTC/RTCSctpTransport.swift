import RTCCrypto
import RTCTransport

/// What an SCTP transport can carry (aiortc's `RTCSctpCapabilities`).
public struct RTCSctpCapabilities: Hashable, Sendable {
    /// The largest message the transport accepts, in bytes; 0 means any size (W3C).
    public var maxMessageSize: Int

    public init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }
}

/// Where an ``RTCSctpTransport`` is (W3C `RTCSctpTransportState`, plus aiortc's `new` before start).
public enum RTCSctpTransportState: String, Hashable, Sendable {
    case new, connecting, connected, closed
}

/// SCTP over an ``RTCDtlsTransport``, carrying data channels (ORTC; aiortc's `RTCSctpTransport`; RFC 8261,
/// RFC 8831).
///
/// Both sides call ``start(_:remotePort:)``; their INITs cross and one association comes up (RFC 8841 §9.3).
/// `start` returns once the association is being set up, as in aiortc: channels made with
/// ``RTCDataChannel/init(transport:parameters:)`` before or after open when it is up, and channels the peer opens
/// arrive at ``onDataChannel``.
public final class RTCSctpTransport: Sendable {
    /// The DTLS transport the SCTP packets travel in.
    public let transport: RTCDtlsTransport
    /// Our SCTP port (SDP `a=sctp-port`; 5000 by convention).
    public let port: UInt16
    /// The data channels on this transport (the peer connection uses the same hub type).
    let hub = DataChannelHub()
    private let observed = ObservedState<RTCSctpTransportState>(.new)
    private let inner = Locked(Inner())

    private struct Inner {
        var started = false
        var stopped = false
        var association: SCTPAssociation?
        var maxChannels: Int?
        var remoteMaxMessageSize: Int?
    }

    /// A transport in state ``RTCSctpTransportState/new`` over `transport`, on SCTP port `port`.
    public init(transport: RTCDtlsTransport, port: UInt16 = 5000) {
        self.transport = transport
        self.port = port
    }

    /// What this implementation accepts: messages up to 256 KiB (usrsctp's receive limit; aiortc's too).
    public static func getCapabilities() -> RTCSctpCapabilities {
        RTCSctpCapabilities(maxMessageSize: DataChannelHub.localMaxMessageSize)
    }

    /// The same as the static ``getCapabilities()``, for code written as `sctp.getCapabilities()`.
    public func getCapabilities() -> RTCSctpCapabilities {
        Self.getCapabilities()
    }

    /// `new`, `connecting`, `connected` or `closed`.
    public var state: RTCSctpTransportState { observed.value }

    /// Called on every state change.
    public var onStateChange: (@Sendable (RTCSctpTransportState) -> Void)? {
        get { observed.handler }
        set { observed.handler = newValue }
    }

    /// How many data channels can be open at once: the smaller of the negotiated inbound and outbound stream
    /// counts; nil until the association is up.
    public var maxChannels: Int? { inner.withLock { $0.maxChannels } }

    /// The largest message that can be sent: the peer's `maxMessageSize` (nil before ``start(_:remotePort:)``;
    /// `Int.max` when the peer accepts any size).
    public var maxMessageSize: Int? { inner.withLock { $0.remoteMaxMessageSize } }

    /// Called with each channel the peer opens (DCEP), already open.
    public var onDataChannel: (@Sendable (RTCDataChannel) -> Void)? {
        get { hub.state.withLock { $0.onDataChannel } }
        set { hub.state.withLock { $0.onDataChannel = newValue } }
    }

    /// Starts the association towards the peer's port, once DTLS is connected (it waits for that). Returns when
    /// the INIT is on its way; ``state`` becomes `connected` when the association is up. A second call does
    /// nothing.
    ///
    /// - Parameters:
    ///   - remoteCaps: the peer's capabilities; its `maxMessageSize` bounds what a channel's `send`
    ///     accepts.
    ///   - remotePort: the peer's SCTP port.
    /// - Throws: ``RTCError`` `invalidState` when stopped or DTLS closes first, `operation` when DTLS fails or
    ///   the association cannot be made.
    public func start(_ remoteCaps: RTCSctpCapabilities, remotePort: UInt16 = 5000) async throws {
        let first = inner.withLock { s in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        guard observed.set(.connecting, if: { $0 == .new }) else {
            throw RTCError(.invalidState, "RTCSctpTransport is closed")
        }
        do {
            let dtls = transport
            try await observed.wait({ try await dtls.waitUntilConnected() }, unlessReaching: .closed) {
                RTCError(.invalidState, "RTCSctpTransport was stopped")
            }
        } catch {
            await stop()
            throw error
        }
        guard let role = transport.engineRole else { throw RTCError(.invalidState, "DTLS has no role") }
        let remoteMax = remoteCaps.maxMessageSize == 0 ? Int.max : remoteCaps.maxMessageSize
        inner.withLock { $0.remoteMaxMessageSize = remoteMax }
        hub.setRemoteMaxMessageSize(remoteMax)
        // RFC 8832 §6: the DTLS role decides the parity of the stream ids we choose.
        hub.setDTLSRole(role)

        var configuration = SCTPAssociation.Configuration(localPort: port, remotePort: remotePort,
                                                          maxMessageSize: DataChannelHub.localMaxMessageSize)
        configuration.pathMTU = await transport.maximumApplicationDataSize.map { UInt32(clamping: $0) }
        let dtls = transport
        let association: SCTPAssociation
        do {
            association = try SCTPAssociation(configuration: configuration, output: { dtls.sendData($0) })
        } catch {
            await stop()
            throw RTCError(.operation, "could not create the SCTP association: \(error)")
        }
        let stopped = inner.withLock { s in
            if !s.stopped { s.association = association }
            return s.stopped
        }
        if stopped {
            association.close()
            throw RTCError(.invalidState, "RTCSctpTransport was stopped")
        }
        hub.attach(association) { [weak self] event in self?.associationEvent(event) }
        do {
            try association.connect()
        } catch {
            await stop()
            throw RTCError(.operation, "SCTP connect failed: \(error)")
        }
        dtls.setDataReceiver { association.receive(packet: $0) }
    }

    /// Aborts the association (the peer sees its channels close), closes every channel and moves to
    /// ``RTCSctpTransportState/closed``.
    public func stop() async {
        let association: SCTPAssociation? = inner.withLock { s in
            s.stopped = true
            return s.association
        }
        association?.close()
        hub.closeAll()
        transport.setDataReceiver(nil)
        observed.set(.closed)
    }

    private func associationEvent(_ event: SCTPEvent) {
        switch event {
        case .established(let outbound, let inbound):
            inner.withLock { $0.maxChannels = Int(min(outbound, inbound)) }
            observed.set(.connected) { $0 == .connecting }
        case .ended:
            observed.set(.closed)
        default:
            break
        }
    }
}
