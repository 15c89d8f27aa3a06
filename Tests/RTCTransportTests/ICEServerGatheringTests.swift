import AsyncRTCTesting
import Foundation
import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import RTCWire
import Synchronization
import Testing

/// Priorities of server-reflexive and relayed candidates; no server needed.
@Suite struct ICEServerCandidateTests {
    @Test func serverReflexiveTakesItsHostsPreferenceAndRelatedAddress() throws {
        let host = ICELocalCandidate.host(socket: 3, address: try #require(STUNAddress("10.0.0.2:5000")), localPreference: 0x4005)
        let mapped = try #require(STUNAddress("198.51.100.7:61000"))
        let server = try #require(STUNAddress("192.0.2.1:3478"))
        let srflx = ICELocalCandidate.serverReflexive(host: host, mapped: mapped, server: server)
        #expect(srflx.type == .serverReflexive)
        #expect(srflx.socket == 3)
        #expect(srflx.base == host.address)
        #expect(srflx.relatedAddress == host.address)
        #expect(srflx.priority == ICEPriority.candidate(type: .serverReflexive, localPreference: 0x4005))
        #expect(srflx.priority >> 24 == 100)
        #expect(srflx.foundation != host.foundation)
        // Another server: another foundation (RFC 8445 §5.1.1.3).
        let other = ICELocalCandidate.serverReflexive(host: host, mapped: mapped, server: try #require(STUNAddress("192.0.2.9:3478")))
        #expect(other.foundation != srflx.foundation)
    }

    @Test func relayedPrefersUDPAndEarlierServers() throws {
        let relayed = try #require(STUNAddress("192.0.2.1:50000"))
        let mapped = try #require(STUNAddress("198.51.100.7:61000"))
        let base = try #require(STUNAddress("10.0.0.2:40000"))
        let server = try #require(STUNAddress("192.0.2.1:3478"))
        func make(_ transport: ICEServer.Transport, _ index: Int) -> ICELocalCandidate {
            .relayed(socket: 99, relayed: relayed, mapped: mapped, clientBase: base, server: server, transport: transport,
                     serverIndex: index)
        }
        let udp = make(.udp, 0), tcp = make(.tcp, 0), laterUDP = make(.udp, 1)
        #expect(udp.priority >> 24 == 0)
        #expect(udp.priority > tcp.priority)
        #expect(udp.priority > laterUDP.priority)
        #expect(laterUDP.priority > tcp.priority)
        #expect(udp.relatedAddress == mapped)
        #expect(udp.base == relayed)
        #expect(udp.relayProtocol == .udp && tcp.relayProtocol == .tcp)
        #expect(udp.foundation != tcp.foundation)
        // Every relayed candidate ranks below every host, server-reflexive and peer-reflexive one.
        #expect(udp.priority < ICEPriority.candidate(type: .serverReflexive, localPreference: 0))
    }
}

/// Gathering from a real coturn on loopback, and ICE with relayed candidates through it.
@Suite(.enabled(if: CoturnServer.isAvailable()), .serialized)
struct ICEServerGatheringTests {
    var loop: any EventLoop { MultiThreadedEventLoopGroup.singleton.next() }

    static func options(_ servers: [ICEServer], policy: ICETransportPolicy = .all,
                        timeout: TimeAmount = .seconds(2)) -> ICEEndpoint.Options {
        var options = ICEEndpoint.Options()
        options.loopbackOnly = true
        options.includeIPv6 = false
        options.impairment = ImpairmentProfile()
        options.servers = servers
        options.transportPolicy = policy
        options.serverTimeout = timeout
        return options
    }

    /// A UDP port with nothing behind it: bound, then closed.
    static func deadUDPPort() async throws -> Int {
        let socket = try await UDPSocket.bind(host: "127.0.0.1", on: MultiThreadedEventLoopGroup.singleton.next(),
                                              impairment: ImpairmentProfile()) { _, _ in }
        let port = try #require(socket.localAddress.port)
        await socket.close()
        return port
    }

    static func turn(_ coturn: CoturnServer, _ transport: ICEServer.Transport,
                     password: String = CoturnServer.password) -> ICEServer {
        .turn(host: CoturnServer.host, port: coturn.port, transport: transport, username: CoturnServer.username,
              password: password)
    }

    @Test func serverReflexiveFromCoturnWhileADeadServerTimesOut() async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let dead = try await Self.deadUDPPort()
        let servers: [ICEServer] = [.stun(host: "127.0.0.1", port: coturn.port), .stun(host: "127.0.0.1", port: dead),
                                    // The same server twice gives one candidate.
                                    .stun(host: "127.0.0.1", port: coturn.port)]
        let started = ContinuousClock.now
        let endpoint = try await ICEEndpoint.gather(on: loop, role: .controlling,
                                                    options: Self.options(servers, timeout: .milliseconds(1500))) { _ in }
        let elapsed = ContinuousClock.now - started
        // Bounded by the server timeout, not by the dead server's retransmission schedule (39.5 s by default).
        #expect(elapsed < .seconds(30), "gathering is bounded by the server timeout, no hang: \(elapsed)")
        #expect(elapsed >= .milliseconds(1000), "the dead server cannot have answered: \(elapsed)")
        let candidates = await endpoint.localCandidates
        let host = try #require(candidates.first { $0.type == .host })
        let srflx = candidates.filter { $0.type == .serverReflexive }
        try #require(srflx.count == 1, "\(candidates)")
        // On loopback the server sees the host address itself.
        #expect(srflx[0].address == host.address)
        #expect(srflx[0].base == host.address)
        #expect(srflx[0].relatedAddress == host.address)
        #expect(srflx[0].socket == host.socket)
        #expect(srflx[0].priority >> 24 == 100)
        let failures = await endpoint.gatheringFailures
        #expect(failures.count == 1 && failures[0].contains("\(dead)"), "\(failures)")
        await endpoint.close()
    }

    @Test(arguments: [ICEServer.Transport.udp, .tcp])
    func relayedCandidateFromCoturn(transport: ICEServer.Transport) async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let endpoint = try await ICEEndpoint.gather(on: loop, role: .controlling,
                                                    options: Self.options([Self.turn(coturn, transport)])) { _ in }
        let candidates = await endpoint.localCandidates
        let failures = await endpoint.gatheringFailures
        let relay = try #require(candidates.first { $0.type == .relayed }, "\(failures)")
        #expect(candidates.contains { $0.type == .host })
        #expect(relay.address.ip == STUNAddress.IP("127.0.0.1"))
        #expect(relay.address.port != UInt16(coturn.port))
        #expect(relay.base == relay.address)
        // The related address is the mapped address the Allocate response reported: our socket to coturn.
        let mapped = try #require(relay.relatedAddress)
        #expect(mapped.ip == STUNAddress.IP("127.0.0.1"))
        #expect(candidates.allSatisfy { $0.type != .host || $0.address != mapped })
        #expect(relay.relayProtocol == transport)
        #expect(relay.priority >> 24 == 0)
        await endpoint.close()
    }

