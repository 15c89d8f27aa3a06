import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import RTCWire
import Testing

/// SCTP over DTLS over ICE over UDP on loopback through PeerTransport: the data-channel stack, in one process.
@Suite(.serialized) struct TransportStackTests {
    final class Watch: Sendable {
        let sctp = Locked<SCTPAssociation?>(nil)
        let dtlsStates = Locked<[DTLSEndpoint.State]>([])
        func record(_ event: PeerTransport.Event) {
            switch event {
            case .sctpStarted(let a): sctp.withLock { $0 = a }
            case .dtls(let s): dtlsStates.withLock { $0.append(s) }
            default: break
            }
        }
    }

    /// Two connected peer transports with SCTP running, or nil on timeout.
    static func connect(group: any EventLoopGroup, impairment: ImpairmentProfile = ImpairmentProfile())
        async throws -> ([PeerTransport], [SCTPAssociation], [Watch]) {
        var options = ICEEndpoint.Options()
        options.loopbackOnly = true
        options.includeIPv6 = false
        options.impairment = impairment
        let watches = [Watch(), Watch()]
        var peers: [PeerTransport] = []
        for i in 0..<2 {
            let watch = watches[i]
            peers.append(try await PeerTransport.make(on: group.next(), iceRole: i == 0 ? .controlling : .controlled,
                                                      certificate: try DTLSCertificate.generate(), iceOptions: options) {
                watch.record($0)
            })
        }
        let locals = [await peers[0].localParameters, await peers[1].localParameters]
        for i in 0..<2 {
            let other = locals[1 - i]
            peers[i].start(remote: other.asRemote(peerDTLSRole: i == 0 ? .server : .client, sctp: .init()))
        }
        for _ in 0..<2000 {
            if watches.allSatisfy({ $0.sctp.withLock { $0?.isEstablished } == true }) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let associations = watches.compactMap { $0.sctp.withLock { $0 } }
        try #require(associations.count == 2 && associations.allSatisfy(\.isEstablished))
        return (peers, associations, watches)
    }

    /// Sends `chunks` on stream 1 of `from`, waiting while the send buffer is full; returns the SHA-256 of what
    /// `to` received in order.
    static func transfer(_ chunks: [[UInt8]], from: SCTPAssociation, to: SCTPAssociation) async throws -> [UInt8] {
        let total = chunks.reduce(0) { $0 + $1.count }
        let receiver = Task { () -> [UInt8] in
            var received: [UInt8] = []
            received.reserveCapacity(total)
            for await event in to.events {
                if case .message(let m) = event, m.streamID == 1, m.ppid == 53 {
                    received += m.bytes
                    if received.count >= total { break }
                }
            }
            return Digest.hash(.sha256, received)
        }
        for chunk in chunks {
            try await from.sendWhenWritable(streamID: 1, ppid: 53, chunk)
        }
        return await receiver.value
    }

    static func chunks(count: Int, seed: Int = 0) -> [[UInt8]] {
        (0..<count).map { n in (0..<16_384).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ (n &+ seed)) } }
    }

    @Test func megabytesCrossSCTPOverDTLSOverICEWithEqualHashes() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (peers, sctp, watches) = try await Self.connect(group: group)
        #expect(watches.allSatisfy { $0.dtlsStates.withLock { $0 } == [.connecting, .connected] })
        let data = Self.chunks(count: 256)
        #expect(try await Self.transfer(data, from: sctp[0], to: sctp[1]) == Digest.hash(.sha256, data.flatMap { $0 }))
        let back = Self.chunks(count: 64, seed: 7)
        #expect(try await Self.transfer(back, from: sctp[1], to: sctp[0]) == Digest.hash(.sha256, back.flatMap { $0 }))
        for p in peers { await p.close() }
        try await group.shutdownGracefully()
    }

    @Test func reliableTransferSurvivesLossDelayReorderAndDuplicates() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let profile = try ImpairmentProfile(parsing: "loss=0.1,delay=50ms,jitter=5ms,reorder=0.02,dup=0.01,seed=7")
        let (peers, sctp, _) = try await Self.connect(group: group, impairment: profile)
        // 1 MiB here keeps CI short (usrsctp recovers slowly at 10 % loss); the reliability suite moves 8 MiB.
        let data = Self.chunks(count: 64)
        #expect(try await Self.transfer(data, from: sctp[0], to: sctp[1]) == Digest.hash(.sha256, data.flatMap { $0 }))
        for p in peers { await p.close() }
        try await group.shutdownGracefully()
    }
}
