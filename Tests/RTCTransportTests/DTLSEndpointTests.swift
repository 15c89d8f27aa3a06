import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import RTCWire
import Testing

/// DTLS over ICE over real UDP sockets on loopback, two endpoints in one process.
@Suite(.serialized) struct DTLSEndpointTests {
    final class Side: Sendable {
        let dtls = Locked<DTLSEndpoint?>(nil)
        let states = Locked<[DTLSEndpoint.State]>([])
        let keys = Locked<SRTPKeyingMaterial?>(nil)
        let data = Locked<[[UInt8]]>([])

        func onICE(_ event: ICEEndpoint.Event) {
            if case .datagram(let d) = event, PacketClass(classifying: d.readableBytesView) == .dtls {
                dtls.withLock { $0 }?.receive(d)
            }
        }

        func onDTLS(_ event: DTLSEndpoint.Event) {
            switch event {
            case .stateChanged(let s): states.withLock { $0.append(s) }
            case .srtpKeys(let k, _): keys.withLock { $0 = k }
            case .applicationData(let d): data.withLock { $0.append(d) }
            }
        }

        var last: DTLSEndpoint.State? { states.withLock { $0.last } }
    }

    struct Setup {
        let group: MultiThreadedEventLoopGroup
        let ice: [ICEEndpoint]
        let dtls: [DTLSEndpoint]
        let sides: [Side]
        let certificates: [DTLSCertificate]

        func shutdown() async throws {
            for d in dtls { await d.close() }
            for i in ice { await i.close() }
            try await group.shutdownGracefully()
        }
    }

    static func setUp(impairment: ImpairmentProfile = ImpairmentProfile(), wrongFingerprintFor: Int? = nil) async throws -> Setup {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var options = ICEEndpoint.Options()
        options.loopbackOnly = true
        options.includeIPv6 = false
        options.impairment = impairment
        let sides = [Side(), Side()]
        let loops = [group.next(), group.next()]
        var ice: [ICEEndpoint] = []
        for i in 0..<2 {
            let side = sides[i]
            ice.append(try await ICEEndpoint.gather(on: loops[i], role: i == 0 ? .controlling : .controlled, options: options) {
                side.onICE($0)
            })
        }
        let certificates = [try DTLSCertificate.generate(), try DTLSCertificate.generate()]
        var dtlsOptions = DTLSEndpoint.Options()
        dtlsOptions.engine.initialRetransmissionTimeout = .milliseconds(200)
        dtlsOptions.handshakeTimeout = .seconds(20)
        var dtls: [DTLSEndpoint] = []
        for i in 0..<2 {
            let side = sides[i], transport = ice[i]
            let endpoint = DTLSEndpoint(eventLoop: loops[i], certificate: certificates[i], options: dtlsOptions,
                                        transmit: { transport.send($0) }, onEvent: { side.onDTLS($0) })
            side.dtls.withLock { $0 = endpoint }
            dtls.append(endpoint)
        }
        for (from, to) in [(0, 1), (1, 0)] {
            for c in await ice[from].localCandidates {
                ice[to].addRemoteCandidate(ICERemoteCandidate(type: c.type, address: c.address, priority: c.priority, foundation: c.foundation))
            }
            ice[to].start(remoteCredentials: await ice[from].localCredentials)
        }
        for i in 0..<2 {
            let other = certificates[1 - i]
            let trusted = wrongFingerprintFor == i ? [try DTLSCertificate.generate().fingerprint()] : [other.fingerprint()]
            dtls[i].start(role: i == 0 ? .server : .client, remoteFingerprints: trusted)
        }
        return Setup(group: group, ice: ice, dtls: dtls, sides: sides, certificates: certificates)
    }

    static func waitUntil(_ seconds: Int = 25, _ condition: () -> Bool) async throws {
        for _ in 0..<(seconds * 100) where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func handshakeOverICEExportsMatchingKeysAndCarriesData() async throws {
        let s = try await Self.setUp()
        try await Self.waitUntil { s.sides.allSatisfy { $0.last == .connected } }
        #expect(s.sides.map(\.last) == [.connected, .connected])
        let ka = try #require(s.sides[0].keys.withLock { $0 }), kb = try #require(s.sides[1].keys.withLock { $0 })
        #expect(ka == kb)
        #expect(ka.profile == .aeadAes256Gcm)

        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        s.dtls[1].send(payload)
        s.dtls[0].send(Array("hello".utf8))
        try await Self.waitUntil(5) { !s.sides[0].data.withLock { $0.isEmpty } && !s.sides[1].data.withLock { $0.isEmpty } }
        #expect(s.sides[0].data.withLock { $0 } == [payload])
        #expect(s.sides[1].data.withLock { $0 } == [Array("hello".utf8)])
        try await s.shutdown()
    }

    @Test(arguments: [0, 1])
    func wrongFingerprintFailsAndDeliversNothing(_ side: Int) async throws {
        let s = try await Self.setUp(wrongFingerprintFor: side)
        try await Self.waitUntil { if case .failed = s.sides[side].last { return true } else { return false } }
        guard case .failed(let reason) = s.sides[side].last else {
            Issue.record("side \(side) did not fail: \(s.sides[side].states.withLock { $0 })")
            try await s.shutdown()
            return
        }
        #expect(reason.contains("fingerprint"))
        s.dtls[1 - side].send([1, 2, 3])
        try await Task.sleep(for: .milliseconds(300))
        #expect(s.sides[side].data.withLock { $0.isEmpty })
        #expect(s.sides[side].keys.withLock { $0 } == nil)
        try await s.shutdown()
    }

    @Test func handshakeCompletesAtTwentyPercentLoss() async throws {
        let s = try await Self.setUp(impairment: try ImpairmentProfile(parsing: "loss=0.2,seed=11"))
        try await Self.waitUntil { s.sides.allSatisfy { $0.last == .connected } }
        #expect(s.sides.map(\.last) == [.connected, .connected])
        #expect(s.sides[0].keys.withLock { $0 } == s.sides[1].keys.withLock { $0 })
        try await s.shutdown()
    }
}