    @Test func relayPolicyGathersOnlyRelayedCandidatesAndSkipsSTUN() async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let servers: [ICEServer] = [.stun(host: "127.0.0.1", port: coturn.port), Self.turn(coturn, .udp),
                                    Self.turn(coturn, .tcp)]
        let endpoint = try await ICEEndpoint.gather(on: loop, role: .controlled,
                                                    options: Self.options(servers, policy: .relay)) { _ in }
        let candidates = await endpoint.localCandidates
        let failures = await endpoint.gatheringFailures
        #expect(candidates.count == 2, "\(candidates) \(failures)")
        #expect(candidates.allSatisfy { $0.type == .relayed })
        #expect(Set(candidates.compactMap(\.relayProtocol)) == [.udp, .tcp])
        // The mapped address (this host's address as coturn saw it) is not revealed.
        #expect(candidates.allSatisfy { $0.relatedAddress == STUNAddress("0.0.0.0:0") }, "\(candidates)")
        await endpoint.close()
    }

    @Test func deadOrRefusingTURNServersDoNotHangGathering() async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let dead = try await Self.deadUDPPort()
        let servers: [ICEServer] = [
            .turn(host: "127.0.0.1", port: dead, transport: .udp, username: "u", password: "p"),
            .turn(host: "127.0.0.1", port: dead, transport: .tcp, username: "u", password: "p"),  // refused
            Self.turn(coturn, .udp, password: "wrong"),                                             // 401
            Self.turn(coturn, .udp),
        ]
        let started = ContinuousClock.now
        let endpoint = try await ICEEndpoint.gather(on: loop, role: .controlling,
                                                    options: Self.options(servers, policy: .relay,
                                                                          timeout: .milliseconds(1500))) { _ in }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(30), "gathering is bounded by the server timeout, no hang: \(elapsed)")
        let candidates = await endpoint.localCandidates
        #expect(candidates.count == 1 && candidates.allSatisfy { $0.type == .relayed }, "\(candidates)")
        let failures = await endpoint.gatheringFailures
        #expect(failures.count == 3, "\(failures)")
        await endpoint.close()
    }

    final class Watch: Sendable {
        let sctp = Mutex<SCTPAssociation?>(nil)
        let selected = Mutex<ICECandidatePair?>(nil)
        func record(_ event: PeerTransport.Event) {
            switch event {
            case .sctpStarted(let a): sctp.withLock { $0 = a }
            case .selectedPair(let p): selected.withLock { $0 = p }
            default: break
            }
        }
    }

    /// Two peer transports, the first relay-only through coturn (over `transport`), the second relay-only too or
    /// with host candidates alone; SCTP over DTLS over the relay carries data both ways.
    static func connectThroughCoturn(_ coturn: CoturnServer, transport: ICEServer.Transport, bothRelayed: Bool,
                                     group: any EventLoopGroup) async throws -> ([PeerTransport], [SCTPAssociation]) {
        let watches = [Watch(), Watch()]
        var peers: [PeerTransport] = []
        for i in 0..<2 {
            let watch = watches[i]
            let relayOnly = i == 0 || bothRelayed
            let options = relayOnly
                ? Self.options([Self.turn(coturn, i == 0 ? transport : .udp)], policy: .relay)
                : Self.options([])
            peers.append(try await PeerTransport.make(on: group.next(), iceRole: i == 0 ? .controlling : .controlled,
                                                      certificate: try DTLSCertificate.generate(), iceOptions: options) {
                watch.record($0)
            })
        }
        let locals = [await peers[0].localParameters, await peers[1].localParameters]
        #expect(locals[0].candidates.count == 1 && locals[0].candidates.allSatisfy { $0.type == .relayed })
        if bothRelayed { #expect(locals[1].candidates.allSatisfy { $0.type == .relayed }) }
        for i in 0..<2 {
            peers[i].start(remote: locals[1 - i].asRemote(peerDTLSRole: i == 0 ? .server : .client, sctp: .init()))
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline, !watches.allSatisfy({ $0.sctp.withLock { $0?.isEstablished } == true }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let associations = watches.compactMap { $0.sctp.withLock { $0 } }
        try #require(associations.count == 2 && associations.allSatisfy(\.isEstablished), "SCTP did not come up")
        return (peers, associations)
    }

    @Test(arguments: [(ICEServer.Transport.udp, true), (.tcp, true), (.udp, false), (.tcp, false)])
    func peerTransportsConnectThroughCoturn(transport: ICEServer.Transport, bothRelayed: Bool) async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (peers, associations) = try await Self.connectThroughCoturn(coturn, transport: transport,
                                                                        bothRelayed: bothRelayed, group: group)

        // The selected pairs: ours is relayed; the peer's remote candidate is our relayed address.
        let selected = try #require(await peers[0].ice.selectedPair)
        let other = try #require(await peers[1].ice.selectedPair)
        #expect(selected.local.type == .relayed)
        #expect(other.remote.address == selected.local.address)
        if bothRelayed { #expect(other.local.type == .relayed) }

        let data = TransportStackTests.chunks(count: 16)
        #expect(try await TransportStackTests.transfer(data, from: associations[0], to: associations[1])
                == Digest.hash(.sha256, data.flatMap { $0 }))
        let back = TransportStackTests.chunks(count: 8, seed: 3)
        #expect(try await TransportStackTests.transfer(back, from: associations[1], to: associations[0])
                == Digest.hash(.sha256, back.flatMap { $0 }))

        // The bytes went through coturn: our allocation sent and received them, and after selection the channel was
        // bound, so most of them as ChannelData.
        let counters = try #require(await peers[0].ice.relayCounters.first)
        #expect(counters.sendIndications > 0, "\(counters)")
        #expect(counters.channelDataSent > 100, "\(counters)")
        #expect(counters.channelDataReceived + counters.dataIndications > 50, "\(counters)")

        for p in peers { await p.close() }
        try await group.shutdownGracefully()
    }

    @Test func shortAllocationsAreRefreshedWhileConnected() async throws {
        // coturn caps lifetimes at 4 s here: the allocations must be refreshed (at 2 s) for data to flow at 5.5 s.
        let coturn = try await CoturnServer.start(extraArguments: ["--max-allocate-lifetime=4"])
        defer { coturn.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (peers, associations) = try await Self.connectThroughCoturn(coturn, transport: .udp, bothRelayed: true,
                                                                        group: group)
        try await Task.sleep(for: .milliseconds(5500))
        let data = TransportStackTests.chunks(count: 4, seed: 9)
        #expect(try await TransportStackTests.transfer(data, from: associations[0], to: associations[1])
                == Digest.hash(.sha256, data.flatMap { $0 }))
        for p in peers { await p.close() }
        try await group.shutdownGracefully()
    }

    @Test func closeReleasesTheAllocation() async throws {
        // One allocation per user: a second endpoint gets none while the first holds its allocation, and gets one
        // after the first has closed (Refresh with LIFETIME 0).
        let coturn = try await CoturnServer.start(extraArguments: ["--user-quota=1"])
        defer { coturn.stop() }
        let options = Self.options([Self.turn(coturn, .udp)], policy: .relay, timeout: .seconds(1))
        let first = try await ICEEndpoint.gather(on: loop, role: .controlling, options: options) { _ in }
        #expect(await first.localCandidates.count == 1)
        let second = try await ICEEndpoint.gather(on: loop, role: .controlling, options: options) { _ in }
        #expect(await second.localCandidates.isEmpty, "the quota did not apply; the test proves nothing")
        await second.close()
        await first.close()
        var gathered = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while gathered == 0 && ContinuousClock.now < deadline {
            let third = try await ICEEndpoint.gather(on: loop, role: .controlling, options: options) { _ in }
            gathered = await third.localCandidates.count
            await third.close()
        }
        #expect(gathered == 1, "the allocation was never released")
    }
}
