import AsyncRTCTesting
import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import RTCWire
import Synchronization
import Testing

/// coturn with TLS on loopback (RFC 8656 §3.1) and a self-signed certificate for `localhost` / `127.0.0.1`.
extension CoturnServer {
    /// The TLS listener.
    var tlsServer: SocketAddress { try! SocketAddress(ipAddress: Self.host, port: tlsPort!) }
    /// Trusts the server's certificate as a CA.
    var verification: TLSClientEngine.Verification { .caFile(caFile!) }

    func turns(host: String = CoturnServer.host, verification: TLSClientEngine.Verification? = nil) -> ICEServer {
        .turns(host: host, port: tlsPort!, username: Self.username, password: Self.password,
               verification: verification ?? self.verification)
    }
}

/// TURN over TLS against coturn: the client, gathering, and two peer transports relayed through it.
@Suite(.enabled(if: CoturnServer.isAvailable(tls: true)), .serialized, .timeLimit(.minutes(2)))
struct TURNTLSTests {
    var loop: any EventLoop { MultiThreadedEventLoopGroup.singleton.next() }

    func tlsOptions(name: String? = nil, verification: TLSClientEngine.Verification) -> TURNClient.Options {
        var options = TURNClient.Options()
        options.transport = .tls
        options.impairment = ImpairmentProfile()
        options.localHost = "127.0.0.1"
        options.tlsServerName = name
        options.tlsVerification = verification
        options.connectTimeout = .seconds(3)
        return options
    }

    @Test(arguments: [nil, "localhost"])
    func clientRelaysBothWaysOverTLS(name: String?) async throws {
        let coturn = try await CoturnServer.start(tls: true)
        defer { coturn.stop() }
        let toClient = Received()
        let client = try await TURNClient.connect(
            server: coturn.tlsServer, username: CoturnServer.username, password: CoturnServer.password, on: loop,
            options: tlsOptions(name: name, verification: coturn.verification)) { peer, payload in
            toClient.add("\(peer)", payload)
        }
        let allocated = try await client.allocate()
        #expect(allocated.relayedAddress.ip == STUNAddress.IP("127.0.0.1"))
        #expect(allocated.mappedAddress == STUNAddress(socketAddress: client.localAddress))

        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        try await client.createPermission(for: peer)
        client.send(ByteBuffer(string: "over tls"), to: peer)
        #expect(try await toPeer.wait { $0.payload == Array("over tls".utf8) }?.from == "\(allocated.relayedAddress)")
        peerSocket.send(ByteBuffer(string: "and back"), to: try allocated.relayedAddress.socketAddress())
        #expect(try await toClient.wait { $0.payload == Array("and back".utf8) }?.from == "\(peer)")

        // ChannelData (padded on a stream, RFC 8656 §12.5) inside TLS records.
        _ = try await client.bindChannel(to: peer)
        let odd = ByteBuffer(bytes: (0..<1001).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        client.send(odd, to: peer)
        #expect(try await toPeer.wait { $0.payload == Array(odd.readableBytesView) } != nil)
        peerSocket.send(odd, to: try allocated.relayedAddress.socketAddress())
        #expect(try await toClient.wait { $0.payload == Array(odd.readableBytesView) && $0.from == "\(peer)" } != nil)
        #expect(await client.counters.channelDataSent == 1)

        await client.close(timeout: .seconds(2))
        await peerSocket.close()
    }

    @Test func untrustedOrMisnamedServersFailToConnect() async throws {
        let coturn = try await CoturnServer.start(tls: true)
        defer { coturn.stop() }
        let other = try SelfSignedCertificate()
        defer { withExtendedLifetime(other) {} }  // its files go with it
        let cases: [(String?, TLSClientEngine.Verification)] = [
            (nil, .systemTrustStore),                                       // self-signed: not in the system store
            (nil, .caFile(other.certificateFile)),                          // another CA
            ("turn.example.org", coturn.verification),                      // trusted, but for another name
        ]
        for (name, verification) in cases {
            let started = ContinuousClock.now
            let error = await #expect(throws: CryptoError(.certificateRejected, "")) {
                _ = try await TURNClient.connect(server: coturn.tlsServer, username: CoturnServer.username,
                                                 password: CoturnServer.password, on: loop,
                                                 options: tlsOptions(name: name, verification: verification)) { _, _ in }
            }
            #expect(ContinuousClock.now - started < .seconds(30), "\(String(describing: error))")
        }
    }

