import AsyncRTCTesting
import NIOCore
import NIOPosix
import RTCTransport
import RTCWire
import Synchronization
import Testing

extension CoturnServer {
    /// Whether the coturn suites run (a missing coturn fails them under `ASYNCRTC_REQUIRE_INTEROP=1`).
    static func isAvailable(tls: Bool = false) -> Bool { available(tls: tls) { Issue.record(Comment(rawValue: $0)) } }

    /// The UDP and TCP listener.
    var server: SocketAddress { try! SocketAddress(ipAddress: Self.host, port: port) }
}

/// What a test peer or a TURN client received, collected across threads.
final class Received: Sendable {
    let items = Mutex<[(from: String, payload: [UInt8])]>([])

    func add(_ from: String, _ payload: ByteBuffer) {
        items.withLock { $0.append((from, Array(payload.readableBytesView))) }
    }

    /// Waits until something arrived that satisfies `match` (up to 5 s).
    func wait(for match: @escaping @Sendable ((from: String, payload: [UInt8])) -> Bool) async throws -> (from: String, payload: [UInt8])? {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if let hit = items.withLock({ $0.first(where: match) }) { return hit }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}

@Suite(.enabled(if: CoturnServer.isAvailable()), .serialized)
struct TURNInteropTests {
    var loop: any EventLoop { MultiThreadedEventLoopGroup.singleton.next() }

    func client(_ coturn: CoturnServer, password: String = CoturnServer.password, lifetime: UInt32? = nil,
                transport: TURNClient.Transport = .udp, fingerprint: Bool = false,
                received: Received = Received()) async throws -> TURNClient {
        var options = TURNClient.Options()
        options.fingerprint = fingerprint
        options.transport = transport
        options.impairment = ImpairmentProfile()  // none, whatever ASYNCRTC_IMPAIR says
        options.localHost = "127.0.0.1"
        options.requestedLifetime = lifetime
        return try await TURNClient.connect(server: coturn.server, username: CoturnServer.username, password: password,
                                            on: loop, options: options) { peer, payload in
            received.add("\(peer)", payload)
        }
    }

    @Test func bindingReturnsTheSocketsAddress() async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let discovery = try await STUNBindingClient.discover(server: coturn.server, localHost: "127.0.0.1", on: loop)
        #expect(discovery.mappedAddress.ip == STUNAddress.IP("127.0.0.1"))
        #expect(Int(discovery.mappedAddress.port) == discovery.localAddress.port)
    }

    @Test(arguments: [TURNClient.Transport.udp, .tcp])
    func relayBothWaysBySendIndicationAndChannelData(transport: TURNClient.Transport) async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let toClient = Received()
        let client = try await client(coturn, transport: transport, received: toClient)
        let allocated = try await client.allocate()
        #expect(allocated.relayedAddress.ip == STUNAddress.IP("127.0.0.1"))
        #expect(allocated.mappedAddress == STUNAddress(socketAddress: client.localAddress))
        #expect(allocated.lifetime > 0)

        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        let relay = "\(allocated.relayedAddress)"

        // Send indication → peer, and peer → Data indication.
        try await client.createPermission(for: peer)
        client.send(ByteBuffer(string: "via send indication"), to: peer)
        let first = try await toPeer.wait { $0.payload == Array("via send indication".utf8) }
        #expect(first?.from == relay)
        peerSocket.send(ByteBuffer(string: "via data indication"), to: try allocated.relayedAddress.socketAddress())
        let back = try await toClient.wait { $0.payload == Array("via data indication".utf8) }
        #expect(back?.from == "\(peer)")
        let beforeChannel = await client.counters
        #expect(beforeChannel.sendIndications == 1)
        #expect(beforeChannel.dataIndications == 1)
        #expect(beforeChannel.channelDataSent == 0)

        // ChannelData both ways.
        let channel = try await client.bindChannel(to: peer)
        #expect(TURNChannelData.validChannels.contains(channel))
        let big = ByteBuffer(bytes: (0..<1001).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        client.send(big, to: peer)
        let viaChannel = try await toPeer.wait { $0.payload == Array(big.readableBytesView) }
        #expect(viaChannel?.from == relay)
        peerSocket.send(ByteBuffer(string: "via channel data"), to: try allocated.relayedAddress.socketAddress())
        let channelBack = try await toClient.wait { $0.payload == Array("via channel data".utf8) }
        #expect(channelBack?.from == "\(peer)")
        let afterChannel = await client.counters
        #expect(afterChannel.channelDataSent == 1)
        #expect(afterChannel.channelDataReceived == 1)
        #expect(afterChannel.sendIndications == 1)
        #expect(afterChannel.dataIndications == 1)

        await client.close()
        await peerSocket.close()
        #expect(await client.state == .closed)
    }

