internal import CRTCUsrsctp
import Synchronization

/// The part of an association that usrsctp's callbacks reach (through `SCTPStack`'s registry), on usrsctp's
/// threads or inside calls into usrsctp: it copies what usrsctp hands over and passes it to Sendable sinks.
/// It never touches the socket, so it never waits on the association's socket lock.
final class SCTPAssociationSink: Sendable {
    private struct State {
        /// Events flow until close() starts.
        var open = true
        /// Outgoing packets flow until close() has finished (the ABORT leaves during usrsctp_close); then the
        /// closure is dropped, which also breaks any reference cycle through it.
        var output: (@Sendable ([UInt8]) -> Void)?
        var established = false
        /// Outgoing streams in effect (SCTP_COMM_UP, then each stream change).
        var outboundStreams: UInt16 = 0
        /// A message usrsctp delivered in pieces (partial delivery), until the piece flagged MSG_EOR.
        var partial: [UInt8] = []
        var partialStream: UInt16 = 0
        var discardingOversized = false
    }

    private let continuation: AsyncStream<SCTPEvent>.Continuation
    private let maxMessageSize: Int
    private let state = Locked(State())

    init(output: @escaping @Sendable ([UInt8]) -> Void, continuation: AsyncStream<SCTPEvent>.Continuation,
         maxMessageSize: Int) {
        self.continuation = continuation
        self.maxMessageSize = maxMessageSize
        state.withLock { $0.output = output }
    }

    var isEstablished: Bool { state.withLock { $0.established } }

    var outboundStreams: UInt16 { state.withLock { $0.outboundStreams } }

    /// An outgoing SCTP packet (already copied).
    func emit(_ packet: [UInt8]) {
        // Called outside the lock: the closure may take its own locks.
        guard let output = state.withLock({ $0.output }) else { return }
        packetsOut.add(1, ordering: .relaxed)
        if packet.count > 12 { lastChunkOut.store(packet[12], ordering: .relaxed) }
        output(packet)
    }

    /// Packets handed to `output`, and the type of the first chunk of the last one (diagnostics).
    let packetsOut = Atomic<Int>(0)
    let lastChunkOut = Atomic<UInt8>(0xFF)

    /// Stops events; called by `SCTPAssociation.close()` before it tears the socket down.
    func markClosed() {
        state.withLock { state in
            state.open = false
            state.established = false
            state.partial = []
        }
    }

    /// Stops outgoing packets; called once the socket is gone.
    func closeOutput() {
        state.withLock { $0.output = nil }
    }

    func finish(with event: SCTPEvent?) {
        if let event { continuation.yield(event) }
        continuation.finish()
    }

    /// Data or a notification from the receive callback. `bytes` belongs to usrsctp's buffer, valid only during
    /// this call.
    func deliver(_ bytes: UnsafeRawBufferPointer, info: sctp_rcvinfo, flags: Int32) {
        if flags & Int32(CRTCUsrsctp_MSG_NOTIFICATION) != 0 {
            if let event = notification(bytes) { yield(event) }
            return
        }
        let complete = flags & Int32(CRTCUsrsctp_MSG_EOR) != 0
        let stream = info.rcv_sid
        // The PPID travels in network byte order through usrsctp unchanged (RFC 4960 §3.3.1).
        let ppid = UInt32(bigEndian: info.rcv_ppid)
        let unordered = info.rcv_flags & UInt16(SCTP_UNORDERED) != 0
        let message: SCTPMessage? = state.withLock { state in
            guard state.open else { return nil }
            if state.partial.isEmpty && !state.discardingOversized && complete {
                guard bytes.count <= maxMessageSize else { return nil }
                return SCTPMessage(streamID: stream, ppid: ppid, unordered: unordered, bytes: [UInt8](bytes))
            }
            // Partial delivery: without interleaving (the default), pieces of one message arrive back to back.
            if !state.partial.isEmpty && state.partialStream != stream {
                state.partial = []  // cannot happen without interleaving; drop the orphan rather than mix data
            }
            state.partialStream = stream
            if state.discardingOversized || state.partial.count + bytes.count > maxMessageSize {
                state.discardingOversized = true
                state.partial = []
            } else {
                state.partial.append(contentsOf: bytes)
            }
            guard complete else { return nil }
            defer {
                state.partial = []
                state.discardingOversized = false
            }
            if state.discardingOversized { return nil }
            return SCTPMessage(streamID: stream, ppid: ppid, unordered: unordered, bytes: state.partial)
        }
        if let message { continuation.yield(.message(message)) }
    }

