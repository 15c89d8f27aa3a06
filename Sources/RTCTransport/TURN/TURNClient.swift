public import NIOCore
import NIOPosix
public import RTCCrypto
public import RTCWire

/// The I/O shell of a TURN allocation (RFC 8656): one ``UDPSocket`` (or one TCP or TLS connection, §3.1) talking to one
/// TURN server, a ``TURNAllocation`` state machine confined to the socket's event loop, and the one timer it asks
/// for (request retransmissions and the allocation, permission and channel refreshes).
///
/// Over TCP the stream is split by ``TURNStreamFramer``, ChannelData is padded (§12.5), requests are not
/// retransmitted (a reliable transport; they time out after 39.5 s, RFC 8489 §6.2.2), and the allocation fails
/// when the connection closes. Over TLS (RFC 8656 §3.1, `turns:` of RFC 7065) the same stream runs inside a
/// ``TLSClientEngine`` (TLS 1.2 or 1.3): ``connect(server:username:password:on:options:onData:)`` returns once the
/// handshake has finished and the server's certificate has been accepted (``Options/tlsVerification``), and throws
/// otherwise. The relayed transport is UDP in every case (RFC 6062 TCP relaying is not offered).
///
/// ```swift
/// let client = try await TURNClient.connect(server: server, username: "user", password: "secret",
///                                           on: loop) { peer, payload in … }
/// let relay = try await client.allocate()          // give relay.relayedAddress to the peer
/// try await client.createPermission(for: peer)
/// client.send(payload, to: peer)                   // Send indication
/// _ = try await client.bindChannel(to: peer)       // later sends go as ChannelData
/// await client.close()                             // Refresh LIFETIME 0, then the socket closes
/// ```
///
/// Datagrams from anyone but the server are ignored. The data callback runs on the event loop.
public final class TURNClient: Sendable {
    public let eventLoop: any EventLoop
    /// The TURN server's address.
    public let server: SocketAddress
    /// The local address of the socket that talks to the server.
    public let localAddress: SocketAddress
    private let core: NIOLoopBound<Core>

    /// Data relayed from a peer; called on the event loop.
    public typealias DataHandler = @Sendable (_ peer: STUNAddress, _ payload: ByteBuffer) -> Void

    /// How the client reaches the server.
    public enum Transport: Hashable, Sendable {
        case udp, tcp
        /// TCP inside TLS (RFC 8656 §3.1).
        case tls
    }

    public struct Options: Sendable {
        public var transport = Transport.udp
        /// The local address to bind (the server must be reachable from it).
        public var localHost = "0.0.0.0"
        /// LIFETIME to request, seconds; nil: the server's default.
        public var requestedLifetime: UInt32?
        public var fingerprint = false
        public var retransmission = STUNRetransmission()
        /// Retransmission over UDP; over TCP a request is sent once and waits 39.5 s.
        /// The impairment profile of the UDP socket; nil reads ASYNCRTC_IMPAIR.
        public var impairment: ImpairmentProfile?
        /// How long a TCP connect may take before ``connect(server:username:password:on:options:onData:)`` throws.
        /// How long a TCP connect may take (and then, over TLS, the handshake) before
        /// ``connect(server:username:password:on:options:onData:)`` throws.
        public var connectTimeout: TimeAmount = .seconds(10)
        /// Over TLS: the name the server's certificate must carry and the SNI sent (RFC 6066 §3); nil: the server's
        /// IP address (then no SNI is sent).
        public var tlsServerName: String?
        /// Over TLS: what the server's certificate is checked against; the system trust store by default.
        public var tlsVerification = TLSClientEngine.Verification.systemTrustStore
        public init() {}
    }

    private init(eventLoop: any EventLoop, server: SocketAddress, localAddress: SocketAddress,
                 core: NIOLoopBound<Core>) {
        self.eventLoop = eventLoop
        self.server = server
        self.localAddress = localAddress
        self.core = core
    }

