import NIOCore
import NIOPosix
@testable import RTCTransport
import RTCCrypto
import RTCWire
import Testing

/// SRTP on the bundled transport: RTP and RTCP cross protected, arrive unprotected, and anything forged, replayed or
/// sent before the keys is dropped and counted.
@Suite(.serialized) struct PeerTransportSRTPTests {
    final class Inbox: Sendable {
        let packets = Locked<[PeerTransport.MediaPacket]>([])
        var count: Int { packets.withLock { $0.count } }
    }

    static func rtp(sequence: UInt16, payload: [UInt8]) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try RTPPacket(marker: true, payloadType: 96, sequenceNumber: sequence, timestamp: 3000 * UInt32(sequence),
                      ssrc: 0x1234_5678, payload: ByteBuffer(bytes: payload)).write(to: &buffer)
        return buffer
    }

    static func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func rtpAndRTCPCrossProtectedAndForgeriesAreDropped() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (peers, _, _) = try await TransportStackTests.connect(group: group)
        try await Self.waitFor { peers.allSatisfy(\.isSRTPReady) }
        let ready = peers.allSatisfy { $0.isSRTPReady }
        try #require(ready)
        // Keys exist, sessions do not until a packet needs them (a data-only connection never makes them).
        #expect(peers.allSatisfy { $0.media.withLock { $0.outboundSession == nil && $0.inboundSession == nil } })
        let inbox = Inbox()
        peers[1].setMediaReceiver { packet in inbox.packets.withLock { $0.append(packet) } }

        let payloads = (0..<20).map { n in (0..<(100 + n * 37)).map { UInt8(truncatingIfNeeded: $0 &* n &+ 7) } }
        for (n, payload) in payloads.enumerated() {
            #expect(peers[0].sendRTP(try Self.rtp(sequence: UInt16(n), payload: payload)))
        }
        var rr = ByteBuffer()
        try RTCPCompoundPacket(packets: [.receiverReport(RTCPReceiverReport(ssrc: 1))]).write(to: &rr)
        #expect(peers[0].sendRTCP(rr))
        try await Self.waitFor { inbox.count >= 21 }
        #expect(peers.allSatisfy { $0.media.withLock { $0.outboundSession != nil && $0.inboundSession != nil } })

        let received = inbox.packets.withLock { $0 }
        var rtpPayloads: [[UInt8]] = []
        var rtcpCount = 0
        for packet in received {
            switch packet {
            case .rtp(var buffer):
                let parsed = try RTPPacket(parsing: &buffer)
                rtpPayloads.append(Array(parsed.payload.readableBytesView))
            case .rtcp(var buffer):
                let parsed = try RTCPCompoundPacket(parsing: &buffer)
                #expect(parsed.packets.count == 1)
                rtcpCount += 1
            }
        }
        #expect(rtpPayloads == payloads)
        #expect(rtcpCount == 1)

        // A plain RTP packet, as if it had arrived on the pair: it cannot authenticate, reaches nobody, and is counted.
        let before = peers[1].srtpCounters
        #expect(before.authenticationFailures == 0)
        peers[1].receiveSRTP(try Self.rtp(sequence: 999, payload: Array(repeating: 0xAB, count: 64)), isRTCP: false)
        try await Self.waitFor { peers[1].srtpCounters.authenticationFailures == 1 }
        #expect(peers[1].srtpCounters.authenticationFailures == 1)
        #expect(inbox.count == received.count)

        // Replayed and tampered packets, protected with the sender's real session: the first copy passes, the
        // replay and the tampered one are dropped and counted.
        var protected = try Self.rtp(sequence: 500, payload: Array(repeating: 7, count: 80))
        try peers[0].media.withLock { state throws in try state.sessions()?.outbound.protect(rtp: &protected) }
        let delivered = inbox.count
        peers[1].receiveSRTP(protected, isRTCP: false)
        peers[1].receiveSRTP(protected, isRTCP: false)
        var tampered = try Self.rtp(sequence: 501, payload: Array(repeating: 7, count: 80))
        try peers[0].media.withLock { state throws in try state.sessions()?.outbound.protect(rtp: &tampered) }
        tampered.setInteger(tampered.getInteger(at: tampered.readerIndex + 20, as: UInt8.self)! ^ 0x01,
                            at: tampered.readerIndex + 20)
        peers[1].receiveSRTP(tampered, isRTCP: false)
        try await Self.waitFor { inbox.count == delivered + 1 }
        #expect(inbox.count == delivered + 1, "only the genuine first copy is delivered")
        #expect(peers[1].srtpCounters.replays == 1)
        #expect(peers[1].srtpCounters.authenticationFailures == 2)

        for peer in peers { await peer.close() }
        try await group.shutdownGracefully()
    }

    @Test func nothingIsSentOrDeliveredBeforeDTLSExportsKeys() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = ICEEndpoint.Options()
        options.loopbackOnly = true
        let transport = try await PeerTransport.make(on: group.next(), iceRole: .controlling,
                                                     certificate: try DTLSCertificate.generate(), iceOptions: options) { _ in }
        let inbox = Inbox()
        transport.setMediaReceiver { packet in inbox.packets.withLock { $0.append(packet) } }
        #expect(!transport.isSRTPReady)
        #expect(!transport.sendRTP(try Self.rtp(sequence: 1, payload: [1, 2, 3])), "plain RTP never leaves")
        transport.receiveSRTP(try Self.rtp(sequence: 1, payload: [1, 2, 3]), isRTCP: false)
        #expect(transport.srtpCounters.unsentBeforeKeys == 1)
        #expect(transport.srtpCounters.droppedBeforeKeys == 1)
        #expect(inbox.count == 0)
        await transport.close()
        try await group.shutdownGracefully()
    }
}
