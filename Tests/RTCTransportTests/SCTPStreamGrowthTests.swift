import NIOPosix
import Testing

@testable import RTCTransport

/// RFC 6525 §4.5 Add Outgoing Streams: associations that announce few streams in the INIT and add them later.
@Suite("SCTP streams added on demand (RFC 6525)", .serialized)
struct SCTPStreamGrowthTests {
    @Test("16 streams announced; each side adds outgoing streams, messages flow on the new ones both ways",
          .timeLimit(.minutes(1)))
    func addOutgoingStreams() async throws {
        let small = SCTPAssociation.Configuration(streams: 1024, initialOutboundStreams: 16)
        let pair = try SCTPPair(a: small, b: small)
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("both established") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        let up = pair.aLog.all.first { if case .established = $0 { true } else { false } }
        #expect(up == .established(outboundStreams: 16, inboundStreams: 16))
        #expect(pair.a.outboundStreams == 16)

        // Stream 40 does not exist yet: usrsctp refuses to send on it.
        #expect(throws: SCTPError.self) { try pair.a.send(streamID: 40, ppid: 51, [1]) }

        try pair.a.addOutgoingStreams(32)
        try await waitUntil("a's streams added") {
            pair.aLog.all.contains(.streamsChanged(outboundStreams: 48, inboundStreams: 16))
        }
        // The peer sees its inbound count grow.
        try await waitUntil("b sees more inbound streams") {
            pair.bLog.all.contains(.streamsChanged(outboundStreams: 16, inboundStreams: 48))
        }
        #expect(pair.a.outboundStreams == 48)
        try pair.a.send(streamID: 40, ppid: 51, Array("on stream 40".utf8))
        try await waitUntil("message on the new stream") { !pair.bLog.messages.isEmpty }
        #expect(pair.bLog.messages.first == SCTPMessage(streamID: 40, ppid: 51, bytes: Array("on stream 40".utf8)))

        // The other direction, past what a asked for.
        try pair.b.addOutgoingStreams(100)
        try await waitUntil("b's streams added") { pair.b.outboundStreams == 116 }
        try pair.b.send(streamID: 115, ppid: 53, [7, 8, 9])
        try await waitUntil("message back on stream 115") { !pair.aLog.messages.isEmpty }
        #expect(pair.aLog.messages.first == SCTPMessage(streamID: 115, ppid: 53, bytes: [7, 8, 9]))

        // Beyond the peer's inbound limit (1024): denied, and the counts stay.
        try pair.a.addOutgoingStreams(2000)
        try await waitUntil("refused") {
            pair.aLog.all.contains(.streamChangeFailed(outboundStreams: 48, inboundStreams: 116))
        }
        #expect(pair.a.outboundStreams == 48)
        pair.a.close()
        pair.b.close()
    }

    @Test("an add request while a stream reset is outstanding is refused with wouldBlock, and works after it",
          .timeLimit(.minutes(1)))
    func addWhileResetOutstanding() async throws {
        let small = SCTPAssociation.Configuration(streams: 1024, initialOutboundStreams: 16)
        let pair = try SCTPPair(a: small, b: small)
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("both established") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        try pair.a.send(streamID: 2, ppid: 51, [1])
        try pair.a.resetStreams([2])
        // Usually the reset is still in flight (the wire is a dispatch queue away); if it already finished, the
        // add simply goes through.
        do throws(SCTPError) {
            try pair.a.addOutgoingStreams(16)
        } catch {
            #expect(error.code == .wouldBlock)
            try await waitUntil("reset done") {
                pair.aLog.all.contains(.streamsReset(incoming: [], outgoing: [2]))
            }
            try pair.a.addOutgoingStreams(16)
        }
        try await waitUntil("added") { pair.a.outboundStreams == 32 }
        #expect(throws: SCTPError.self) { try pair.a.addOutgoingStreams(0) }
        pair.a.close()
        pair.b.close()
    }

    @Test("the full count is announced by default", .timeLimit(.minutes(1)))
    func defaultAnnouncesAll() async throws {
        let pair = try SCTPPair(a: .init(), b: .init(streams: 1024, initialOutboundStreams: 16))
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("both established") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        #expect(pair.a.outboundStreams == 1024)
        #expect(pair.b.outboundStreams == 16)
        let up = pair.aLog.all.first { if case .established = $0 { true } else { false } }
        #expect(up == .established(outboundStreams: 1024, inboundStreams: 16))
        pair.a.close()
        pair.b.close()
    }
}

/// The policy of ``PeerTransport``: few streams towards a peer whose ICE checks say it is AsyncRTC.
@Suite("PeerTransport starts SCTP small towards AsyncRTC", .serialized)
struct PeerTransportStreamGrowthTests {
    @Test(.timeLimit(.minutes(1)))
    func twoTransportsAnnounceSixteenStreams() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (peers, associations, _) = try await TransportStackTests.connect(group: group)
        for peer in peers { #expect(await peer.ice.peerSoftware == ICEAgent.software) }
        if PeerTransport.sctpStreamGrowth == .towardsAsyncRTC {
            #expect(associations.allSatisfy { $0.outboundStreams == PeerTransport.initialStreamsOnDemand })
        }
        for peer in peers { await peer.close() }
        try await group.shutdownGracefully()
    }
}