    /// usrsctp's send callback: the send buffer has room again.
    func writable() {
        yield(.writable)
    }

    private func yield(_ event: SCTPEvent) {
        guard state.withLock({ $0.open }) else { return }
        continuation.yield(event)
    }

    /// Decodes a notification (RFC 6458 §6.1) by reading the common header, then the fields of the specific
    /// struct with bounds-checked raw loads: `union sctp_notification` is larger than what usrsctp allocates for
    /// most notifications, so it must never be loaded whole.
    private func notification(_ bytes: UnsafeRawBufferPointer) -> SCTPEvent? {
        func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T? {
            guard offset >= 0, offset + MemoryLayout<T>.size <= bytes.count else { return nil }
            return bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        }
        guard let type = field(0, UInt16.self), let length = field(4, UInt32.self) else { return nil }
        let usable = min(Int(length), bytes.count)
        switch Int32(type) {
        case Int32(SCTP_ASSOC_CHANGE):
            guard let change = field(CRTCUsrsctp_offsetAssocChangeState, UInt16.self),
                  let error = field(CRTCUsrsctp_offsetAssocChangeError, UInt16.self) else { return nil }
            switch Int32(change) {
            case Int32(SCTP_COMM_UP):
                let outbound = field(CRTCUsrsctp_offsetAssocChangeOutbound, UInt16.self) ?? 0
                let inbound = field(CRTCUsrsctp_offsetAssocChangeInbound, UInt16.self) ?? 0
                state.withLock { state in
                    state.established = true
                    state.outboundStreams = outbound
                }
                return .established(outboundStreams: outbound, inboundStreams: inbound)
            case Int32(SCTP_RESTART):
                return .restarted
            case Int32(SCTP_COMM_LOST):
                state.withLock { $0.established = false }
                return .ended(.lost, error: error)
            case Int32(SCTP_SHUTDOWN_COMP):
                state.withLock { $0.established = false }
                return .ended(.shutdownComplete, error: error)
            case Int32(SCTP_CANT_STR_ASSOC):
                state.withLock { $0.established = false }
                return .ended(.cannotStart, error: error)
            default:
                return nil
            }
        case Int32(SCTP_STREAM_RESET_EVENT):
            guard let flags = field(2, UInt16.self) else { return nil }
            var streams: [UInt16] = []
            var offset = CRTCUsrsctp_offsetStreamResetList
            while offset + 2 <= usable {
                if let stream = field(offset, UInt16.self) { streams.append(stream) }
                offset += 2
            }
            if flags & UInt16(SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED) != 0 {
                return .streamResetFailed(streams)
            }
            let incoming = flags & UInt16(SCTP_STREAM_RESET_INCOMING_SSN) != 0 ? streams : []
            let outgoing = flags & UInt16(SCTP_STREAM_RESET_OUTGOING_SSN) != 0 ? streams : []
            return .streamsReset(incoming: incoming, outgoing: outgoing)
        case Int32(SCTP_STREAM_CHANGE_EVENT):
            guard let flags = field(2, UInt16.self),
                  let inbound = field(CRTCUsrsctp_offsetStreamChangeInbound, UInt16.self),
                  let outbound = field(CRTCUsrsctp_offsetStreamChangeOutbound, UInt16.self) else { return nil }
            state.withLock { $0.outboundStreams = outbound }
            if flags & UInt16(SCTP_STREAM_CHANGE_DENIED | SCTP_STREAM_CHANGE_FAILED) != 0 {
                return .streamChangeFailed(outboundStreams: outbound, inboundStreams: inbound)
            }
            return .streamsChanged(outboundStreams: outbound, inboundStreams: inbound)
        case Int32(SCTP_SENDER_DRY_EVENT):
            return .senderDry
        default:
            return nil
        }
    }
}
