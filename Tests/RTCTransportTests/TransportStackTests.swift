import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import RTCWire
import Synchronization
import Testing

/// SCTP over DTLS over ICE over UDP on loopback: the data-channel transport stack, in one process.
@Suite(.serialized) struct TransportStackTests {
    final class Wiring: Sendable {
        let association = Mutex<SCTPAssociation?>(nil)
        let dtls = Mutex<DTLSEndpoint?>(nil)
        let connected = Mutex(false)

        func onDTLS(_ event: DTLSEndpoint.Event) {
            switch event {
            case .applicationData(let packet): association.withLock { $0 }?.receive(packet: packet)
            case .stateChanged(.connected): connected.withLock { $0 = true }
            default: break
            }
        }
    }

    @Test func megabytesCrossSCTPOverDTLSOverICEWithEqualHashes() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var options = ICEEndpoint.Options()
        options.loopbackOnly = true
        options.includeIPv6 = false
        options.impairment = ImpairmentProfile()
        let wirings = [Wiring(), Wiring()]
        var ice: [ICEEndpoint] = []
        for i in 0..<2 {
            let wiring = wirings[i]
            ice.append(try await ICEEndpoint.gather(on: group.next(), role: i == 0 ? .controlling : .controlled, options: options) { event in
                if case .datagram(let d) = event, PacketClass(classifying: d.readableBytesView) == .dtls {
                    wiring.dtls.withLock { $0 }?.receive(d)
                }
            })
        }
        let certificates = [try DTLSCertificate.generate(), try DTLSCertificate.generate()]
        var dtls: [DTLSEndpoint] = []
        for i in 0..<2 {
            let transport = ice[i], wiring = wirings[i]
            let endpoint = DTLSEndpoint(eventLoop: ice[i].eventLoop, certificate: certificates[i],
                                        transmit: { transport.send($0) }, onEvent: { wiring.onDTLS($0) })
            wirings[i].dtls.withLock { $0 = endpoint }
            dtls.append(endpoint)
        }
        for (from, to) in [(0, 1), (1, 0)] {
            for c in await ice[from].localCandidates {
                ice[to].addRemoteCandidate(ICERemoteCandidate(type: c.type, address: c.address, priority: c.priority, foundation: c.foundation))
            }
            ice[to].start(remoteCredentials: await ice[from].localCredentials)
        }
        for i in 0..<2 {
            dtls[i].start(role: i == 0 ? .server : .client, remoteFingerprints: [certificates[1 - i].fingerprint()])
        }
        for _ in 0..<1000 where !wirings.allSatisfy({ $0.connected.withLock { $0 } }) { try await Task.sleep(for: .milliseconds(10)) }
        try #require(wirings.allSatisfy { $0.connected.withLock { $0 } })
        let mtu = try #require(await dtls[0].maximumApplicationDataSize)
        let oversized = Mutex(0)

        var associations: [SCTPAssociation] = []
        for i in 0..<2 {
            let endpoint = dtls[i]
            let association = try SCTPAssociation(configuration: .init(pathMTU: UInt32(mtu))) { packet in
                // Every SCTP packet must fit in one DTLS record.
                if packet.count > mtu { oversized.withLock { $0 += 1 } }
                endpoint.send(packet)
            }
            wirings[i].association.withLock { $0 = association }
            associations.append(association)
        }
        for a in associations { try a.connect() }

        // 4 MiB in 16 KiB messages from side 0; side 1 hashes what arrives, in order.
        let chunks = (0..<256).map { n in (0..<16_384).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ n) } }
        let expected = Digest.hash(.sha256, chunks.flatMap { $0 })
        let inbound = associations[1]
        let receiver = Task { () -> [UInt8] in
            var received: [UInt8] = []
            for await event in inbound.events {
                if case .message(let m) = event {
                    #expect(m.streamID == 1 && m.ppid == 53)
                    received += m.bytes

                    if received.count >= 256 * 16_384 { break }
                }
            }
            return Digest.hash(.sha256, received)
        }
        for chunk in chunks {
            while true {
                let sent: Bool
                do {
                    try associations[0].send(streamID: 1, ppid: 53, chunk)
                    sent = true
                } catch {
                    guard error.code == .wouldBlock else { throw error }
                    sent = false
                }
                if sent { break }

                try await Task.sleep(for: .milliseconds(2))
            }
        }
        let hash = await receiver.value
        #expect(hash == expected)
        #expect(oversized.withLock { $0 } == 0)

        for a in associations { a.close() }
        for d in dtls { await d.close() }
        for i in ice { await i.close() }
        try await group.shutdownGracefully()
    }
}
