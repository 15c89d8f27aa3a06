public import NIOCore
import NIOPosix
import RTCCrypto
public import RTCWire

/// The I/O shell of ICE: it binds the UDP sockets (one per local address), gathers host candidates, runs an
/// ``ICEAgent`` on one event loop, and carries application datagrams over the selected pair.
///
/// Everything mutable lives in a loop-confined core; the public methods hop onto the loop. Datagrams that are not
/// STUN reach the owner as ``Event/datagram(_:)`` only when they come from the selected pair's socket and remote
/// address (DTLS is accepted from the ICE pair alone), and nothing is sent once consent has expired.
public final class ICEEndpoint: Sendable {
    /// The event loop the agent, its sockets and its timer run on; events are delivered here.
    public let eventLoop: any EventLoop
    /// Internal (not private) for the ORTC extension in ICEEndpoint+ORTC.swift.
    let core: NIOLoopBound<Core>

    /// Events, delivered on the endpoint's event loop.
    public enum Event: Sendable {
        case stateChanged(ICEAgent.State)
        case selectedPairChanged(ICECandidatePair)
        case remoteCandidateDiscovered(ICERemoteCandidate)
        /// An application datagram (DTLS, SRTP, …) from the selected pair.
        case datagram(ByteBuffer)
    }

    /// What ``gather(on:role:credentials:options:onEvent:)`` binds, and how the agent and sockets behave.
    public struct Options: Sendable {
        /// Bind loopback addresses too (tests and same-host setups need them; browsers skip them).
        public var includeLoopback = false
        /// Skip interfaces other than loopback (for tests in a sandbox).
        public var loopbackOnly = false
        /// Bind IPv6 addresses too (link-local ones are always skipped: a candidate line cannot carry their scope).
        public var includeIPv6 = true
        /// The agent's timers and limits.
        public var agent = ICEAgent.Configuration()
        /// The impairment profile of every socket; nil reads ASYNCRTC_IMPAIR.
        public var impairment: ImpairmentProfile? = nil
        public init() {}
    }

    private init(eventLoop: any EventLoop, core: NIOLoopBound<Core>) {
        self.eventLoop = eventLoop
        self.core = core
    }

    /// Gathers host candidates: binds a UDP socket on every usable local address.
    public static func gather(
        on eventLoop: any EventLoop, role: ICERole, credentials: ICECredentials = .random(),
        options: Options = Options(), onEvent: @escaping @Sendable (Event) -> Void
    ) async throws -> ICEEndpoint {
        let addresses = try localAddresses(options)
        let agent = ICEAgent(role: role, tieBreaker: SecureRandom.uint64(), localCredentials: credentials,
                             crypto: .openSSL, configuration: options.agent, seed: SecureRandom.uint64())
        let core = try await eventLoop.submit {
            NIOLoopBound(Core(eventLoop: eventLoop, agent: agent, onEvent: onEvent), eventLoop: eventLoop)
        }.get()
        let endpoint = ICEEndpoint(eventLoop: eventLoop, core: core)
        let bound = endpoint.core
        for (index, address) in addresses.enumerated() {
            let socket = try await UDPSocket.bind(host: address, port: 0, on: eventLoop, impairment: options.impairment) {
                datagram, from in
                bound.value.received(datagram, socket: index, from: from)
            }
            try await eventLoop.submit {
                bound.value.add(socket: socket, index: index)
            }.get()
        }
        return endpoint
    }

    /// The candidates gathered (host candidates, one per socket).
    public var localCandidates: [ICELocalCandidate] {
        get async { (try? await eventLoop.submit { [core] in core.value.agent.localCandidates }.get()) ?? [] }
    }

    /// Our ufrag and password, for the description we send.
    public var localCredentials: ICECredentials { get async { (try? await onLoop { $0.agent.localCredentials }) ?? .random() } }

    /// Starts checks with the peer's credentials (candidates may come before or after).
    public func start(remoteCredentials: ICECredentials) {
        eventLoop.execute { [core] in core.value.start(remoteCredentials) }
    }

    /// Adds a candidate the peer signalled.
    public func addRemoteCandidate(_ candidate: ICERemoteCandidate) {
        eventLoop.execute { [core] in core.value.addRemote(candidate) }
    }

    /// Records that the peer has no more candidates.
    public func endOfRemoteCandidates() {
        eventLoop.execute { [core] in core.value.endOfCandidates() }
    }

    /// Sends an application datagram on the selected pair; dropped when there is none or consent has expired.
    public func send(_ datagram: ByteBuffer) {
        if eventLoop.inEventLoop {
            core.value.send(datagram)
        } else {
            eventLoop.execute { [core] in core.value.send(datagram) }
        }
    }

    /// The agent's connection state.
    public var state: ICEAgent.State { get async { (try? await onLoop { $0.agent.state }) ?? .closed } }
    /// The pair application data uses, if one is selected.
    public var selectedPair: ICECandidatePair? { get async { try? await onLoop { $0.agent.selectedPair } } }
    /// What the agent refused so far.
    public var counters: ICEAgent.Counters { get async { (try? await onLoop { $0.agent.counters }) ?? .init() } }

    /// Application datagrams and bytes carried over the selected pair (for transport stats).
    public struct Traffic: Hashable, Sendable {
        public var packetsSent = 0
        public var bytesSent = 0
        public var packetsReceived = 0
        public var bytesReceived = 0
        public init() {}
    }

    public var traffic: Traffic { get async { (try? await onLoop { $0.traffic }) ?? .init() } }

    /// Every pair and the remote candidates, as the agent knows them now.
    public var pairs: [ICECandidatePair] { get async { (try? await onLoop { $0.agent.pairs }) ?? [] } }

