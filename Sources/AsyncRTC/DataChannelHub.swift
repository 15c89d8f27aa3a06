import RTCCrypto
import RTCTransport
import RTCWire
import NIOCore
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private let logger = Logger(label: "AsyncRTC.DataChannelHub")

/// The data channels of one peer connection and the SCTP association under them: stream ids by DTLS role,
/// DCEP open/ack (RFC 8832), PPIDs (RFC 8831 §6.6), message size limits and closing by stream reset.
final class DataChannelHub: Sendable {
    struct State {
        var association: SCTPAssociation?
        var established = false
        var dtlsRole: DTLSEngine.Role?
        /// Channels with a stream id.
        var channels: [UInt16: RTCDataChannel] = [:]
        /// Channels created before the DTLS role was known.
        var unassigned: [RTCDataChannel] = []
        var remoteMaxMessageSize = 65_536
        var onDataChannel: (@Sendable (RTCDataChannel) -> Void)?
        var closed = false
        /// Every channel this connection has had, for stats (W3C counts opened and closed ones).
        var history: [RTCDataChannel] = []
        /// Messages accepted by `send` that usrsctp had no room for yet, in order (W3C: send never fails for a
        /// full buffer; bufferedAmount grows instead).
        var outbound: [Outgoing] = []
        var outboundHead = 0
        /// Outgoing streams in effect; a message for a stream at or above it waits (with everything queued after
        /// it) until an RFC 6525 add-streams request brings the stream into being.
        var outboundStreams: UInt16 = 0
        /// An add-streams request is on its way to the peer.
        var growing = false
        /// When usrsctp first refused the head of `outbound` because its stream is not open yet (EINVAL); nil
        /// while the queue moves.
        var headStalledSince: ContinuousClock.Instant?
        /// A timer will run the pump again (while the head waits for its stream).
        var retryScheduled = false
    }

    struct Outgoing {
        var channel: RTCDataChannel
        var streamID: UInt16
        var ppid: UInt32
        var bytes: [UInt8]
        /// What the message counts for in bufferedAmount (0 for the stand-in byte of an empty message and for
        /// DCEP messages).
        var size: Int
        var ordered: Bool
        var reliability: SCTPReliability

        /// A DCEP message: always reliable and ordered (RFC 8832 §6).
        static func dcep(_ message: DCEPMessage, on channel: RTCDataChannel, streamID: UInt16) -> Outgoing {
            var buffer = ByteBuffer()
            message.write(to: &buffer)
            return Outgoing(channel: channel, streamID: streamID, ppid: SCTPPayloadProtocolIdentifier.dcep.rawValue,
                            bytes: Array(buffer.readableBytesView), size: 0, ordered: true, reliability: .reliable)
        }
    }

    let state = Locked(State())

    /// Creates a channel; DCEP opens it once SCTP is up (negotiated ones just become open).
    func create(_ parameters: RTCDataChannelParameters) throws(RTCError) -> RTCDataChannel {
        try Self.validate(parameters)
        let channel = RTCDataChannel(parameters: parameters, id: parameters.id.map { UInt16($0) }, hub: self)
        try register(channel)
        return channel
    }

    /// Refuses option combinations W3C `createDataChannel` refuses with a TypeError.
    static func validate(_ parameters: RTCDataChannelParameters) throws(RTCError) {
        if parameters.maxRetransmits != nil && parameters.maxPacketLifeTime != nil {
            throw RTCError(.type, "maxRetransmits and maxPacketLifeTime cannot both be set")
        }
        if parameters.negotiated && parameters.id == nil {
            throw RTCError(.type, "a negotiated data channel needs an id")
        }
        if let id = parameters.id, !(0...65534).contains(id) {
            throw RTCError(.type, "data channel id \(id) is out of range")
        }
    }

