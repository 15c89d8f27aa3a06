import RTCTransport
import RTCWire

/// W3C `RTCDataChannelState`.
public enum RTCDataChannelState: String, Hashable, Sendable {
    case connecting, open, closing, closed
}

/// A message received on a data channel.
public enum RTCDataChannelMessage: Hashable, Sendable {
    case text(String)
    case binary([UInt8])
}

/// The options of a data channel (W3C `RTCDataChannelInit`, aiortc's `RTCDataChannelParameters`).
public struct RTCDataChannelParameters: Hashable, Sendable {
    public var label: String
    public var ordered: Bool
    public var maxPacketLifeTime: Int?
    public var maxRetransmits: Int?
    public var `protocol`: String
    public var negotiated: Bool
    public var id: Int?

    public init(label: String = "", ordered: Bool = true, maxPacketLifeTime: Int? = nil, maxRetransmits: Int? = nil,
                protocol: String = "", negotiated: Bool = false, id: Int? = nil) {
        self.label = label
        self.ordered = ordered
        self.maxPacketLifeTime = maxPacketLifeTime
        self.maxRetransmits = maxRetransmits
        self.protocol = `protocol`
        self.negotiated = negotiated
        self.id = id
    }
}

/// A data channel (RFC 8831) over the peer connection's SCTP association, opened with DCEP (RFC 8832) unless
/// negotiated out of band.
public final class RTCDataChannel: Sendable {
    public let parameters: RTCDataChannelParameters
    public var label: String { parameters.label }
    public var ordered: Bool { parameters.ordered }
    public var maxPacketLifeTime: Int? { parameters.maxPacketLifeTime }
    public var maxRetransmits: Int? { parameters.maxRetransmits }
    public var `protocol`: String { parameters.protocol }
    public var negotiated: Bool { parameters.negotiated }

    /// The SCTP stream id; nil until the DTLS role decides even or odd (RFC 8832 §6).
    public var id: Int? { state.withLock { $0.id.map(Int.init) } }
    public var readyState: RTCDataChannelState { state.withLock { $0.readyState } }

    /// Bytes accepted by `send` that have not yet been handed to SCTP (W3C `bufferedAmount`).
    public var bufferedAmount: Int { state.withLock { $0.bufferedAmount } }

    /// ``onBufferedAmountLow`` fires when ``bufferedAmount`` falls to this or below (W3C, default 0).
    public var bufferedAmountLowThreshold: Int {
        get { state.withLock { $0.bufferedAmountLowThreshold } }
        set { state.withLock { $0.bufferedAmountLowThreshold = newValue } }
    }

    public var onBufferedAmountLow: (@Sendable () -> Void)? {
        get { state.withLock { $0.onBufferedAmountLow } }
        set { state.withLock { $0.onBufferedAmountLow = newValue } }
    }

    /// Messages as they arrive; finishes when the channel closes.
    ///
    /// The stream is made on first use and gets every message from then on, as well as those that arrived while
    /// neither it nor ``onMessage`` was there to take them. A channel read through ``onMessage`` alone keeps no
    /// messages: an unread stream would hold every message for the channel's life (64 MiB received, 64 MiB kept).
    public var messages: AsyncStream<RTCDataChannelMessage> {
        state.withLock { state in
            if let stream = state.stream { return stream.messages }
            let (messages, continuation) = AsyncStream<RTCDataChannelMessage>.makeStream(bufferingPolicy: .unbounded)
            for message in state.unclaimed { continuation.yield(message) }
            state.unclaimed = []
            if state.readyState == .closed { continuation.finish() }
            state.stream = (messages, continuation)
            return messages
        }
    }

    public var onOpen: (@Sendable () -> Void)? {
        get { state.withLock { $0.onOpen } }
        set { state.withLock { $0.onOpen = newValue } }
    }
    public var onMessage: (@Sendable (RTCDataChannelMessage) -> Void)? {
        get { state.withLock { $0.onMessage } }
        set { state.withLock { $0.onMessage = newValue } }
    }
    public var onClose: (@Sendable () -> Void)? {
        get { state.withLock { $0.onClose } }
        set { state.withLock { $0.onClose = newValue } }
    }

