import NIOCore
import NIOPosix
import RTCWire

/// Gathering from STUN and TURN servers (RFC 8445 §5.1.1.1 and §5.1.1.2).
///
/// Every server is asked at once and each one is given ``ICEEndpoint/Options/serverTimeout``: gathering blocks
/// until all have answered or timed out (no late candidates are trickled), so it takes at most about that long.
extension ICEEndpoint {
    /// Socket numbers of TURN allocations start here (host sockets count from 0).
    static let relaySocketBase = 1 << 20

    /// Why a server gave no candidate, one line per server (e.g. "stun:127.0.0.1:9: timed out"), for diagnostics.
    public var gatheringFailures: [String] { get async { (try? await onLoop { $0.gatheringFailures }) ?? [] } }

    /// The counters of every TURN allocation (Send indications, ChannelData, …), in server order: tests use them
    /// to prove that traffic went through the relay.
    public var relayCounters: [TURNAllocation.Counters] {
        get async {
            let relays = (try? await onLoop { core in core.relays.sorted { $0.key < $1.key }.map(\.value) }) ?? []
            var result: [TURNAllocation.Counters] = []
            for relay in relays { result.append(await relay.counters) }
            return result
        }
    }

    func gatherFromServers(_ options: Options) async {
        var seen = Set<ICEServer>()
        var work: [(index: Int, server: ICEServer)] = []
        for (index, server) in options.servers.enumerated() where seen.insert(server).inserted {
            if server.kind == .stun && options.transportPolicy == .relay { continue }
            work.append((index, server))
        }
        guard !work.isEmpty else { return }
        let deadline = NIODeadline.now() + options.serverTimeout
        await withTaskGroup(of: Void.self) { group in
            for (index, server) in work {
                group.addTask {
                    switch server.kind {
                    case .stun: await self.gatherServerReflexive(from: server, deadline: deadline)
                    case .turn: await self.gatherRelayed(from: server, index: index, options: options, deadline: deadline)
                    }
                }
            }
        }
    }

    private func noteFailure(_ server: ICEServer, _ reason: String) async {
        let line = server.transport == .tls ? "turns:\(server.host):\(server.port): \(reason)"
            : "\(server.kind.rawValue):\(server.host):\(server.port)?transport=\(server.transport.rawValue): \(reason)"
        _ = try? await onLoop { $0.gatheringFailures.append(line) }
    }

    /// The server's address; a host name is looked up on NIO's thread pool (getaddrinfo blocks).
    private static func resolve(_ server: ICEServer) async -> SocketAddress? {
        let host = server.host, port = server.port
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return literal }
        return try? await NIOThreadPool.singleton.runIfActive {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
    }

    /// One Binding request from every host socket of the server's address family (RFC 8445 §5.1.1.1).
    private func gatherServerReflexive(from server: ICEServer, deadline: NIODeadline) async {
        guard let resolved = await Self.resolve(server), let address = STUNAddress(socketAddress: resolved) else {
            await noteFailure(server, "cannot resolve the host")
            return
        }
        let hosts = (try? await onLoop { core in
            core.agent.localCandidates.filter { $0.type == .host && $0.address.family == address.family }
        }) ?? []
        // RTO × (1 + 2 + 4) + 4 × RTO = 11 RTO: four transmissions within the budget.
        let budget = deadline - .now()
        let retransmission = STUNRetransmission(initialRTO: .nanoseconds(max(budget.nanoseconds / 11, 1_000_000)),
                                                maxTransmissions: 4, finalWaitMultiplier: 4)
        let core = self.core
        await withTaskGroup(of: Void.self) { group in
            for host in hosts {
                group.addTask {
                    let future: EventLoopFuture<STUNAddress> = self.eventLoop.flatSubmit {
                        core.value.discover(socket: host.socket, server: address, retransmission: retransmission,
                                            deadline: deadline)
                    }
                    do {
                        let mapped = try await future.get()
                        _ = try? await self.onLoop { core in
                            core.addServerReflexive(ICELocalCandidate.serverReflexive(host: host, mapped: mapped, server: address))
                        }
                    } catch {
                        await self.noteFailure(server, "from \(host.address): \(error)")
                    }
                }
            }
        }
    }