    /// Adds a channel made on this hub (its parameters validated): gives it a stream id if the DTLS role is known,
    /// and opens it at once if SCTP is already up.
    func register(_ channel: RTCDataChannel) throws(RTCError) {
        let result: Result<Bool, RTCError> = state.withLock { state in
            if state.closed { return .failure(RTCError(.invalidState, "the data channel transport is closed")) }
            var id = channel.state.withLock { $0.id }
            if id == nil, let role = state.dtlsRole {
                id = Self.freeID(in: state, role: role)
                channel.state.withLock { $0.id = id }
            }
            if let id, state.channels[id] != nil { return .failure(RTCError(.operation, "data channel id \(id) is in use")) }
            if let id { state.channels[id] = channel } else { state.unassigned.append(channel) }
            state.history.append(channel)
            return .success(state.established)
        }
        if try result.get() { open(channel) }
    }

    /// RFC 8832 §6: the DTLS client uses even stream ids, the server odd ones.
    private static func freeID(in state: State, role: DTLSEngine.Role) -> UInt16? {
        var id: UInt16 = role == .client ? 0 : 1
        while state.channels[id] != nil {
            guard id <= 65532 else { return nil }
            id += 2
        }
        return id
    }

    /// DTLS is up and its role known: give waiting channels their ids.
    func setDTLSRole(_ role: DTLSEngine.Role) {
        state.withLock { state in
            state.dtlsRole = role
            for channel in state.unassigned {
                guard let id = Self.freeID(in: state, role: role) else { continue }
                channel.state.withLock { $0.id = id }
                state.channels[id] = channel
            }
            state.unassigned.removeAll()
        }
    }

    func setRemoteMaxMessageSize(_ size: Int) {
        state.withLock { $0.remoteMaxMessageSize = size }
    }

    /// The association exists: follow its events. `observer` sees each event before the hub handles it (the ORTC
    /// SCTP transport derives its state from them).
    func attach(_ association: SCTPAssociation, observer: (@Sendable (SCTPEvent) -> Void)? = nil) {
        state.withLock { $0.association = association }
        Task { [self] in
            for await event in association.events {
                observer?(event)
                handle(event)
            }
            closeAll()
        }
    }