    struct State {
        var id: UInt16?
        var readyState: RTCDataChannelState = .connecting
        var onOpen: (@Sendable () -> Void)?
        var onMessage: (@Sendable (RTCDataChannelMessage) -> Void)?
        var onClose: (@Sendable () -> Void)?
        var bufferedAmount = 0
        var bufferedAmountLowThreshold = 0
        var wasOpened = false
        var messagesSent = 0
        var bytesSent = 0
        var messagesReceived = 0
        var bytesReceived = 0
        var onBufferedAmountLow: (@Sendable () -> Void)?
        /// ``messages``, once asked for.
        var stream: (messages: AsyncStream<RTCDataChannelMessage>,
                     continuation: AsyncStream<RTCDataChannelMessage>.Continuation)?
        /// Messages that arrived with neither the stream nor ``onMessage`` there, for the stream to start with.
        var unclaimed: [RTCDataChannelMessage] = []
    }

    let state: Locked<State>
    /// Weak: the hub keeps every channel it had (for stats), so a strong reference back would keep both alive
    /// after the connection is gone. Without the hub the channel is closed for good.
    weak let hub: DataChannelHub?

    init(parameters: RTCDataChannelParameters, id: UInt16?, hub: DataChannelHub) {
        self.parameters = parameters
        self.hub = hub
        self.state = Locked(State(id: id))
    }

    /// A data channel on an ORTC ``RTCSctpTransport`` (aiortc's `RTCDataChannel(transport, parameters)`).
    ///
    /// Without an `id`, the channel gets the next free stream id of the DTLS role's parity once the SCTP transport
    /// has started (RFC 8832 §6: the DTLS client uses even ids, the server odd ones). DCEP opens it once the
    /// association is up; a `negotiated` channel opens without DCEP and needs the same `id` on both sides.
    ///
    /// - Throws: ``RTCError`` `type` for contradictory parameters (both `maxRetransmits` and `maxPacketLifeTime`,
    ///   `negotiated` without `id`, an `id` out of range), `operation` when the `id` is in use, `invalidState`
    ///   when the transport is stopped.
    public convenience init(transport: RTCSctpTransport, parameters: RTCDataChannelParameters) throws(RTCError) {
        try DataChannelHub.validate(parameters)
        self.init(parameters: parameters, id: parameters.id.map { UInt16($0) }, hub: transport.hub)
        try transport.hub.register(self)
    }

    /// Sends a text message (PPID 51, or 56 when empty; RFC 8831 §6.6).
    public func send(_ text: String) throws(RTCError) {
        try connectedHub().send(Array(text.utf8), text: true, on: self)
    }

    /// Sends a binary message (PPID 53, or 57 when empty).
    public func send(_ bytes: [UInt8]) throws(RTCError) {
        try connectedHub().send(bytes, text: false, on: self)
    }

    /// Closes the channel by resetting its stream (RFC 8831 §6.7). Once its connection is gone there is no stream
    /// left to reset: the channel just becomes closed (the close event fires once, as after a normal close).
    public func close() {
        guard let hub else {
            closed()
            return
        }
        hub.close(self)
    }

    private func connectedHub() throws(RTCError) -> DataChannelHub {
        guard let hub else { throw RTCError(.invalidState, "data channel '\(label)' is not open: its connection is gone") }
        return hub
    }

    // MARK: Called by the hub

    var reliability: SCTPReliability {
        if let n = parameters.maxRetransmits { return .maxRetransmits(UInt32(clamping: n)) }
        if let ms = parameters.maxPacketLifeTime { return .maxLifetime(milliseconds: UInt32(clamping: ms)) }
        return .reliable
    }

    func opened() {
        let callback: (@Sendable () -> Void)? = state.withLock { state in
            guard state.readyState == .connecting else { return nil }
            state.readyState = .open
            state.wasOpened = true
            return state.onOpen
        }
        callback?()
    }

    /// `size` bytes left our queue for SCTP.
    func sent(_ size: Int, notify: Bool) {
        let callback: (@Sendable () -> Void)? = state.withLock { state in
            let before = state.bufferedAmount
            state.bufferedAmount = max(0, before - size)
            let threshold = state.bufferedAmountLowThreshold
            return notify && before > threshold && state.bufferedAmount <= threshold ? state.onBufferedAmountLow : nil
        }
        callback?()
    }

    func deliver(_ message: RTCDataChannelMessage) {
        let size = switch message {
        case .text(let t): t.utf8.count
        case .binary(let b): b.count
        }
        state.withLock { state in
            state.messagesReceived += 1
            state.bytesReceived += size
            if let stream = state.stream {
                stream.continuation.yield(message)
            } else if state.onMessage == nil {
                state.unclaimed.append(message)
            }
            return state.onMessage
        }?(message)
    }

    func closed() {
        let callback: (@Sendable () -> Void)? = state.withLock { state in
            guard state.readyState != .closed else { return nil }
            state.readyState = .closed
            state.stream?.continuation.finish()
            return state.onClose
        }
        callback?()
    }
}