    @Test func sendWithoutPermissionWaitsForIt() async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let client = try await client(coturn)
        let allocated = try await client.allocate()
        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        client.send(ByteBuffer(string: "queued"), to: peer)
        let got = try await toPeer.wait { $0.payload == Array("queued".utf8) }
        #expect(got?.from == "\(allocated.relayedAddress)")
        await client.close()
        await peerSocket.close()
    }

    @Test func wrongPasswordFailsWith401() async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let client = try await client(coturn, password: "not the password")
        do {
            _ = try await client.allocate()
            Issue.record("allocation with a wrong password succeeded")
        } catch let error as TURNError {
            #expect(error.code == .unauthorized)
            #expect(error.serverError?.code == 401)
        }
        await client.close()
    }

    @Test(arguments: [false, true])
    func refreshIsAnswered(fingerprint: Bool) async throws {
        let coturn = try await CoturnServer.start()
        defer { coturn.stop() }
        let client = try await client(coturn, lifetime: 300, fingerprint: fingerprint)
        let allocated = try await client.allocate()
        #expect(allocated.lifetime > 0)
        let lifetime = try await client.refresh()
        #expect(lifetime > 0)
        #expect(await client.state == .allocated)
        await client.close()
    }

    @Test func refreshTimerKeepsAShortAllocationAlive() async throws {
        // coturn grants at least 600 s unless --max-allocate-lifetime caps it: 4 s here, so the client refreshes
        // at 2 s on its own, and the relay still works after the first lifetime has passed.
        let coturn = try await CoturnServer.start(extraArguments: ["--max-allocate-lifetime=4"])
        defer { coturn.stop() }
        let client = try await client(coturn, lifetime: 4)
        let allocated = try await client.allocate()
        #expect(allocated.lifetime == 4)
        try await Task.sleep(for: .milliseconds(5500))
        #expect(await client.state == .allocated)
        let countersAfter = await client.counters
        // Allocate twice (challenge), then the timer's Refresh at 2 s. (coturn 4.6 answers that Refresh with
        // LIFETIME 600 despite the cap, so there is no second one.)
        #expect(countersAfter.requests >= 3, "\(countersAfter)")
        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        try await client.createPermission(for: peer)
        client.send(ByteBuffer(string: "still here"), to: peer)
        let got = try await toPeer.wait { $0.payload == Array("still here".utf8) }
        #expect(got?.from == "\(allocated.relayedAddress)")
        await client.close()
        await peerSocket.close()
    }

    @Test func staleNonceIsRenewed() async throws {
        // Nonces that expire after 1 s: the CreatePermission after the pause meets 438 and is retried.
        let coturn = try await CoturnServer.start(extraArguments: ["--stale-nonce=1"])
        defer { coturn.stop() }
        let client = try await client(coturn)
        _ = try await client.allocate()
        try await Task.sleep(for: .milliseconds(2500))
        try await client.createPermission(for: STUNAddress("127.0.0.1:9")!)
        _ = try await client.refresh()
        let counters = await client.counters
        #expect(counters.challenges == 1)
        #expect(counters.staleNonces >= 1)
        await client.close()
    }

    @Test func closeReleasesTheAllocation() async throws {
        // With a quota of one allocation per user, a second client gets 486 while the first holds its allocation,
        // and succeeds once the first has closed (Refresh with LIFETIME 0).
        let coturn = try await CoturnServer.start(extraArguments: ["--user-quota=1"])
        defer { coturn.stop() }
        let first = try await client(coturn)
        _ = try await first.allocate()
        let second = try await client(coturn)
        do {
            _ = try await second.allocate()
            Issue.record("the quota did not apply; the test proves nothing")
        } catch let error as TURNError {
            #expect(error.serverError?.code == 486, "\(error)")
        }
        await second.close()
        await first.close()
        #expect(await first.state == .closed)
        // coturn frees the quota when its session timer next runs (about a second later); poll for it.
        var lastError: (any Error)?
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let third = try await client(coturn)
            do {
                _ = try await third.allocate()
                lastError = nil
                await third.close()
                break
            } catch {
                lastError = error
                await third.close()
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        #expect(lastError == nil, "the quota was never freed: \(String(describing: lastError))")
    }
}
