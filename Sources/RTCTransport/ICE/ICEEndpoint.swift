public import NIOCore
import NIOPosix
import RTCCrypto
public import RTCWire

/// The I/O shell of ICE: it binds the UDP sockets (one per local address), gathers host candidates, asks STUN
/// servers for server-reflexive candidates and TURN servers for relayed ones, runs an ``ICEAgent`` on one event
/// loop, and carries application datagrams over the selected pair.
///
/// A relayed candidate is a ``TURNClient`` that the agent sees as one more socket: what the agent sends from it goes
/// through the allocation (a permission is created for the peer's IP on first use; a channel is bound once the
/// pair is selected), and what the allocation relays arrives at the agent as if received on that socket.
///
/// Everything mutable lives in a loop-confined core; the public methods hop onto the loop. Datagrams that are not
/// STUN reach the owner as ``Event/datagram(_:)`` only when they come from the selected pair's socket and remote
/// address (DTLS is accepted from the ICE pair alone), and nothing is sent once consent has expired.
public final class ICEEndpoint: Sendable {
    /// The event loop the agent, its sockets and its timer run on; events are delivered here.
    public let eventLoop: any EventLoop
    /// Internal (not private) for the ORTC extension in ICEEndpoint+ORTC.swift and the gathering extension.
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
        /// STUN servers (a server-reflexive candidate from each host socket) and TURN servers (a relayed candidate
        /// from each), asked concurrently while gathering.
        public var servers: [ICEServer] = []
        /// `.relay`: no host socket, no STUN; only relayed candidates are gathered, offered and paired.
        public var transportPolicy = ICETransportPolicy.all
        /// How long gathering waits for each server; one that has not answered by then is left out (gathering
        /// never hangs on a dead server).
        public var serverTimeout: TimeAmount = .seconds(3)
        public init() {}
    }

    private init(eventLoop: any EventLoop, core: NIOLoopBound<Core>) {
        self.eventLoop = eventLoop
        self.core = core
    }

    /// Gathers candidates: binds a UDP socket on every usable local address (host candidates), then asks every
    /// configured server at once: each STUN server from each host socket (server-reflexive candidates), each TURN
    /// server for an allocation (relayed candidates). Returns when every server has answered or
    /// ``Options/serverTimeout`` has passed, with whatever was gathered.
    public static func gather(
        on eventLoop: any EventLoop, role: ICERole, credentials: ICECredentials = .random(),
        options: Options = Options(), onEvent: @escaping @Sendable (Event) -> Void
    ) async throws -> ICEEndpoint {
        let addresses = options.transportPolicy == .relay ? [] : try localAddresses(options)
        let agent = ICEAgent(role: role, tieBreaker: SecureRandom.uint64(), localCredentials: credentials,
                             crypto: .openSSL, configuration: options.agent, seed: SecureRandom.uint64())
        // One trip to the loop: make the core, bind every host socket at once, add them in address order.
        let core = try await eventLoop.flatSubmit { () -> EventLoopFuture<NIOLoopBound<Core>> in
            let core = NIOLoopBound(Core(eventLoop: eventLoop, agent: agent, onEvent: onEvent), eventLoop: eventLoop)
            let binds = addresses.enumerated().map { index, address in
                UDPSocket.makeBound(host: address, port: 0, on: eventLoop, impairment: options.impairment) { datagram, from in
                    core.value.received(datagram, socket: index, from: from)
                }
            }
            return EventLoopFuture.whenAllComplete(binds, on: eventLoop).flatMap { results in
                var failure: (any Error)?
                for case .failure(let error) in results { failure = failure ?? error }
                let sockets = results.compactMap { try? $0.get() }
                guard let failure else {
                    for (index, socket) in sockets.enumerated() { core.value.add(socket: socket, index: index) }
                    return eventLoop.makeSucceededFuture(core)
                }
                let closes = sockets.map { $0.closeFuture() }
                return EventLoopFuture.andAllComplete(closes, on: eventLoop).flatMapThrowing { throw failure }
            }
        }.get()
        let endpoint = ICEEndpoint(eventLoop: eventLoop, core: core)
        await endpoint.gatherFromServers(options)
        return endpoint
    }

    /// The candidates gathered: host candidates (one per socket), then server-reflexive and relayed ones.
    public var localCandidates: [ICELocalCandidate] {
        get async { (try? await eventLoop.submit { [core] in core.value.agent.localCandidates }.get()) ?? [] }
    }

    /// ``localCredentials`` and ``localCandidates`` read in one trip to the loop (what a description needs).
    public var localCredentialsAndCandidates: (credentials: ICECredentials, candidates: [ICELocalCandidate]) {
        get async {
            (try? await onLoop { ($0.pendingCredentials ?? $0.agent.localCredentials, $0.agent.localCandidates) })
                ?? (.random(), [])
        }
    }

    /// Our ufrag and password, for the description we send: after ``prepareRestart()``, the new ones.
    public var localCredentials: ICECredentials {
        get async { (try? await onLoop { $0.pendingCredentials ?? $0.agent.localCredentials }) ?? .random() }
    }

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
    /// The SOFTWARE the peer's authenticated checks carried (``ICEAgent/peerSoftware``).
    public var peerSoftware: String? { get async { (try? await onLoop { $0.agent.peerSoftware }) ?? nil } }

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

    /// Closes the agent and every socket, and releases every TURN allocation (Refresh with LIFETIME 0, waiting at
    /// most 2 s for the server).
    public func close() async {
        let (sockets, relays) = (try? await onLoop { $0.close() }) ?? ([], [])
        for socket in sockets { await socket.close() }
        await withTaskGroup(of: Void.self) { group in
            for relay in relays { group.addTask { await relay.close(timeout: .seconds(2)) } }
        }
    }

    func onLoop<T: Sendable>(_ body: @escaping @Sendable (Core) -> T) async throws -> T {
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

    /// The loop-confined state: the agent, the sockets, the TURN allocations and the one timer.
    final class Core {
        let eventLoop: any EventLoop
        var agent: ICEAgent
        var sockets: [Int: UDPSocket] = [:]
        /// TURN allocations, by the socket number the agent knows them as (``relaySocketBase`` and up).
        var relays: [Int: TURNClient] = [:]
        /// Binding transactions to STUN servers in flight from host sockets, by an id.
        var bindings: [Int: ServerBinding] = [:]
        var nextBindingID = 0
        var closed = false
        var gatheringFailures: [String] = []
        var timer: Scheduled<Void>?
        /// When ``timer`` fires (nil when it is not armed).
        var timerDeadline: NIODeadline?
        var traffic = Traffic()
        /// New local credentials made for an ICE restart that the peer has not answered yet (ICEEndpoint+Restart).
        var pendingCredentials: ICECredentials?
        /// The outbound half of a simulated NAT rebinding (``ICEEndpoint/setImpairment(_:)``).
        var natPortShift = 0
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
            received(datagram, socket: socket, from: address)
        }

        /// A datagram that arrived on a host socket, or that a TURN allocation relayed from `address`.
        func received(_ datagram: ByteBuffer, socket: Int, from address: STUNAddress) {
            switch PacketClass(classifying: datagram.readableBytesView) {
            case .stun:
                if !bindings.isEmpty && receiveBindingResponse(datagram, socket: socket, from: address) { return }
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
            guard agent.maySend, let pair = agent.selectedPair else { return }
            guard transmit(datagram, socket: pair.local.socket, to: pair.remote.address) else { return }
            traffic.packetsSent += 1
            traffic.bytesSent += datagram.readableBytes
        }

        /// Sends from a host socket, or through a TURN allocation; false when the socket is gone.
        @discardableResult
        func transmit(_ datagram: ByteBuffer, socket index: Int, to address: STUNAddress) -> Bool {
            if let socket = sockets[index] {
                var address = address
                if natPortShift != 0 { address.port = UInt16(truncatingIfNeeded: Int(address.port) - natPortShift) }
                guard let to = try? address.socketAddress() else { return false }
                socket.send(datagram, to: to)
                return true
            }
            if let relay = relays[index] {
                relay.send(datagram, to: address)
                return true
            }
            return false
        }

        func perform(_ actions: [ICEAgent.Action]) {
            for action in actions {
                switch action {
                case .send(let bytes, let socketIndex, let to):
                    transmit(ByteBuffer(bytes: bytes), socket: socketIndex, to: to)
                case .stateChanged(let state): onEvent(.stateChanged(state))
                case .selectedPairChanged(let pair):
                    if let relay = relays[pair.local.socket] {
                        // RFC 8656 §12: ChannelData (4 bytes of overhead) instead of Send indications (36) from now
                        // on; until the channel is bound, data goes as Send indications.
                        let peer = pair.remote.address
                        Task { _ = try? await relay.bindChannel(to: peer) }
                    }
                    onEvent(.selectedPairChanged(pair))
                case .remoteCandidateDiscovered(let candidate): onEvent(.remoteCandidateDiscovered(candidate))
                }
            }
            reschedule()
        }

        func reschedule() {
            let deadline = agent.nextTimeout
            // Every STUN message ends here; most leave the agent's next deadline as it was, and re-arming the
            // same deadline would cost a cancel, a schedule and a timerfd syscall each time.
            if timer != nil && deadline == timerDeadline { return }
            timer?.cancel()
            timer = nil
            timerDeadline = deadline
            guard let deadline else { return }
            timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
                self.timer = nil
                self.timerDeadline = nil
                self.perform(self.agent.handleTimeout(now: .now()))
            }
        }

        func close() -> ([UDPSocket], [TURNClient]) {
            closed = true
            timer?.cancel()
            timer = nil
            perform(agent.close())
            timer?.cancel()
            let all = Array(sockets.values)
            sockets.removeAll()
            let allocations = Array(relays.values)
            relays.removeAll()
            for id in Array(bindings.keys) { finishBinding(id, .failure(TURNError(.closed, "the ICE endpoint closed"))) }
            return (all, allocations)
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