    /// An allocation on a TURN server (RFC 8445 §5.1.1.2, RFC 8656 §7), kept until ``close()``.
    private func gatherRelayed(from server: ICEServer, index: Int, options: Options, deadline: NIODeadline) async {
        guard let username = server.username, let password = server.password else {
            await noteFailure(server, "no username and credential")
            return
        }
        guard let resolved = await Self.resolve(server), let serverAddress = STUNAddress(socketAddress: resolved) else {
            await noteFailure(server, "cannot resolve the host")
            return
        }
        var turnOptions = TURNClient.Options()
        turnOptions.transport = switch server.transport {
        case .udp: .udp
        case .tcp: .tcp
        case .tls: .tls
        }
        turnOptions.tlsServerName = server.host
        turnOptions.tlsVerification = server.tlsVerification
        let ipv6 = serverAddress.family == .ipv6
        turnOptions.localHost = options.loopbackOnly ? (ipv6 ? "::1" : "127.0.0.1") : (ipv6 ? "::" : "0.0.0.0")
        turnOptions.impairment = options.impairment
        // Refreshes later use this schedule too: 5.75 s before a silent server fails the allocation.
        turnOptions.retransmission = STUNRetransmission(initialRTO: .milliseconds(250), maxTransmissions: 5,
                                                        finalWaitMultiplier: 8)
        // Over TLS the handshake gets this budget too: a bad certificate fails at once, a mute server at the deadline.
        turnOptions.connectTimeout = max(deadline - .now(), .milliseconds(1))
        let socket = Self.relaySocketBase + index
        let core = self.core
        let client: TURNClient
        do {
            client = try await TURNClient.connect(server: resolved, username: username, password: password,
                                                  on: eventLoop, options: turnOptions) { peer, payload in
                core.value.received(payload, socket: socket, from: peer)
            }
        } catch {
            await noteFailure(server, "cannot connect: \(error)")
            return
        }
        // A server that does not answer in time: closing the client fails the pending Allocate.
        let remaining = deadline - .now()
        let watchdog = Task {
            do { try await Task.sleep(for: .nanoseconds(max(remaining.nanoseconds, 0))) } catch { return }
            await client.close(timeout: .milliseconds(100))
        }
        let allocated: TURNAllocation.Allocated
        do {
            allocated = try await client.allocate()
            watchdog.cancel()
        } catch {
            watchdog.cancel()
            await noteFailure(server, "\(error)")
            await client.close(timeout: .milliseconds(500))
            return
        }
        // Relay-only hides this host's addresses from the peer: the related address becomes 0.0.0.0:0 (as browsers
        // signal it under that policy) and the foundation is not derived from the local address.
        let hidden = options.transportPolicy == .relay
        let clientBase = hidden ? allocated.relayedAddress
            : STUNAddress(socketAddress: client.localAddress) ?? allocated.relayedAddress
        let related = hidden ? STUNAddress.unspecified(like: allocated.relayedAddress) : allocated.mappedAddress
        let candidate = ICELocalCandidate.relayed(
            socket: socket, relayed: allocated.relayedAddress, mapped: related, clientBase: clientBase,
            server: serverAddress, transport: server.transport, serverIndex: index)
        let kept = (try? await onLoop { core in core.addRelay(client, candidate: candidate) }) ?? false
        if !kept { await client.close(timeout: .seconds(1)) }
    }
}

extension ICEEndpoint.Core {
    /// One Binding transaction to a STUN server, sent from a host socket so the mapping is that socket's.
    struct ServerBinding {
        var client: STUNBindingClient
        let socket: Int
        let server: STUNAddress
        let promise: EventLoopPromise<STUNAddress>
        var timer: Scheduled<Void>?
        var deadline: Scheduled<Void>?
    }

