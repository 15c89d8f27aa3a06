#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CRTCUsrsctp
import Synchronization

/// One SCTP association in AF_CONN mode (RFC 8261: SCTP over DTLS), as a WebRTC data channel transport uses it.
///
/// The association neither sends nor receives by itself: outgoing SCTP packets are handed to `output` (to be
/// written into DTLS), and incoming ones are fed with `receive(packet:)`. Both sides call `connect()`; the INITs
/// cross and SCTP's collision handling (RFC 4960 §5.2.1) brings one association up — WebRTC's simultaneous open.
///
/// Threading: every method may be called from any thread. `output` and `events` are driven from usrsctp's
/// threads or from inside calls into this object; `output` must copy-and-hand-off (the bytes are already copied)
/// and must never call back into an association synchronously — hop to a queue or event loop first.
public final class SCTPAssociation: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// The SCTP port of this end (SDP `a=sctp-port`, RFC 8841 §5); 5000 by convention.
        public var localPort: UInt16
        /// The SCTP port of the peer.
        public var remotePort: UInt16
        /// Inbound streams to allow, and the most outbound streams to ask for (a data channel id is a stream id).
        public var streams: UInt16
        /// Outbound streams announced in the INIT, when fewer than `streams`: the association then starts small
        /// and the user adds streams as channels need them (``SCTPAssociation/addOutgoingStreams(_:)``, RFC 6525
        /// §4.5). usrsctp keeps an entry per outbound stream (72 bytes) from the start, and the peer one per
        /// inbound stream (40 bytes), so 1024 streams cost ~110 KiB across the two ends. Only for peers known to
        /// answer Add Outgoing Streams requests: libwebrtc's dcSCTP ignores them, and a channel that needs a
        /// stream beyond the count would never open. nil announces `streams`.
        public var initialOutboundStreams: UInt16?
        /// The largest message accepted from the peer (SDP `a=max-message-size`, RFC 8841 §6); larger ones are
        /// dropped.
        public var maxMessageSize: Int
        /// Received messages at least this large are handed over in pieces as they arrive (reassembled here
        /// before `events` sees them); nil keeps usrsctp's default (a quarter of the receive buffer).
        public var partialDeliveryPoint: UInt32?
        /// The largest SCTP packet to send; nil keeps usrsctp's default. Over DTLS it must not exceed the
        /// engine's `maximumApplicationDataSize` (about 1139 bytes at a 1200-byte link MTU).
        public var pathMTU: UInt32?

        public init(localPort: UInt16 = 5000, remotePort: UInt16 = 5000, streams: UInt16 = 1024,
                    initialOutboundStreams: UInt16? = nil, maxMessageSize: Int = 1 << 18,
                    partialDeliveryPoint: UInt32? = nil, pathMTU: UInt32? = nil) {
            self.localPort = localPort
            self.remotePort = remotePort
            self.streams = streams
            self.initialOutboundStreams = initialOutboundStreams
            self.maxMessageSize = maxMessageSize
            self.partialDeliveryPoint = partialDeliveryPoint
            self.pathMTU = pathMTU
        }
    }

    public let configuration: Configuration
    private let droppedMalformed = Atomic<Int>(0)
    private let packetsIn = Atomic<Int>(0)
    private let lastChunkIn = Atomic<UInt8>(0xFF)
    /// Free send-buffer space at which usrsctp reports ``SCTPEvent/writable``.
    public static let sendSpaceThreshold: UInt32 = 256 * 1024
    /// Everything the association reports, in order; finishes after `close()`.
    public let events: AsyncStream<SCTPEvent>

    private let id: Int
    private let sink: SCTPAssociationSink
    /// The usrsctp socket, nil once closed. Calls that use the socket hold this lock, so none races `close()`.
    private let socket: Locked<OpaquePointer?>

    /// Creates the socket, bound to `localPort`. Nothing is sent until `connect()`.
    ///
    /// - Parameters:
    ///   - configuration: ports, stream count, message size limit and path MTU of the association.
    ///   - output: receives each outgoing SCTP packet, on whatever thread produced it.
    public init(configuration: Configuration = Configuration(),
                output: @escaping @Sendable ([UInt8]) -> Void) throws(SCTPError) {
        self.configuration = configuration
        let (events, continuation) = AsyncStream<SCTPEvent>.makeStream(bufferingPolicy: .unbounded)
        self.events = events
        var made: SCTPAssociationSink?
        let id = SCTPStack.shared.register { _ in
            let sink = SCTPAssociationSink(output: output, continuation: continuation,
                                           maxMessageSize: configuration.maxMessageSize)
            made = sink
            return sink
        }
        self.id = id
        guard let sink = made, let address = SCTPStack.pointer(for: id) else {
            preconditionFailure("SCTPStack.register did not build the sink")
        }
        self.sink = sink
        usrsctp_register_address(address)

        guard let socket = usrsctp_socket(CRTCUsrsctp_AF_CONN, CRTCUsrsctp_SOCK_STREAM, CRTCUsrsctp_IPPROTO_SCTP,
                                          sctpReceiveCallback, sctpSendCallback, Self.sendSpaceThreshold, address) else {
            let error = SCTPError(.usrsctp, "usrsctp_socket", errno: CRTCUsrsctp_errno())
            Self.release(id: id, address: address, sink: sink)
            throw error
        }
        do throws(SCTPError) {
            try Self.configure(socket, configuration)
            try Self.check(CRTCUsrsctp_bindConn(socket, address, configuration.localPort), "usrsctp_bind")
        } catch {
            usrsctp_close(socket)
            Self.release(id: id, address: address, sink: sink)
            throw error
        }
        self.socket = Locked(socket)
    }

    deinit {
        close()
    }

    /// Whether the association is up (between `.established` and `.ended` / `close()`).
    public var isEstablished: Bool { sink.isEstablished }

    /// The outgoing streams in effect: 0 until `.established`, then its count, grown by `.streamsChanged`.
    /// Messages go out on streams below it only.
    public var outboundStreams: UInt16 { sink.outboundStreams }

    /// Asks the peer to accept `count` more outgoing streams (RFC 6525 §4.5; usrsctp's SCTP_ADD_STREAMS). Returns
    /// at once; `.streamsChanged` follows when the peer performed it, `.streamChangeFailed` when it refused.
    /// - Throws: `.wouldBlock` while another reconfiguration request (a stream reset or an earlier add) is
    ///   outstanding: retry after its `.streamsReset`, `.streamResetFailed` or stream change event;
    ///   `.invalidState` when the association is not up or closed; `.invalidArgument` for 0 or past 65535 streams.
    public func addOutgoingStreams(_ count: UInt16) throws(SCTPError) {
        guard count > 0 else { throw SCTPError(.invalidArgument, "add at least one stream") }
        try withSocket { socket throws(SCTPError) in
            if CRTCUsrsctp_addOutgoingStreams(socket, count) < 0 {
                let error = CRTCUsrsctp_errno()
                if error == CRTCUsrsctp_EALREADY || error == EBUSY {
                    throw SCTPError(.wouldBlock, "a stream reconfiguration is outstanding", errno: error)
                }
                if error == ENOENT || error == EINVAL && !sink.isEstablished {
                    throw SCTPError(.invalidState, "association is not established", errno: error)
                }
                throw SCTPError(.usrsctp, "SCTP_ADD_STREAMS", errno: error)
            }
        }
    }

    /// Starts the four-way handshake towards `remotePort` (RFC 4960 §5.1). Returns at once; `.established`
    /// follows on `events` once packets have flowed both ways.
    public func connect() throws(SCTPError) {
        let address = SCTPStack.pointer(for: id)
        try withSocket { socket throws(SCTPError) in
            if CRTCUsrsctp_connectConn(socket, address, configuration.remotePort) < 0 {
                let error = CRTCUsrsctp_errno()
                // Nonblocking: "in progress" is the normal answer.
                guard error == CRTCUsrsctp_EINPROGRESS else {
                    throw SCTPError(.usrsctp, "usrsctp_connect", errno: error)
                }
            }
            if let mtu = configuration.pathMTU {
                // The peer address exists once connect has run; only then can its parameters be set. For AF_CONN
                // usrsctp's spp_pathmtu leaves out the 12-byte common header (sctp_usrreq.c adds
                // sizeof(struct sctphdr)), so packets reach the value given + 12: told mtu − 12, the largest
                // packet exactly fills a DTLS record. A wider margin costs packets: at 1139 bytes a fragment
                // carries 1108 bytes and a 16 KiB message takes 15 packets; with the 28 used before, 1092 bytes
                // and 16 packets, the last carrying 4 bytes.
                let margin: UInt32 = 12
                try Self.check(CRTCUsrsctp_setPathMTU(socket, address, configuration.remotePort, max(mtu, 512) - margin),
                               "SCTP_PEER_ADDR_PARAMS")
            }
        }
    }

    /// Feeds one SCTP packet received from the peer (the payload of a DTLS record). After `close()` packets are
    /// dropped, and so are packets ``SCTPPacketFilter`` finds malformed (usrsctp can hang on some). The bytes are
    /// read during the call only.
    public func receive(packet: UnsafeRawBufferPointer) {
        guard let base = packet.baseAddress, !packet.isEmpty, let address = SCTPStack.pointer(for: id) else { return }
        guard SCTPPacketFilter.isAcceptable(packet) else {
            droppedMalformed.add(1, ordering: .relaxed)
            return
        }
        // Under the socket lock: close() must not free the association between the check and usrsctp's use of
        // it (that race corrupted the heap when connections were opened and closed quickly).
        socket.withLock { socket in
            guard socket != nil else { return }
            packetsIn.add(1, ordering: .relaxed)
            lastChunkIn.store(packet[12], ordering: .relaxed)
            usrsctp_conninput(address, base, packet.count, 0)
        }
    }

    /// Packets dropped before usrsctp because ``SCTPPacketFilter`` refused them.
    public var malformedPacketsDropped: Int { droppedMalformed.load(ordering: .relaxed) }

    /// Packets in and out so far, each with the type of the first chunk of the last one (RFC 9260 §3.2: 1 INIT,
    /// 2 INIT ACK, 10 COOKIE ECHO, 11 COOKIE ACK, 0 DATA, 3 SACK; 255 none yet), and malformed ones dropped: where a
    /// handshake stopped, for a test's failure message.
    package var packetDiagnostics: String {
        "in \(packetsIn.load(ordering: .relaxed)) (last chunk \(lastChunkIn.load(ordering: .relaxed))), "
            + "out \(sink.packetsOut.load(ordering: .relaxed)) (last chunk \(sink.lastChunkOut.load(ordering: .relaxed))), "
            + "malformed \(malformedPacketsDropped)"
    }

    /// Feeds one SCTP packet received from the peer; see `receive(packet:)` for the buffer form.
    public func receive(packet: [UInt8]) {
        packet.withUnsafeBytes { receive(packet: $0) }
    }

    /// Queues one message.
    ///
    /// - Parameters:
    ///   - streamID: the stream (data channel id), below the negotiated outbound stream count.
    ///   - ppid: the payload protocol identifier (RFC 8831 §8).
    ///   - ordered: false sends it unordered (SCTP U bit).
    ///   - reliability: partial reliability (RFC 3758) for unreliable data channels.
    ///   - bytes: the message, at least one byte (SCTP cannot carry empty messages; RFC 8831 uses PPIDs 56/57).
    /// - Throws: `.wouldBlock` when the send buffer is full, `.invalidState` after close or before the
    ///   association is up.
    public func send(streamID: UInt16, ppid: UInt32, ordered: Bool = true, reliability: SCTPReliability = .reliable,
                     _ bytes: UnsafeRawBufferPointer) throws(SCTPError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw SCTPError(.invalidArgument, "SCTP cannot send an empty message")
        }
        let (policy, value): (UInt16, UInt32) = switch reliability {
        case .reliable: (UInt16(SCTP_PR_SCTP_NONE), 0)
        case .maxRetransmits(let count): (UInt16(SCTP_PR_SCTP_RTX), count)
        case .maxLifetime(let milliseconds): (UInt16(SCTP_PR_SCTP_TTL), milliseconds)
        }
        try withSocket { socket throws(SCTPError) in
            let sent = CRTCUsrsctp_send(socket, base, bytes.count, streamID, ppid, ordered ? 0 : 1, policy, value)
            guard sent >= 0 else {
                let error = CRTCUsrsctp_errno()
                if error == CRTCUsrsctp_EWOULDBLOCK || error == CRTCUsrsctp_EAGAIN {
                    throw SCTPError(.wouldBlock, "send buffer full", errno: error)
                }
                if error == ENOTCONN {
                    throw SCTPError(.invalidState, "association is not established", errno: error)
                }
                throw SCTPError(.usrsctp, "usrsctp_sendv", errno: error)
            }
        }
    }

    /// Queues one message; see `send(streamID:ppid:ordered:reliability:_:)` for the buffer form.
    public func send(streamID: UInt16, ppid: UInt32, ordered: Bool = true, reliability: SCTPReliability = .reliable,
                     _ bytes: [UInt8]) throws(SCTPError) {
        let result: Result<Void, SCTPError> = bytes.withUnsafeBytes { buffer in
            do throws(SCTPError) {
                try send(streamID: streamID, ppid: ppid, ordered: ordered, reliability: reliability, buffer)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Resets outgoing streams (RFC 6525 §5.1.2), how a data channel is closed (RFC 8831 §6.7). The peer sees
    /// `.streamsReset(incoming:)`; this side sees `.streamsReset(outgoing:)` when it completed.
    public func resetStreams(_ streams: [UInt16]) throws(SCTPError) {
        guard !streams.isEmpty, streams.count <= Int(UInt16.max) else {
            throw SCTPError(.invalidArgument, "reset needs 1…65535 streams")
        }
        try withSocket { socket throws(SCTPError) in
            let result = streams.withUnsafeBufferPointer { list in
                CRTCUsrsctp_resetOutgoingStreams(socket, list.baseAddress, UInt16(list.count))
            }
            try Self.check(result, "SCTP_RESET_STREAMS")
        }
    }

    /// Aborts the association (an ABORT chunk goes out through `output` during this call), closes the socket
    /// and forgets the association: callbacks that arrive afterwards find nothing and do nothing, and `events`
    /// finishes. Idempotent.
    public func close() {
        // usrsctp_close runs under the socket lock, so no receive() can be inside usrsctp_conninput for this
        // association meanwhile. The ABORT is produced synchronously inside usrsctp_close, so output stays routed
        // until it returns; events stop now.
        let closed: Bool = socket.withLock { socket in
            guard let open = socket else { return false }
            socket = nil
            sink.markClosed()
            usrsctp_close(open)
            return true
        }
        guard closed else { return }
        if let address = SCTPStack.pointer(for: id) {
            Self.release(id: id, address: address, sink: sink)
        }
    }

    // MARK: - Helpers

    private func withSocket(_ body: (OpaquePointer) throws(SCTPError) -> Void) throws(SCTPError) {
        let result: Result<Void, SCTPError> = socket.withLock { socket in
            guard let socket else { return .failure(SCTPError(.invalidState, "association is closed")) }
            do throws(SCTPError) {
                try body(socket)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private static func release(id: Int, address: UnsafeMutableRawPointer, sink: SCTPAssociationSink) {
        sink.markClosed()
        sink.closeOutput()
        usrsctp_deregister_address(address)
        SCTPStack.shared.unregister(id)
        sink.finish(with: nil)
    }

    private static func check(_ result: Int32, _ what: String) throws(SCTPError) {
        if result < 0 { throw SCTPError(.usrsctp, what, errno: CRTCUsrsctp_errno()) }
    }

    private static func configure(_ socket: OpaquePointer, _ configuration: Configuration) throws(SCTPError) {
        try check(usrsctp_set_non_blocking(socket, 1), "usrsctp_set_non_blocking")
        try check(CRTCUsrsctp_setLingerAbort(socket), "SO_LINGER")
        try check(CRTCUsrsctp_enableStreamReset(socket), "SCTP_ENABLE_STREAM_RESET")
        // Messages are small and interactive: do not wait to bundle (Nagle).
        try check(CRTCUsrsctp_setIntOption(socket, SCTP_NODELAY, 1), "SCTP_NODELAY")
        // Deliver struct sctp_rcvinfo (stream id, PPID) with each message.
        try check(CRTCUsrsctp_setIntOption(socket, SCTP_RECVRCVINFO, 1), "SCTP_RECVRCVINFO")
        let outbound = min(configuration.initialOutboundStreams ?? configuration.streams, configuration.streams)
        try check(CRTCUsrsctp_setInitStreams(socket, max(outbound, 1), configuration.streams), "SCTP_INITMSG")
        if let point = configuration.partialDeliveryPoint {
            try check(CRTCUsrsctp_setIntOption(socket, SCTP_PARTIAL_DELIVERY_POINT, Int32(clamping: point)),
                      "SCTP_PARTIAL_DELIVERY_POINT")
        }
        for event in [SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT, SCTP_SENDER_DRY_EVENT] {
            try check(CRTCUsrsctp_subscribe(socket, UInt16(event)), "SCTP_EVENT \(event)")
        }
    }
}