    /// Closes the agent and every socket.
    public func close() async {
        let sockets = (try? await onLoop { $0.close() }) ?? []
        for socket in sockets { await socket.close() }
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable (Core) -> T) async throws -> T {
        try await eventLoop.submit { [core] in body(core.value) }.get()
    }

    static func localAddresses(_ options: Options) throws -> [String] {
        var result: [String] = []
        for device in try System.enumerateDevices() {
            guard let address = device.address, let ip = address.ipAddress else { continue }
            let isLoopback = ip == "127.0.0.1" || ip == "::1" || ip.hasPrefix("127.")
            if isLoopback && !(options.includeLoopback || options.loopbackOnly) { continue }
            if !isLoopback && options.loopbackOnly { continue }
            if case .v6 = address {
                // Link-local addresses need a scope id the candidate line cannot carry.
                if !options.includeIPv6 || ip.lowercased().hasPrefix("fe80") { continue }
            }
            if !result.contains(ip) { result.append(ip) }
        }
        return result
    }

    /// The loop-confined state: the agent, the sockets and the one timer.
    final class Core {
        let eventLoop: any EventLoop
        var agent: ICEAgent
        var sockets: [Int: UDPSocket] = [:]
        var timer: Scheduled<Void>?
        var traffic = Traffic()
        let onEvent: @Sendable (Event) -> Void

        init(eventLoop: any EventLoop, agent: ICEAgent, onEvent: @escaping @Sendable (Event) -> Void) {
            self.eventLoop = eventLoop
            self.agent = agent
            self.onEvent = onEvent
        }

        func add(socket: UDPSocket, index: Int) {
            sockets[index] = socket
            guard let address = STUNAddress(socketAddress: socket.localAddress) else { return }
            // RFC 8421: prefer IPv6 over IPv4, and earlier interfaces over later ones.
            let familyPreference: UInt16 = address.family == .ipv6 ? 0x8000 : 0x4000
            let preference = familyPreference | UInt16(clamping: 0x3FFF - min(index, 0x3FFF))
            agent.addLocalCandidate(.host(socket: index, address: address, localPreference: preference))
        }

        func start(_ remote: ICECredentials) {
            agent.setRemoteCredentials(remote)
            perform(agent.start(now: .now()))
        }

        func addRemote(_ candidate: ICERemoteCandidate) {
            perform(agent.addRemoteCandidate(candidate, now: .now()))
        }

        func endOfCandidates() {
            perform(agent.endOfRemoteCandidates(now: .now()))
        }

        func received(_ datagram: ByteBuffer, socket: Int, from: SocketAddress) {
            guard let address = STUNAddress(socketAddress: from) else { return }
            switch PacketClass(classifying: datagram.readableBytesView) {
            case .stun:
                perform(agent.receiveSTUN(datagram, socket: socket, from: address, now: .now()))
            case .dtls, .rtp, .rtcp:
                guard let selected = agent.selectedPair, selected.matches(socket: socket, remote: address) else { return }
                agent.noteInboundTraffic(socket: socket, from: address, now: .now())
                traffic.packetsReceived += 1
                traffic.bytesReceived += datagram.readableBytes
                onEvent(.datagram(datagram))
            default:
                return
            }
        }

        func send(_ datagram: ByteBuffer) {
            guard agent.maySend, let pair = agent.selectedPair, let socket = sockets[pair.local.socket],
                  let to = try? pair.remote.address.socketAddress() else { return }
            traffic.packetsSent += 1
            traffic.bytesSent += datagram.readableBytes
            socket.send(datagram, to: to)
        }

        func perform(_ actions: [ICEAgent.Action]) {
            for action in actions {
                switch action {
                case .send(let bytes, let socketIndex, let to):
                    if let socket = sockets[socketIndex], let address = try? to.socketAddress() {
                        socket.send(ByteBuffer(bytes: bytes), to: address)
                    }
                case .stateChanged(let state): onEvent(.stateChanged(state))
                case .selectedPairChanged(let pair): onEvent(.selectedPairChanged(pair))
                case .remoteCandidateDiscovered(let candidate): onEvent(.remoteCandidateDiscovered(candidate))
                }
            }
            reschedule()
        }

        func reschedule() {
            timer?.cancel()
            timer = nil
            guard let deadline = agent.nextTimeout else { return }
            timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
                self.timer = nil
                self.perform(self.agent.handleTimeout(now: .now()))
            }
        }

        func close() -> [UDPSocket] {
            timer?.cancel()
            timer = nil
            perform(agent.close())
            timer?.cancel()
            let all = Array(sockets.values)
            sockets.removeAll()
            return all
        }
    }
}

extension STUNCryptoFunctions {
    /// HMAC-SHA1 and HMAC-SHA256 (computed by OpenSSL) and CRC-32 (pure Swift), from RTCCrypto.
    public static let openSSL = STUNCryptoFunctions(
        hmacSHA1: { HMAC.authenticationCode(.sha1, key: $0, message: $1) },
        hmacSHA256: { HMAC.authenticationCode(.sha256, key: $0, message: $1) },
        crc32: { CRC32.checksum($0) })
}

extension STUNAddress {
    /// The address of a NIO socket address (IPv4 or IPv6); nil for Unix sockets.
    public init?(socketAddress: SocketAddress) {
        guard let ip = socketAddress.ipAddress, let port = socketAddress.port, let parsed = IP(ip),
              let port16 = UInt16(exactly: port) else { return nil }
        self.init(ip: parsed, port: port16)
    }

    /// As a NIO socket address.
    public func socketAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: "\(ip)", port: Int(port))
    }
}
