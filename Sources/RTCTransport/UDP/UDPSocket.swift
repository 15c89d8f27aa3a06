public import NIOCore
import NIOPosix

/// One bound UDP socket on a NIO event loop, with the impairment layer between the socket and the receiver.
///
/// Datagrams are read in batches (vector reads) and handed to `onDatagram` on the socket's event loop, after the
/// impairment profile (if any) has dropped, delayed, duplicated or rewritten them. Sending goes straight to the
/// socket. The profile can be changed while running (e.g. to blackhole the path in a test).
public final class UDPSocket: Sendable {
    /// The address the socket is bound to (with the port the system chose when 0 was asked for).
    public let localAddress: SocketAddress
    /// The event loop the socket and its receiver run on.
    public let eventLoop: any EventLoop
    private let channel: any Channel
    private let handler: NIOLoopBound<UDPInboundHandler>

    /// Datagrams read per system call once the socket is busy. NIO keeps a socket's receive buffers (2 KiB per
    /// datagram, pooled: up to `maxMessagesPerRead` = 4 of them) for the socket's life, so this is also memory per
    /// socket. A socket therefore starts with one datagram per read (2 KiB buffers) and switches to vector reads
    /// of 8 (16 KiB) the first time a read cycle finds a backlog (``busyReadCycle`` datagrams): the selected
    /// pair's socket under load, never the idle candidates of a connection.
    static let vectorReadCount = 8
    /// Datagrams read in one cycle that make a socket busy: NIO's `maxMessagesPerRead` for datagram channels, so
    /// the cycle stopped with datagrams still queued.
    static let busyReadCycle = 4
    /// One datagram's buffer.
    static let datagramCapacity = 2048

    /// A datagram receiver; always called on the socket's event loop.
    public typealias Receiver = @Sendable (ByteBuffer, SocketAddress) -> Void

    private init(channel: any Channel, handler: NIOLoopBound<UDPInboundHandler>, localAddress: SocketAddress) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.handler = handler
        self.localAddress = localAddress
    }

    /// Binds a socket. `impairment` defaults to the profile in `ASYNCRTC_IMPAIR`, if set.
    public static func bind(
        host: String, port: Int = 0, on eventLoop: any EventLoop,
        impairment: ImpairmentProfile? = nil,
        onDatagram: @escaping Receiver
    ) async throws -> UDPSocket {
        try await makeBound(host: host, port: port, on: eventLoop, impairment: impairment, onDatagram: onDatagram).get()
    }

    /// ``bind(host:port:on:impairment:onDatagram:)`` as a future that completes on `eventLoop`: callers already on
    /// the loop (gathering) bind several sockets and go on without a hop back to a task per socket.
    static func makeBound(
        host: String, port: Int = 0, on eventLoop: any EventLoop,
        impairment: ImpairmentProfile? = nil,
        onDatagram: @escaping Receiver
    ) -> EventLoopFuture<UDPSocket> {
        let profile: ImpairmentProfile?
        do {
            profile = try impairment ?? ImpairmentProfile.fromEnvironment(
                ProcessEnvironment.value(of: ImpairmentProfile.environmentVariable).map { [ImpairmentProfile.environmentVariable: $0] } ?? [:])
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.maxMessagesPerRead, value: UInt(Self.busyReadCycle))
            .channelOption(.datagramVectorReadMessageCount, value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.datagramCapacity))
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = UDPInboundHandler(profile: profile, receiver: onDatagram)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: host, port: port)
            .hop(to: eventLoop)
            .flatMap { channel in
                // The channel lives on `eventLoop` (the bootstrap's only loop), so its pipeline is ours to read.
                do {
                    let handler = try channel.pipeline.syncOperations.handler(type: UDPInboundHandler.self)
                    guard let local = channel.localAddress else { throw ChannelError.unknownLocalAddress }
                    return eventLoop.makeSucceededFuture(
                        UDPSocket(channel: channel, handler: NIOLoopBound(handler, eventLoop: eventLoop), localAddress: local))
                } catch {
                    return channel.close().flatMapThrowing { throw error }
                }
            }
    }

    /// Sends one datagram. Safe from any thread; a failed send (e.g. unreachable) is dropped like a lost packet.
    ///
    /// On the socket's event loop, datagrams are queued and flushed together once the loop finishes what it is
    /// doing (one `sendmmsg` for everything a batch of received packets caused — SCTP answers a SACK with a burst
    /// of DATA); from other threads each is flushed at once.
    public func send(_ datagram: ByteBuffer, to remote: SocketAddress) {
        let envelope = AddressedEnvelope(remoteAddress: remote, data: datagram)
        guard eventLoop.inEventLoop else {
            channel.writeAndFlush(envelope, promise: nil)
            return
        }
        channel.write(envelope, promise: nil)
        let handler = self.handler.value
        guard !handler.flushPending else { return }
        handler.flushPending = true
        let channel = self.channel, bound = self.handler
        eventLoop.execute {
            bound.value.flushPending = false
            channel.flush()
        }
    }

    /// Replaces the impairment profile (nil: none). Delays already scheduled still happen.
    public func setImpairment(_ profile: ImpairmentProfile?) {
        let handler = self.handler
        eventLoop.execute { handler.value.setProfile(profile) }
    }

    /// What the impairment layer has done so far (zero counters when there is none).
    public func impairmentCounters() async -> Impairment.Counters {
        let handler = self.handler
        return (try? await eventLoop.submit { handler.value.impairment?.counters ?? .init() }.get()) ?? .init()
    }

    /// Whether the socket has switched to vector reads (``vectorReadCount`` datagrams per call).
    var readsInBatches: Bool {
        get async {
            let handler = self.handler
            return (try? await eventLoop.submit { handler.value.vectorReads }.get()) ?? false
        }
    }

    /// Closes the socket; datagrams still scheduled by the impairment layer may yet be delivered.
    public func close() async {
        try? await channel.close()
    }

    /// ``close()`` as a future, for code already on the loop; never fails.
    func closeFuture() -> EventLoopFuture<Void> {
        channel.close().recover { _ in }
    }
}