    func discover(socket: Int, server: STUNAddress, retransmission: STUNRetransmission,
                  deadline: NIODeadline) -> EventLoopFuture<STUNAddress> {
        let promise = eventLoop.makePromise(of: STUNAddress.self)
        guard !closed, sockets[socket] != nil else {
            promise.fail(TURNError(.closed, "the socket is gone"))
            return promise.futureResult
        }
        let id = nextBindingID
        nextBindingID += 1
        bindings[id] = ServerBinding(client: STUNBindingClient(crypto: .openSSL, retransmission: retransmission),
                                     socket: socket, server: server, promise: promise)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        bindings[id]?.deadline = eventLoop.scheduleTask(deadline: deadline) {
            bound.value.finishBinding(id, .failure(TURNError(.timedOut, "no Binding response in time")))
        }
        driveBinding(id, bindings[id]?.client.start(now: .now()) ?? [])
        return promise.futureResult
    }

    /// Feeds a STUN datagram from a server we are asking to its transaction; false if none took it (then it is
    /// the agent's).
    func receiveBindingResponse(_ datagram: ByteBuffer, socket: Int, from address: STUNAddress) -> Bool {
        guard let id = bindings.first(where: { $0.value.socket == socket && $0.value.server == address })?.key,
              let actions = bindings[id]?.client.receive(datagram, now: .now()), !actions.isEmpty else { return false }
        driveBinding(id, actions)
        return true
    }

    func driveBinding(_ id: Int, _ actions: [STUNBindingClient.Action]) {
        guard let binding = bindings[id] else { return }
        for action in actions {
            switch action {
            case .send(let bytes): transmit(bytes, socket: binding.socket, to: binding.server)
            case .completed(let mapped): finishBinding(id, .success(mapped)); return
            case .failed(let error): finishBinding(id, .failure(error)); return
            }
        }
        bindings[id]?.timer?.cancel()
        bindings[id]?.timer = nil
        if let next = bindings[id]?.client.nextTimeout {
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            bindings[id]?.timer = eventLoop.scheduleTask(deadline: next) {
                guard let actions = bound.value.bindings[id]?.client.handleTimeout(now: .now()) else { return }
                bound.value.driveBinding(id, actions)
            }
        }
    }

    func finishBinding(_ id: Int, _ result: Result<STUNAddress, TURNError>) {
        guard let binding = bindings.removeValue(forKey: id) else { return }
        binding.timer?.cancel()
        binding.deadline?.cancel()
        binding.promise.completeWith(result.mapError { $0 as any Error })
    }

    /// Adds a server-reflexive candidate unless one with the same address and base exists (two STUN servers seeing
    /// the same mapping give one candidate).
    func addServerReflexive(_ candidate: ICELocalCandidate) {
        guard !closed, !agent.localCandidates.contains(where: {
            $0.type == .serverReflexive && $0.address == candidate.address && $0.base == candidate.base
        }) else { return }
        agent.addLocalCandidate(candidate)
    }

    /// Keeps an allocation and offers its relayed candidate; false if the endpoint closed meanwhile or the same
    /// relayed address is already known.
    func addRelay(_ client: TURNClient, candidate: ICELocalCandidate) -> Bool {
        guard !closed, !agent.localCandidates.contains(where: { $0.address == candidate.address }) else { return false }
        relays[candidate.socket] = client
        agent.addLocalCandidate(candidate)
        return true
    }
}

extension STUNAddress {
    /// `0.0.0.0:0` or `[::]:0`, of `address`'s family.
    static func unspecified(like address: STUNAddress) -> STUNAddress {
        STUNAddress(ip: address.family == .ipv6 ? .v6(0, 0) : .v4(0), port: 0)
    }
}