    private func handle(_ event: SCTPEvent) {
        switch event {
        case .established(let outboundStreams, _):
            let pending: [RTCDataChannel] = state.withLock { state in
                state.established = true
                state.outboundStreams = outboundStreams
                return Array(state.channels.values)
            }
            for channel in pending.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) { open(channel) }
        case .message(let message):
            receive(message)
        case .streamsReset(let incoming, _):
            for id in incoming {
                let channel = state.withLock { $0.channels.removeValue(forKey: id) }
                channel?.closed()
            }
            // A stream reset finished: an add-streams request it held up can go now.
            pump(notify: true)
        case .streamResetFailed:
            pump(notify: true)
        case .streamsChanged(let outboundStreams, _):
            state.withLock { state in
                state.outboundStreams = max(state.outboundStreams, outboundStreams)
                state.growing = false
            }
            pump(notify: true)
        case .streamChangeFailed(let outboundStreams, _):
            streamsRefused(outboundStreams)
        case .writable, .senderDry:
            pump(notify: true)
        case .ended:
            closeAll()
        default:
            break
        }
    }

    private func open(_ channel: RTCDataChannel) {
        guard let id = channel.state.withLock({ $0.id }), state.withLock({ $0.association }) != nil else { return }
        if channel.negotiated {
            channel.opened()
            return
        }
        let p = channel.parameters
        let request = DataChannelOpen(
            channelType: DataChannelChannelType(ordered: p.ordered, maxRetransmits: p.maxRetransmits.map { UInt32(clamping: $0) },
                                                maxPacketLifeTime: p.maxPacketLifeTime.map { UInt32(clamping: $0) }),
            priority: 256,
            reliabilityParameter: UInt32(clamping: p.maxRetransmits ?? p.maxPacketLifeTime ?? 0),
            label: p.label, protocol: p.protocol)
        sendDCEP(.dcep(.open(request), on: channel, streamID: id))
    }

    /// Sends a DCEP message at once when its stream exists, so that opening a channel does not wait behind data
    /// queued on others; through the queue when the stream must be added first (RFC 6525 §4.5) or usrsctp has no
    /// room. Nothing of the channel itself can be queued before it: an opener sends after the ACK, an acceptor
    /// after this call.
    private func sendDCEP(_ message: Outgoing) {
        let queued: Bool = state.withLock { state in
            guard let association = state.association else { return false }
            if state.established && message.streamID < state.outboundStreams {
                do throws(SCTPError) {
                    try association.send(streamID: message.streamID, ppid: message.ppid, message.bytes)
                    return false
                } catch {
                    // Queued whatever the error: the pump retries it or fails the channel, never drops it unseen.
                }
            }
            state.outbound.append(message)
            return true
        }
        if queued { pump(notify: false) }
    }

    private func receive(_ message: SCTPMessage) {
        let ppid = SCTPPayloadProtocolIdentifier(rawValue: message.ppid)
        if ppid == .dcep {
            receiveDCEP(message)
            return
        }
        guard let channel = state.withLock({ $0.channels[message.streamID] }) else { return }
        switch ppid {
        case .string, .stringPartial:
            channel.deliver(.text(String(decoding: message.bytes, as: UTF8.self)))
        case .binary, .binaryPartial:
            channel.deliver(.binary(message.bytes))
        case .stringEmpty:
            channel.deliver(.text(""))
        case .binaryEmpty:
            channel.deliver(.binary([]))
        default:
            break
        }
    }

    private func receiveDCEP(_ message: SCTPMessage) {
        var buffer = ByteBuffer(bytes: message.bytes)
        guard let dcep = try? DCEPMessage(parsing: &buffer) else { return }
        switch dcep {
        case .ack:
            state.withLock { $0.channels[message.streamID] }?.opened()
        case .open(let open):
            let accepted: (RTCDataChannel, SCTPAssociation)? = state.withLock { state in
                guard let association = state.association, state.channels[message.streamID] == nil else { return nil }
                // RFC 8832 §6: the peer opens on ids of its own parity only.
                if let role = state.dtlsRole, (message.streamID % 2 == 0) == (role == .client) { return nil }
                let type = open.channelType
                let parameters = RTCDataChannelParameters(
                    label: open.label, ordered: type.isOrdered,
                    maxPacketLifeTime: type.limitsLifetime ? Int(open.reliabilityParameter) : nil,
                    maxRetransmits: type.limitsRetransmits ? Int(open.reliabilityParameter) : nil,
                    protocol: open.protocol, negotiated: false, id: Int(message.streamID))
                let channel = RTCDataChannel(parameters: parameters, id: message.streamID, hub: self)
                state.channels[message.streamID] = channel
                state.history.append(channel)
                return (channel, association)
            }
            guard let (channel, _) = accepted else { return }
            // The ACK goes back on the same stream, which our side may have to add first; anything the channel
            // sends queues behind it.
            sendDCEP(.dcep(.ack, on: channel, streamID: message.streamID))
            channel.opened()
            state.withLock { $0.onDataChannel }?(channel)
        }
    }

    func send(_ bytes: [UInt8], text: Bool, on channel: RTCDataChannel) throws(RTCError) {
        let (attached, limit) = state.withLock { ($0.association != nil, $0.remoteMaxMessageSize) }
        guard channel.readyState == .open, let id = channel.state.withLock({ $0.id }), attached else {
            throw RTCError(.invalidState, "data channel '\(channel.label)' is not open")
        }
        guard bytes.count <= limit else {
            throw RTCError(.type, "message of \(bytes.count) bytes exceeds the peer's max-message-size of \(limit)")
        }
        let ppid: SCTPPayloadProtocolIdentifier = bytes.isEmpty ? (text ? .stringEmpty : .binaryEmpty) : (text ? .string : .binary)
        // SCTP cannot carry an empty message: one zero byte stands in for it (RFC 8831 §6.6).
        let message = Outgoing(channel: channel, streamID: id, ppid: ppid.rawValue, bytes: bytes.isEmpty ? [0] : bytes,
                               size: bytes.count, ordered: channel.ordered, reliability: channel.reliability)
        channel.state.withLock { state in
            state.bufferedAmount += message.size
            state.messagesSent += 1
            state.bytesSent += message.size
        }
        state.withLock { $0.outbound.append(message) }
        pump(notify: false)
    }

    /// Moves queued messages into usrsctp until it has no room; runs again on `.writable`. `notify` is false when
    /// called from `send` itself: the low-amount event must not re-enter the sender's own loop (W3C queues it as
    /// a task; here it fires from the association's event stream).
    ///
    /// A message for a stream the association does not have yet stops the queue there and asks the peer to add
    /// streams (RFC 6525 §4.5); `.streamsChanged` runs the pump again. No message is dropped silently: one usrsctp
    /// cannot take *yet* stays at the head of the queue until an event runs the pump again, and one it can never
    /// take fails its channel, which closes (as a browser closes a channel whose send failed).
    func pump(notify: Bool) {
        var drained: [(RTCDataChannel, Int)] = []
        var failed: [(RTCDataChannel, SCTPError)] = []
        var retry = false
        state.withLock { state in
            guard let association = state.association else { return }
            while state.outboundHead < state.outbound.count {
                let message = state.outbound[state.outboundHead]
                if state.established && message.streamID >= state.outboundStreams {
                    Self.grow(&state, toInclude: message.streamID, association: association)
                    break
                }
                do throws(SCTPError) {
                    try association.send(streamID: message.streamID, ppid: message.ppid, ordered: message.ordered,
                                         reliability: message.reliability, message.bytes)
                } catch {
                    switch Self.disposition(of: error) {
                    case .retryLater where error.code == .wouldBlock:
                        break  // `.writable` or `.senderDry` runs the pump again
                    case .retryLater:
                        // The stream is being added: `.streamsChanged` runs the pump again, and a timer makes
                        // sure of it; a stream that stays unusable for `streamWaitLimit` fails its channel.
                        let now = ContinuousClock.now
                        let since = state.headStalledSince ?? now
                        state.headStalledSince = since
                        if now - since < Self.streamWaitLimit {
                        logger.debug("data channel message waits for its stream", metadata: [
                                "stream": "\(message.streamID)", "error": "\(error)"])
                            if !state.retryScheduled {
                                state.retryScheduled = true
                                retry = true
                            }
                            break
                        }
                        fallthrough
                    case .fail:
                        state.headStalledSince = nil
                        logger.debug("data channel message cannot be sent: failing its channel", metadata: [
                            "stream": "\(message.streamID)", "error": "\(error)"])
                        failed.append((message.channel, error))
                        // Everything the channel has queued goes with it; other channels' messages stay.
                        let id = message.streamID
                        let rest = state.outbound[(state.outboundHead + 1)...].filter { $0.streamID != id }
                        state.outbound.removeSubrange(state.outboundHead...)
                        state.outbound.append(contentsOf: rest)
                        state.channels.removeValue(forKey: id)
                        continue
                    case .waitForAssociation:
                        // Not up yet, or closed: `.established` pumps again, `.ended` closes every channel.
                        logger.debug("data channel message waits for the association", metadata: [
                            "stream": "\(message.streamID)", "error": "\(error)"])
                    }
                    break
                }
                state.headStalledSince = nil
                state.outboundHead += 1
                drained.append((message.channel, message.size))
            }
            if state.outboundHead > 1024 || state.outboundHead == state.outbound.count {
                state.outbound.removeFirst(state.outboundHead)
                state.outboundHead = 0
            }
        }
        for (channel, size) in drained { channel.sent(size, notify: notify) }
        if retry {
            Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(50))
                self?.state.withLock { $0.retryScheduled = false }
                self?.pump(notify: true)
            }
        }
        for (channel, _) in failed {
            if let id = channel.state.withLock({ $0.id }) { try? state.withLock({ $0.association })?.resetStreams([id]) }
            channel.closed()
        }
    }

    /// How long a message may wait for a stream usrsctp refuses with EINVAL before its channel fails: far longer
    /// than an add-streams round trip, with RE-CONFIG retransmissions (RFC 6525 §5.1.1).
    static let streamWaitLimit: Duration = .seconds(30)

    enum SendDisposition { case retryLater, waitForAssociation, fail }

    /// What a failed `SCTPAssociation.send` means for the message. usrsctp refuses with EINVAL a stream that is
    /// not open yet: one an add-streams request (RFC 6525 §4.5) has allocated but the peer not yet confirmed —
    /// a stream-change event of the *peer's* add request already counts it — so EINVAL waits for the next
    /// stream event, as does a full buffer or a stream reset under way (EAGAIN, `.wouldBlock`). Anything else
    /// (EMSGSIZE, ...) can never succeed.
    static func disposition(of error: SCTPError) -> SendDisposition {
        if error.code == .wouldBlock { return .retryLater }
        if error.code == .invalidState { return .waitForAssociation }
        if error.code == .usrsctp && error.errno == EINVAL { return .retryLater }
        return .fail
    }

    /// Asks for enough outgoing streams to include `streamID`: at least 16 more, rounded up to a multiple of 16,
    /// so a burst of new channels costs one round trip; at most the association's configured stream count.
    private static func grow(_ state: inout State, toInclude streamID: UInt16, association: SCTPAssociation) {
        guard !state.growing else { return }
        let current = Int(state.outboundStreams)
        let limit = max(Int(association.configuration.streams), Int(streamID) + 1)
        let wanted = min(limit, (max(Int(streamID) + 1, current + 16) + 15) & ~15, 65535)
        guard wanted > current else { return }
        do throws(SCTPError) {
            try association.addOutgoingStreams(UInt16(wanted - current))
            state.growing = true
        } catch {
            // `.wouldBlock`: a stream reset is outstanding; its event runs the pump, which asks again. Anything
            // else (the association is going away) leaves the messages queued until `.ended` closes everything.
        }
    }

    /// The peer refused more streams: messages for streams we will not get are dropped and their channels close.
    private func streamsRefused(_ outboundStreams: UInt16) {
        let stranded: [RTCDataChannel] = state.withLock { state in
            state.growing = false
            state.outboundStreams = max(state.outboundStreams, outboundStreams)
            let limit = state.outboundStreams
            var stranded: [UInt16: RTCDataChannel] = [:]
            let pending = state.outbound[state.outboundHead...]
            state.outbound = pending.filter { message in
                guard message.streamID >= limit else { return true }
                stranded[message.streamID] = message.channel
                return false
            }
            state.outboundHead = 0
            for id in stranded.keys { state.channels.removeValue(forKey: id) }
            return Array(stranded.values)
        }
        for channel in stranded { channel.closed() }
        pump(notify: true)
    }

    func close(_ channel: RTCDataChannel) {
        guard let id = channel.state.withLock({ $0.id }) else {
            channel.closed()
            return
        }
        let (association, streamExists) = state.withLock { state in
            let exists = !state.established || id < state.outboundStreams
            if !exists {
                // The stream was never added, so nothing went out on it: forget what waits for it (a DCEP OPEN
                // sent later would open a channel on the peer that is already closed here).
                state.outbound = state.outbound[state.outboundHead...].filter { $0.streamID != id }
                state.outboundHead = 0
            }
            return (state.association, exists)
        }
        channel.state.withLock { if $0.readyState != .closed { $0.readyState = .closing } }
        if streamExists { try? association?.resetStreams([id]) }
        state.withLock { _ = $0.channels.removeValue(forKey: id) }
        channel.closed()
    }

    func closeAll() {
        let all: [RTCDataChannel] = state.withLock { state in
            state.closed = true
            defer { state.channels.removeAll(); state.unassigned.removeAll() }
            return Array(state.channels.values) + state.unassigned
        }
        for channel in all { channel.closed() }
    }
}