/// Reads datagrams and passes them through the impairment layer. Only touched on its channel's event loop.
final class UDPInboundHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private(set) var impairment: Impairment?
    /// A flush of queued datagrams is scheduled on the loop (``UDPSocket/send(_:to:)``).
    var flushPending = false
    /// Datagrams read since the last read-complete.
    private var readThisCycle = 0
    /// The socket reads ``UDPSocket/vectorReadCount`` datagrams per call.
    private(set) var vectorReads = false
    private let receiver: UDPSocket.Receiver

    init(profile: ImpairmentProfile?, receiver: @escaping UDPSocket.Receiver) {
        self.receiver = receiver
        setProfile(profile)
    }

    func setProfile(_ profile: ImpairmentProfile?) {
        if let profile, !profile.isTransparent {
            if impairment != nil { impairment?.profile = profile } else { impairment = Impairment(profile: profile) }
        } else {
            impairment = nil
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        readThisCycle += 1
        let envelope = unwrapInboundIn(data)
        guard var impairment else {
            receiver(envelope.data, envelope.remoteAddress)
            return
        }
        let now = NIODeadline.now()
        let deliveries = impairment.admit(size: envelope.data.readableBytes, now: now)
        let shift = impairment.profile.sourcePortShift
        self.impairment = impairment
        var remote = envelope.remoteAddress
        if shift != 0, let port = remote.port {
            // NAT rebinding: the peer appears to move to another source port.
            try? remote.setPort(port: (port + shift) & 0xFFFF)
        }
        for deadline in deliveries {
            if deadline <= now {
                receiver(envelope.data, remote)
            } else {
                let receiver = self.receiver, data = envelope.data, from = remote
                context.eventLoop.scheduleTask(deadline: deadline) { receiver(data, from) }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !vectorReads && readThisCycle >= UDPSocket.busyReadCycle, let options = context.channel.syncOptions {
            // A backlog: read in batches from now on (see UDPSocket.vectorReadCount).
            vectorReads = true
            try? options.setOption(.datagramVectorReadMessageCount, value: UDPSocket.vectorReadCount)
            try? options.setOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(
                capacity: UDPSocket.datagramCapacity * UDPSocket.vectorReadCount))
        }
        readThisCycle = 0
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors surface here as reads fail (e.g. ECONNREFUSED on loopback); UDP loses them like packets.
    }
}

extension SocketAddress {
    fileprivate mutating func setPort(port: Int) throws {
        guard let ip = ipAddress else { return }
        self = try SocketAddress(ipAddress: ip, port: port)
    }
}
