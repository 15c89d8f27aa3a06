import AsyncRTC
import AsyncRTCTesting
import Synchronization
import Testing

/// Peer connections through coturn over TLS (`turns:` URLs and ``RTCConfiguration/iceServerCAFile``).
@Suite(.enabled(if: CoturnServer.isAvailable(tls: true)), .serialized, .timeLimit(.minutes(2)))
struct PeerConnectionTURNTLSTests {
    func configuration(_ turn: CoturnServer, trusted: Bool = true) -> RTCConfiguration {
        var configuration = RTCConfiguration(
            iceServers: [RTCIceServer(urls: [turn.turnsURL], username: CoturnServer.username,
                                      credential: CoturnServer.password)],
            iceTransportPolicy: .relay, loopbackOnly: true)
        if trusted { configuration.iceServerCAFile = turn.caFile }
        return configuration
    }

    @Test func turnsURLsParse() throws {
        let url = try RTCIceServerURL(parsing: "turns:turn.example.org")
        #expect(url.scheme == .turns && url.port == 5349 && url.transport == nil)
        #expect(try RTCIceServerURL(parsing: "turns:[::1]:443?transport=tcp").description == "turns:[::1]:443?transport=tcp")
        #expect(RTCConfiguration().iceServerCAFile == nil)  // the system trust store by default
    }

    @Test func relayOnlyPeerConnectionsEchoThroughCoturnOverTLS() async throws {
        let turn = try await CoturnServer.start(tls: true)
        defer { turn.stop() }
        let offerer = RTCPeerConnection(configuration: configuration(turn))
        let answerer = RTCPeerConnection(configuration: configuration(turn))
        let remoteChannel = Mutex<RTCDataChannel?>(nil)
        answerer.onDataChannel = { channel in
            remoteChannel.withLock { $0 = channel }
            channel.onMessage = { message in
                switch message {
                case .text(let t): try? channel.send(t)
                case .binary(let b): try? channel.send(b)
                }
            }
        }
        let channel = try offerer.createDataChannel("turns")
        let inbox = PeerConnectionTURNTests.Inbox()
        channel.onMessage = { inbox.add($0) }

        try await offerer.setLocalDescription()
        let offer = try #require(offerer.localDescription)
        try await answerer.setRemoteDescription(offer)
        try await answerer.setLocalDescription()
        let answer = try #require(answerer.localDescription)
        try await offerer.setRemoteDescription(answer)
        for sdp in [offer.sdp, answer.sdp] {
            let lines = PeerConnectionTURNTests.candidateLines(sdp)
            #expect(lines.count == 1 && lines.allSatisfy { $0.contains(" typ relay ") }, "\(lines)")
        }

        try await PeerConnectionTURNTests.waitUntil { channel.readyState == .open && remoteChannel.withLock { $0 } != nil }
        try #require(channel.readyState == .open, "the data channel did not open through coturn over TLS")
        let sent: [RTCDataChannelMessage] = [
            .text("through coturn over tls"), .binary((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 11) }),
            .text("ünïcødé"),
        ]
        for m in sent {
            switch m {
            case .text(let t): try channel.send(t)
            case .binary(let b): try channel.send(b)
            }
        }
        try await PeerConnectionTURNTests.waitUntil { inbox.count >= sent.count }
        #expect(inbox.messages.withLock { $0 } == sent)
        #expect(await PeerConnectionTURNTests.selectedLocalCandidateType(offerer) == "relay")
        #expect(await PeerConnectionTURNTests.selectedLocalCandidateType(answerer) == "relay")
        await offerer.close()
        await answerer.close()
    }

    @Test func anUntrustedCertificateGivesNoRelayedCandidate() async throws {
        let turn = try await CoturnServer.start(tls: true)
        defer { turn.stop() }
        // No CA file: the self-signed certificate is checked against the system trust store and rejected.
        let pc = RTCPeerConnection(configuration: configuration(turn, trusted: false))
        let started = ContinuousClock.now
        let offer = try await pc.createOffer()
        #expect(ContinuousClock.now - started < .seconds(30), "bounded by the TLS connect timeout, no hang")
        #expect(PeerConnectionTURNTests.candidateLines(offer.sdp).isEmpty, "\(offer.sdp)")
        await pc.close()
    }
}
