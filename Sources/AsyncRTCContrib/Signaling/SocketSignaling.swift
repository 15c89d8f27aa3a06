import AsyncRTC
import NIOCore
import NIOPosix

/// Where a socket signaling listens or connects.
enum SignalingEndpoint: Sendable {
    case tcp(host: String, port: Int)
    case unix(path: String)
}

/// The shared machinery of ``TcpSocketSignaling`` and ``UnixSocketSignaling``: the first `send` listens for the
/// peer, the first `receive` connects to it (retrying until it listens), then both use one line connection.
actor SocketSignalingCore {
    private let endpoint: SignalingEndpoint
    private let connectTimeout: Duration
    private let acceptTimeout: Duration?
    private var connection: LineConnection?
    private var closed = false

    init(endpoint: SignalingEndpoint, connectTimeout: Duration, acceptTimeout: Duration?) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.acceptTimeout = acceptTimeout
    }

    func send(_ message: SignalingMessage) async throws {
        try await established(asListener: true).send(message.encoded())
    }

    func receive() async throws -> SignalingMessage? {
        let connection = try await established(asListener: false)
        while let line = try await connection.receive() {
            if line.isEmpty { continue }
            if let message = try SignalingMessage(decoding: line) { return message }
        }
        return nil
    }

    func close() async {
        closed = true
        await connection?.close()
        connection = nil
    }

    private func established(asListener: Bool) async throws -> LineConnection {
        if let connection { return connection }
        guard !closed else { throw RTCError(.invalidState, "signaling is closed") }
        let made = asListener ? try await listen() : try await connectWithRetry()
        connection = made
        return made
    }

    /// Listens, takes the first connection, and stops listening.
    private func listen() async throws -> LineConnection {
        let group = MultiThreadedEventLoopGroup.singleton
        let accepted = group.next().makePromise(of: LineConnection.self)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                LineConnection.install(on: channel, ready: accepted)
            }
        let server: any Channel
        switch endpoint {
        case .tcp(let host, let port):
            server = try await bootstrap.bind(host: host, port: port).get()
        case .unix(let path):
            server = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        // One peer only: stop listening once it is connected (or the wait failed).
        defer { server.close(promise: nil) }
        if let acceptTimeout {
            let nanoseconds = acceptTimeout.components.seconds * 1_000_000_000 + acceptTimeout.components.attoseconds / 1_000_000_000
            let timer = server.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                accepted.fail(RTCError(.operation, "no peer connected to the signaling socket within \(acceptTimeout)"))
            }
            accepted.futureResult.whenComplete { _ in timer.cancel() }
        }
        return try await accepted.futureResult.get()
    }

    /// Connects, retrying every 100 ms until the listener is up or the timeout passes.
    private func connectWithRetry() async throws -> LineConnection {
        let deadline = ContinuousClock.now + connectTimeout
        while true {
            do {
                let group = MultiThreadedEventLoopGroup.singleton
                let made = group.next().makePromise(of: LineConnection.self)
                // The framing goes in before the channel is active, so no early bytes slip past it.
                let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
                    LineConnection.install(on: channel, ready: made)
                }
                do {
                    // The channel stays open through its pipeline; `made` hands out the connection once active.
                    switch endpoint {
                    case .tcp(let host, let port): _ = try await bootstrap.connect(host: host, port: port).get()
                    case .unix(let path): _ = try await bootstrap.connect(unixDomainSocketPath: path).get()
                    }
                } catch {
                    made.fail(error)
                    throw error
                }
                return try await made.futureResult.get()
            } catch {
                if ContinuousClock.now >= deadline || closed { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// Signaling over a TCP socket, wire-compatible with aiortc's `TcpSocketSignaling(host, port)`.
public struct TcpSocketSignaling: Signaling {
    private let core: SocketSignalingCore

    /// - Parameters:
    ///   - host: the address to listen on or connect to; aiortc's default is `127.0.0.1`.
    ///   - port: the TCP port; aiortc's default is 1234.
    ///   - connectTimeout: how long the connecting side keeps retrying for the listener.
    ///   - acceptTimeout: how long the listening side waits for the peer; nil (aiortc's behaviour) waits forever.
    public init(host: String = "127.0.0.1", port: Int = 1234, connectTimeout: Duration = .seconds(60),
                acceptTimeout: Duration? = nil) {
        core = SocketSignalingCore(endpoint: .tcp(host: host, port: port), connectTimeout: connectTimeout,
                                   acceptTimeout: acceptTimeout)
    }

    public func connect() async throws {}
    public func send(_ message: SignalingMessage) async throws { try await core.send(message) }
    public func receive() async throws -> SignalingMessage? { try await core.receive() }
    public func close() async { await core.close() }
}

/// Signaling over a Unix domain socket, wire-compatible with aiortc's `UnixSocketSignaling(path)`.
public struct UnixSocketSignaling: Signaling {
    private let core: SocketSignalingCore

    /// - Parameters:
    ///   - path: the socket file; aiortc's default is `aiortc.socket`. The listening side replaces an existing file.
    ///   - connectTimeout: how long the connecting side keeps retrying for the listener.
    ///   - acceptTimeout: how long the listening side waits for the peer; nil (aiortc's behaviour) waits forever.
    public init(path: String = "aiortc.socket", connectTimeout: Duration = .seconds(60), acceptTimeout: Duration? = nil) {
        core = SocketSignalingCore(endpoint: .unix(path: path), connectTimeout: connectTimeout,
                                   acceptTimeout: acceptTimeout)
    }

    public func connect() async throws {}
    public func send(_ message: SignalingMessage) async throws { try await core.send(message) }
    public func receive() async throws -> SignalingMessage? { try await core.receive() }
    public func close() async { await core.close() }
}