    @Test func aServerThatNeverFinishesTheHandshakeTimesOut() async throws {
        // Accepts TCP connections and never says a word.
        let mute = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let started = ContinuousClock.now
        var options = tlsOptions(verification: .disabled)
        options.connectTimeout = .milliseconds(500)
        await #expect(throws: TURNError(.timedOut, "")) {
            _ = try await TURNClient.connect(server: mute.localAddress!, username: "u", password: "p", on: loop,
                                             options: options) { _, _ in }
        }
        #expect(ContinuousClock.now - started < .seconds(30), "bounded by the connect timeout, no hang")
        try await mute.close()
    }

    @Test func relayedCandidateGatheredOverTLS() async throws {
        let coturn = try await CoturnServer.start(tls: true)
        defer { coturn.stop() }
        let servers = [coturn.turns(), ICEServer.turn(host: "127.0.0.1", port: coturn.port, transport: .udp,
                                                      username: CoturnServer.username, password: CoturnServer.password)]
        let endpoint = try await ICEEndpoint.gather(on: loop, role: .controlling,
                                                    options: ICEServerGatheringTests.options(servers, policy: .relay)) { _ in }
        let candidates = await endpoint.localCandidates
        let failures = await endpoint.gatheringFailures
        #expect(candidates.count == 2, "\(candidates) \(failures)")
        let tls = try #require(candidates.first { $0.relayProtocol == .tls }, "\(failures)")
        let udp = try #require(candidates.first { $0.relayProtocol == .udp })
        #expect(tls.type == .relayed)
        #expect(tls.address.ip == STUNAddress.IP("127.0.0.1"))
        // TLS relays rank below UDP ones (RFC 8445 §5.1.2.1 local preference), and have their own foundation.
        #expect(tls.priority < udp.priority)
        #expect(tls.foundation != udp.foundation)
        #expect(ICEServer.turns(host: "h", username: "u", password: "p").port == 5349)
        #expect(ICEServer(kind: .turn, host: "h", transport: .tls).port == 5349)
        #expect(ICEServer(kind: .turn, host: "h", transport: .tcp).port == 3478)
        #expect(ICEServer.turns(host: "h", username: "u", password: "p").tlsVerification == .systemTrustStore)
        await endpoint.close()
    }

    @Test func untrustedTLSServersGiveNoRelayedCandidateAndDoNotHang() async throws {
        let coturn = try await CoturnServer.start(tls: true)
        defer { coturn.stop() }
        let mute = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let mutePort = try #require(mute.localAddress?.port)
        let servers = [
            coturn.turns(verification: .systemTrustStore),  // self-signed
            coturn.turns(),                                 // trusted: the only candidate
            ICEServer.turns(host: "127.0.0.1", port: mutePort, username: "u", password: "p", verification: .disabled),
        ]
        let started = ContinuousClock.now
        let endpoint = try await ICEEndpoint.gather(
            on: loop, role: .controlling,
            options: ICEServerGatheringTests.options(servers, policy: .relay, timeout: .milliseconds(1500))) { _ in }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(30), "gathering is bounded, no hang: \(elapsed)")
        let candidates = await endpoint.localCandidates
        let failures = await endpoint.gatheringFailures
        #expect(candidates.count == 1 && candidates.allSatisfy { $0.relayProtocol == .tls }, "\(candidates) \(failures)")
        #expect(failures.count == 2, "\(failures)")
        #expect(failures.contains { $0.contains(coturn.turnsURL) && $0.contains("self-signed") }, "\(failures)")
        await endpoint.close()
        try await mute.close()
    }

    @Test func peerTransportsConnectThroughCoturnOverTLS() async throws {
        let coturn = try await CoturnServer.start(tls: true)
        defer { coturn.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let watches = [ICEServerGatheringTests.Watch(), ICEServerGatheringTests.Watch()]
        var peers: [PeerTransport] = []
        for i in 0..<2 {
            let watch = watches[i]
            peers.append(try await PeerTransport.make(
                on: group.next(), iceRole: i == 0 ? .controlling : .controlled,
                certificate: try DTLSCertificate.generate(),
                iceOptions: ICEServerGatheringTests.options([coturn.turns()], policy: .relay)) { watch.record($0) })
        }
        let locals = [await peers[0].localParameters, await peers[1].localParameters]
        for local in locals {
            #expect(local.candidates.count == 1 && local.candidates.allSatisfy { $0.type == .relayed })
        }
        for i in 0..<2 {
            peers[i].start(remote: locals[1 - i].asRemote(peerDTLSRole: i == 0 ? .server : .client, sctp: .init()))
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline, !watches.allSatisfy({ $0.sctp.withLock { $0?.isEstablished } == true }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let associations = watches.compactMap { $0.sctp.withLock { $0 } }
        try #require(associations.count == 2 && associations.allSatisfy(\.isEstablished), "SCTP did not come up")

        let selected = try #require(await peers[0].ice.selectedPair)
        let other = try #require(await peers[1].ice.selectedPair)
        #expect(selected.local.type == .relayed && selected.local.relayProtocol == .tls)
        #expect(other.local.type == .relayed)
        #expect(other.remote.address == selected.local.address)

        let data = TransportStackTests.chunks(count: 16)
        #expect(try await TransportStackTests.transfer(data, from: associations[0], to: associations[1])
                == Digest.hash(.sha256, data.flatMap { $0 }))
        let back = TransportStackTests.chunks(count: 8, seed: 3)
        #expect(try await TransportStackTests.transfer(back, from: associations[1], to: associations[0])
                == Digest.hash(.sha256, back.flatMap { $0 }))
        let counters = try #require(await peers[0].ice.relayCounters.first)
        #expect(counters.channelDataSent > 100, "\(counters)")

        for p in peers { await p.close() }
        try await group.shutdownGracefully()
    }
}
