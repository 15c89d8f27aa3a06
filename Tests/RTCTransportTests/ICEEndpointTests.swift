import NIOCore
import NIOPosix
import RTCTransport
import RTCWire
import Synchronization
import Testing

/// Two ICE endpoints over real UDP sockets on loopback.
@Suite struct ICEEndpointTests {
    final class Recorder: Sendable {
        let states = Mutex<[ICEAgent.State]>([])
        let datagrams = Mutex<[[UInt8]]>([])
        func record(_ event: ICEEndpoint.Event) {
            switch event {
            case .stateChanged(let s): states.withLock { $0.append(s) }
            case .datagram(let d): datagrams.withLock { $0.append(Array(d.readableBytesView)) }
            default: break
            }
        }
    }

    static func connectedPair(group: any EventLoopGroup, impairment: ImpairmentProfile? = ImpairmentProfile())
        async throws -> (ICEEndpoint, ICEEndpoint, Recorder, Recorder) {
        var options = ICEEndpoint.Options()
        options.loopbackOnly = true
        options.includeIPv6 = false
        options.impairment = impairment
        let ra = Recorder(), rb = Recorder()
        let a = try await ICEEndpoint.gather(on: group.next(), role: .controlling, options: options) { ra.record($0) }
        let b = try await ICEEndpoint.gather(on: group.next(), role: .controlled, options: options) { rb.record($0) }
        for (from, to) in [(a, b), (b, a)] {
            for c in await from.localCandidates {
                to.addRemoteCandidate(ICERemoteCandidate(type: c.type, address: c.address, priority: c.priority, foundation: c.foundation))
            }
            to.endOfRemoteCandidates()
        }
        a.start(remoteCredentials: await b.localCredentials)
        b.start(remoteCredentials: await a.localCredentials)
        for _ in 0..<500 {
            let (sa, sb) = (await a.state, await b.state)
            if sa == .connected && sb == .connected { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return (a, b, ra, rb)
    }

    @Test func connectsOverLoopbackAndCarriesDatagrams() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (a, b, ra, rb) = try await Self.connectedPair(group: group)
        let (sa, sb) = (await a.state, await b.state)
        #expect(sa == .connected && sb == .connected)
        let pa = try #require(await a.selectedPair), pb = try #require(await b.selectedPair)
        #expect(pa.local.address == pb.remote.address && pa.remote.address == pb.local.address)
        #expect(pa.local.address.ip == STUNAddress.IP("127.0.0.1"))

        // DTLS-looking datagrams (first byte 22) cross both ways, in order, intact.
        let messages = (0..<50).map { i in [22, 0xFE, 0xFD] + (0..<100).map { UInt8(truncatingIfNeeded: $0 &* i) } }
        for m in messages { a.send(ByteBuffer(bytes: m)) }
        for m in messages.reversed() { b.send(ByteBuffer(bytes: m)) }
        for _ in 0..<300 where rb.datagrams.withLock({ $0.count }) < 50 || ra.datagrams.withLock({ $0.count }) < 50 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(rb.datagrams.withLock { $0 } == messages)
        #expect(ra.datagrams.withLock { $0 } == messages.reversed())
        #expect(ra.states.withLock { $0 } == [.checking, .connected])

        await a.close()
        await b.close()
        try await group.shutdownGracefully()
    }

    @Test func connectsThroughTwentyPercentLoss() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (a, b, _, _) = try await Self.connectedPair(group: group, impairment: try ImpairmentProfile(parsing: "loss=0.2,seed=3"))
        let (sa, sb) = (await a.state, await b.state)
        #expect(sa == .connected && sb == .connected)
        await a.close()
        await b.close()
        try await group.shutdownGracefully()
    }

    @Test func datagramsFromOutsideThePairAreDropped() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (a, b, ra, _) = try await Self.connectedPair(group: group)
        let pair = try #require(await a.selectedPair)
        // A stranger on another port sends DTLS-looking bytes straight at A's socket.
        let stranger = try await UDPSocket.bind(host: "127.0.0.1", on: group.next(), impairment: ImpairmentProfile()) { _, _ in }
        for _ in 0..<20 { stranger.send(ByteBuffer(bytes: [22, 0xFE, 0xFD, 1, 2, 3]), to: try pair.local.address.socketAddress()) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(ra.datagrams.withLock { $0.isEmpty })
        #expect(await a.state == .connected)
        await stranger.close()
        await a.close()
        await b.close()
        try await group.shutdownGracefully()
    }
}