    /// Binds the socket (or connects to the server over TCP); nothing is sent until ``allocate()``.
    public static func connect(
        server: SocketAddress, username: String, password: String, on eventLoop: any EventLoop,
        options: Options = Options(), onData: @escaping DataHandler
    ) async throws -> TURNClient {
        var configuration = TURNAllocation.Configuration(
            username: username, password: password, md5: { MD5.hash($0) }, crypto: .openSSL,
            requestedLifetime: options.requestedLifetime)
        configuration.fingerprint = options.fingerprint
        configuration.retransmission = options.retransmission
        if options.transport != .udp {
            configuration.framing = .stream
            configuration.retransmission = STUNRetransmission(initialRTO: .milliseconds(39_500), maxTransmissions: 1,
                                                              finalWaitMultiplier: 1)
        }
        let machine = TURNAllocation(configuration: configuration)
        let core = try await eventLoop.submit {
            NIOLoopBound(Core(eventLoop: eventLoop, server: server, machine: machine, onData: onData),
                         eventLoop: eventLoop)
        }.get()
        if options.transport != .udp {
            // Over TLS the engine is made here so that a bad name or CA file throws before any connection.
            let engine = try options.transport == .tls ? TLSEngineBox(TLSClientEngine(
                serverName: options.tlsServerName ?? server.ipAddress, verification: options.tlsVerification)) : nil
            let handshake = eventLoop.makePromise(of: Void.self)
            let channel: any Channel
            do {
                channel = try await ClientBootstrap(group: eventLoop)
                    .connectTimeout(options.connectTimeout)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .bind(to: try SocketAddress.makeAddressResolvingHost(options.localHost, port: 0))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let engine {
                                try channel.pipeline.syncOperations.addHandler(
                                    TLSClientHandler(engine: engine.take(), handshake: handshake))
                            }
                            try channel.pipeline.syncOperations.addHandler(StreamHandler(core: core))
                        }
                    }
                    .connect(to: server).get()
            } catch {
                handshake.fail(error)
                throw error
            }
            if engine == nil {
                handshake.succeed(())
            } else {
                // A server that accepts the connection but never finishes the handshake.
                let timeout = eventLoop.scheduleTask(in: options.connectTimeout) {
                    handshake.fail(TURNError(.timedOut, "no TLS handshake within \(options.connectTimeout)"))
                }
                do {
                    try await handshake.futureResult.get()
                    timeout.cancel()
                } catch {
                    timeout.cancel()
                    try? await channel.close()
                    throw error
                }
            }
            try await eventLoop.submit { core.value.stream = channel }.get()
            guard let local = channel.localAddress else {
                try? await channel.close()
                throw ChannelError.unknownLocalAddress
            }
            return TURNClient(eventLoop: eventLoop, server: server, localAddress: local, core: core)
        }
        let socket = try await UDPSocket.bind(host: options.localHost, port: 0, on: eventLoop,
                                              impairment: options.impairment) { datagram, from in
            core.value.received(datagram, from: from)
        }
        try await eventLoop.submit { core.value.socket = socket }.get()
        return TURNClient(eventLoop: eventLoop, server: server, localAddress: socket.localAddress, core: core)
    }

    /// Allocates a relayed transport address (RFC 8656 §7), answering the server's 401 challenge.
    public func allocate() async throws -> TURNAllocation.Allocated {
        try await withPromise(of: TURNAllocation.Allocated.self) { core, promise in core.allocate(promise) }
    }

    /// Installs a permission for the peer's IP (RFC 8656 §9); refreshed automatically until ``close()``.
    public func createPermission(for peer: STUNAddress) async throws {
        try await withPromise(of: Void.self) { core, promise in core.createPermission(peer, promise) }
    }

    /// Binds a channel to the peer (RFC 8656 §12) and returns its number; later data to the peer goes as
    /// ChannelData. Refreshed automatically until ``close()``.
    @discardableResult
    public func bindChannel(to peer: STUNAddress) async throws -> UInt16 {
        try await withPromise(of: UInt16.self) { core, promise in core.bindChannel(peer, promise) }
    }

    /// Refreshes the allocation now and returns the lifetime the server granted (refreshes also happen on their
    /// own before expiry).
    @discardableResult
    public func refresh() async throws -> UInt32 {
        try await withPromise(of: UInt32.self) { core, promise in core.refresh(promise) }
    }

    /// Relays `payload` to `peer` (see ``TURNAllocation/send(_:to:now:)``). Safe from any thread.
    public func send(_ payload: ByteBuffer, to peer: STUNAddress) {
        if eventLoop.inEventLoop {
            core.value.send(payload, to: peer)
        } else {
            eventLoop.execute { [core] in core.value.send(payload, to: peer) }
        }
    }

    /// The allocation's state.
    public var state: TURNAllocation.State {
        get async { (try? await eventLoop.submit { [core] in core.value.machine.state }.get()) ?? .closed }
    }

    /// What the allocation has done so far (requests, retransmissions, challenges, stale nonces).
    public var counters: TURNAllocation.Counters {
        get async { (try? await eventLoop.submit { [core] in core.value.machine.counters }.get()) ?? .init() }
    }

    /// Releases the allocation (Refresh with LIFETIME 0; waits for the answer or the request's timeout) and closes
    /// the socket. Pending operations fail with ``TURNError/Code/closed``.
    public func close() async {
        let closed: EventLoopFuture<Void> = eventLoop.flatSubmit { [core] in
            let promise = core.value.eventLoop.makePromise(of: Void.self)
            core.value.close(promise)
            return promise.futureResult
        }
        try? await closed.get()
        let socket = (try? await eventLoop.submit { [core] in core.value.socket }.get()) ?? nil
        await socket?.close()
        let stream = (try? await eventLoop.submit { [core] in core.value.stream }.get()) ?? nil
        try? await stream?.close()
    }

    /// ``close()``, but waits at most `timeout` for the server to answer the Refresh (a dead server would hold a
    /// UDP close for the whole retransmission schedule): after that the allocation is abandoned and the socket
    /// closed.
    public func close(timeout: TimeAmount) async {
        let abandon = eventLoop.scheduleTask(in: timeout) { [core] in core.value.abandon() }
        await close()
        abandon.cancel()
    }

    private func withPromise<T: Sendable>(
        of type: T.Type, _ body: @escaping @Sendable (Core, EventLoopPromise<T>) -> Void
    ) async throws -> T {
        let future: EventLoopFuture<T> = eventLoop.flatSubmit { [core] in
            let promise = core.value.eventLoop.makePromise(of: T.self)
            body(core.value, promise)
            return promise.futureResult
        }
        return try await future.get()
    }

    /// The loop-confined state: the machine, the socket, the timer and the promises of waiting callers.
    final class Core {
        let eventLoop: any EventLoop
        let server: SocketAddress
        let serverAddress: STUNAddress?
        var machine: TURNAllocation
        var socket: UDPSocket?
        var stream: (any Channel)?
        var framer = TURNStreamFramer()
        var timer: Scheduled<Void>?
        var timerDeadline: NIODeadline?
        let onData: DataHandler
        var allocatePromises: [EventLoopPromise<TURNAllocation.Allocated>] = []
        var permissionPromises: [STUNAddress.IP: [EventLoopPromise<Void>]] = [:]
        var channelPromises: [STUNAddress: [EventLoopPromise<UInt16>]] = [:]
        var refreshPromises: [EventLoopPromise<UInt32>] = []
        var closePromises: [EventLoopPromise<Void>] = []

        init(eventLoop: any EventLoop, server: SocketAddress, machine: TURNAllocation, onData: @escaping DataHandler) {
            self.eventLoop = eventLoop
            self.server = server
            self.serverAddress = STUNAddress(socketAddress: server)
            self.machine = machine
            self.onData = onData
        }

        func allocate(_ promise: EventLoopPromise<TURNAllocation.Allocated>) {
            switch machine.state {
            case .allocated:
                if let allocation = machine.allocation { promise.succeed(allocation) } else { promise.fail(TURNAllocation.notAllocated) }
            case .idle, .allocating:
                allocatePromises.append(promise)
                perform(machine.allocate(now: .now()))
            case .failed(let error):
                promise.fail(error)
            case .deallocating, .closed:
                promise.fail(TURNError(.closed, "the client is closed"))
            }
        }

        func createPermission(_ peer: STUNAddress, _ promise: EventLoopPromise<Void>) {
            permissionPromises[peer.ip, default: []].append(promise)
            perform(machine.createPermission(for: peer, now: .now()))
        }

        func bindChannel(_ peer: STUNAddress, _ promise: EventLoopPromise<UInt16>) {
            channelPromises[peer, default: []].append(promise)
            perform(machine.bindChannel(to: peer, now: .now()))
        }

        func refresh(_ promise: EventLoopPromise<UInt32>) {
            guard machine.state == .allocated else {
                promise.fail(TURNAllocation.notAllocated)
                return
            }
            refreshPromises.append(promise)
            perform(machine.refresh(now: .now()))
        }

        func send(_ payload: ByteBuffer, to peer: STUNAddress) {
            perform(machine.send(payload, to: peer, now: .now()))
        }

        func close(_ promise: EventLoopPromise<Void>) {
            closePromises.append(promise)
            perform(machine.deallocate(now: .now()))
            switch machine.state {
            case .closed, .failed: finish(TURNError(.closed, "the client is closed"))
            default: break
            }
        }

        /// Gives up on the server: as if the connection had closed, which ends a pending deallocation.
        func abandon() {
            perform(machine.transportClosed())
        }

        func received(_ datagram: ByteBuffer, from: SocketAddress) {
            // Only the server speaks to us (RFC 8656 §7.3 / §11: the 5-tuple).
            guard let serverAddress, STUNAddress(socketAddress: from) == serverAddress else { return }
            perform(machine.receive(datagram, now: .now()))
        }

        /// Bytes from the TCP connection: every complete frame goes to the machine; a broken stream is dropped.
        func receivedStream(_ bytes: ByteBuffer) {
            framer.append(bytes)
            do {
                while let frame = try framer.nextFrame() {
                    perform(machine.receive(frame, now: .now()))
                }
            } catch {
                stream?.close(promise: nil)
            }
        }

        func streamClosed() {
            stream = nil
            perform(machine.transportClosed())
        }

        func perform(_ actions: [TURNAllocation.Action]) {
            for action in actions {
                switch action {
                case .send(let bytes):
                    if let stream {
                        stream.writeAndFlush(bytes, promise: nil)
                    } else {
                        socket?.send(bytes, to: server)
                    }
                case .allocated(let allocated):
                    let waiting = allocatePromises
                    allocatePromises = []
                    waiting.forEach { $0.succeed(allocated) }
                case .refreshed(let lifetime):
                    let waiting = refreshPromises
                    refreshPromises = []
                    waiting.forEach { $0.succeed(lifetime) }
                case .permissionCreated(let ip):
                    permissionPromises.removeValue(forKey: ip)?.forEach { $0.succeed(()) }
                case .permissionFailed(let ip, let error):
                    permissionPromises.removeValue(forKey: ip)?.forEach { $0.fail(error) }
                case .channelBound(let peer, let channel):
                    channelPromises.removeValue(forKey: peer)?.forEach { $0.succeed(channel) }
                case .channelBindFailed(let peer, let error):
                    channelPromises.removeValue(forKey: peer)?.forEach { $0.fail(error) }
                case .received(let peer, let payload):
                    onData(peer, payload)
                case .failed(let error):
                    finish(error)
                case .closed:
                    finish(TURNError(.closed, "the allocation was released"))
                }
            }
            rearmTimer()
        }

        /// Fails everything still waiting and completes ``close()``.
        func finish(_ error: TURNError) {
            allocatePromises.forEach { $0.fail(error) }
            refreshPromises.forEach { $0.fail(error) }
            permissionPromises.values.joined().forEach { $0.fail(error) }
            channelPromises.values.joined().forEach { $0.fail(error) }
            closePromises.forEach { $0.succeed(()) }
            allocatePromises = []
            refreshPromises = []
            permissionPromises = [:]
            channelPromises = [:]
            closePromises = []
        }

        func rearmTimer() {
            let next = machine.nextTimeout
            guard next != timerDeadline else { return }
            timer?.cancel()
            timer = nil
            timerDeadline = next
            guard let next else { return }
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            timer = eventLoop.scheduleTask(deadline: next) {
                bound.value.timerDeadline = nil
                bound.value.perform(bound.value.machine.handleTimeout(now: .now()))
            }
        }
    }
}

/// Feeds a TCP connection's bytes to the client's core. Lives on the connection's event loop, the core's loop.
final class StreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let core: NIOLoopBound<TURNClient.Core>

    init(core: NIOLoopBound<TURNClient.Core>) {
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        core.value.receivedStream(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.value.streamClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
