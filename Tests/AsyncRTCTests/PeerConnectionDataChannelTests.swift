@_spi(Testing) import AsyncRTC
import AsyncRTCTesting
import Foundation
import RTCCrypto
import RTCTransport
import Testing

/// Two RTCPeerConnections in one process over real UDP on loopback.
@Suite(.serialized) struct PeerConnectionDataChannelTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)

    typealias Inbox = MessageInbox

    static func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) async throws {
        try await AsyncRTCTesting.waitUntil(seconds, condition)
    }

    @Test func offerAnswerOpensAChannelAndMessagesCrossIntact() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let remoteChannel = Locked<RTCDataChannel?>(nil)
        let answererInbox = Inbox()
        answerer.onDataChannel = { channel in
            remoteChannel.withLock { $0 = channel }
            channel.onMessage = { message in
                answererInbox.add(message)
                // Echo everything back.
                switch message {
                case .text(let t): try? channel.send(t)
                case .binary(let b): try? channel.send(b)
                }
            }
        }
        let channel = try offerer.createDataChannel("chat", protocol: "echo")
        let offererInbox = Inbox()
        channel.onMessage = { offererInbox.add($0) }

        try await offerer.setLocalDescription(try await offerer.createOffer())
        let offer = try #require(offerer.localDescription)
        #expect(offer.sdp.contains("m=application") && offer.sdp.contains("a=setup:actpass"))
        try await answerer.setRemoteDescription(offer)
        try await answerer.setLocalDescription(try await answerer.createAnswer())
        let answer = try #require(answerer.localDescription)
        #expect(answer.sdp.contains("a=setup:active"))
        try await offerer.setRemoteDescription(answer)

        try await Self.waitUntil { channel.readyState == .open && remoteChannel.withLock { $0 } != nil }
        #expect(channel.readyState == .open)
        #expect(offerer.connectionState == .connected && answerer.connectionState == .connected)
        let remote = try #require(remoteChannel.withLock { $0 })
        #expect(remote.label == "chat" && remote.protocol == "echo" && remote.id == channel.id)
        // The offerer is the DTLS server here (the answerer chose active), so its ids are odd.
        #expect(channel.id == 1)

        let big = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let sent: [RTCDataChannelMessage] = [.text("hello"), .binary([1, 2, 3]), .text(""), .binary([]),
                                             .text("ünïcødé 🚀 中文"), .binary(big)]
        for m in sent {
            switch m {
            case .text(let t): try channel.send(t)
            case .binary(let b): try channel.send(b)
            }
        }
        try await Self.waitUntil { offererInbox.count >= sent.count }
        #expect(answererInbox.messages.withLock { $0 } == sent)
        #expect(offererInbox.messages.withLock { $0 } == sent)

        // Over the peer's max-message-size: a clear error, nothing sent or truncated.
        #expect(throws: RTCError(.type)) { try channel.send([UInt8](repeating: 0, count: 262_145)) }

        // Stats, with W3C names: what was sent and received, the transport, the selected pair, the certificate.
        let report = await offerer.getStats()
        let sentBytes = sent.reduce(0) { total, m in
            switch m {
            case .text(let t): total + t.utf8.count
            case .binary(let b): total + b.count
            }
        }
        let dc = try #require(report.stats(of: RTCDataChannelStats.self).first)
        #expect(dc.label == "chat" && dc.state == "open" && dc.dataChannelIdentifier == 1)
        #expect(dc.messagesSent == sent.count && dc.bytesSent == sentBytes)
        #expect(dc.messagesReceived == sent.count && dc.bytesReceived == sentBytes)
        #expect(report.stats(of: RTCPeerConnectionStats.self).first?.dataChannelsOpened == 1)
        let transport = try #require(report.stats(of: RTCTransportStats.self).first)
        #expect(transport.dtlsState == "connected" && transport.iceRole == "controlling")
        #expect(transport.bytesSent > sentBytes && transport.bytesReceived > sentBytes)
        let pair = try #require(report.stats(of: RTCIceCandidatePairStats.self).first { $0.id == transport.selectedCandidatePairId })
        #expect(pair.state == "succeeded" && pair.nominated && (pair.currentRoundTripTime ?? 0) > 0)
        let local = try #require(report[pair.localCandidateId] as? RTCIceCandidateStats)
        #expect(local.type == "local-candidate" && ["127.0.0.1", "::1"].contains(local.address) && local.candidateType == "host")
        let certificate = try #require(report.stats(of: RTCCertificateStats.self).first)
        #expect(offer.sdp.contains("a=fingerprint:sha-256 \(certificate.fingerprint)"))

        await offerer.close()
        await answerer.close()
        #expect(channel.readyState == .closed)
        #expect(offerer.connectionState == .closed)
    }

    @Test func descriptionWithoutFingerprintIsRefused() async throws {
        let pc = RTCPeerConnection(configuration: Self.configuration)
        let other = RTCPeerConnection(configuration: Self.configuration)
        _ = try other.createDataChannel("x")
        let offer = try await other.createOffer()
        let stripped = offer.sdp.split(separator: "\r\n").filter { !$0.hasPrefix("a=fingerprint") }.joined(separator: "\r\n") + "\r\n"
        await #expect(throws: RTCError(.invalidAccess)) {
            try await pc.setRemoteDescription(RTCSessionDescription(sdp: stripped, type: .offer))
        }
        await #expect(throws: RTCError(.syntax)) {
            try await pc.setRemoteDescription(RTCSessionDescription(sdp: "garbage", type: .offer))
        }
        #expect(pc.signalingState == .stable)
        await pc.close()
        await other.close()
    }
}

extension PeerConnectionDataChannelTests {
    /// Two connected peer connections with one open channel each way ("bulk"), or a failed test.
    static func connectedPair(_ label: String = "bulk") async throws -> (RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel) {
        let a = RTCPeerConnection(configuration: configuration)
        let b = RTCPeerConnection(configuration: configuration)
        let remote = Locked<RTCDataChannel?>(nil)
        b.onDataChannel = { channel in remote.withLock { $0 = channel } }
        let channel = try a.createDataChannel(label)
        try await a.setLocalDescription()
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription()
        try await a.setRemoteDescription(try #require(b.localDescription))
        let accepted = try await waitForOpen(channel, accepted: remote, between: a, b)
        return (a, b, channel, accepted)
    }

    /// Waits up to `seconds` until `channel` (opened by `a`) is open and `b`'s `onDataChannel` has handed over its
    /// side in `accepted`; returns that side. Otherwise closes both connections (or their ICE consent timers
    /// outlive the test and crash in OpenSSL at process exit) and throws with every state it saw.
    static func waitForOpen(_ channel: RTCDataChannel, accepted: Locked<RTCDataChannel?>,
                            between a: RTCPeerConnection, _ b: RTCPeerConnection,
                            seconds: Double = 20) async throws -> RTCDataChannel {
        try await waitUntil(seconds) { channel.readyState == .open && accepted.withLock { $0 } != nil }
        if channel.readyState == .open, let remote = accepted.withLock({ $0 }) { return remote }
        let seen = "channel \(channel.readyState), onDataChannel \(accepted.withLock { $0 } == nil ? "not fired" : "fired"), "
            + "connection \(a.connectionState)/\(b.connectionState), signaling \(a.signalingState)/\(b.signalingState)"
            + "; offerer: \(a.dataChannelDiagnostics); answerer: \(b.dataChannelDiagnostics)"
        await a.close()
        await b.close()
        throw RTCError(.operation, "the data channel did not open within \(Int(seconds)) s: \(seen)")
    }

    @Test func aPeerClosingDoesNotCloseTheOtherSide() async throws {
        // W3C: connectionState is `closed` only after close(), and then final. The peer's close sends a DTLS
        // close_notify and an SCTP ABORT: the channel closes, the connection does not (consent then decides).
        let (a, b, channel, _) = try await Self.connectedPair("peer-close")
        let reported = Locked<[RTCPeerConnectionState]>([])
        a.onConnectionStateChange = { state in reported.withLock { $0.append(state) } }
        await b.close()
        try await Self.waitUntil { channel.readyState == .closed }
        try await Task.sleep(for: .milliseconds(300))  // the close_notify has arrived by now on loopback
        #expect(a.connectionState != .closed)
        #expect(!reported.withLock { $0 }.contains(.closed))
        await a.close()
        #expect(a.connectionState == .closed && reported.withLock { $0 }.last == .closed)
    }

    @Test func bulkSendQueuesInsteadOfFailingAndBufferedAmountDrains() async throws {
        let (a, b, sender, receiver) = try await Self.connectedPair()
        let received = Locked((count: 0, bytes: [UInt8]()))
        receiver.onMessage = { message in
            if case .binary(let bytes) = message { received.withLock { $0.count += 1; $0.bytes += bytes } }
        }
        let low = Locked(0)
        sender.bufferedAmountLowThreshold = 1 << 20
        sender.onBufferedAmountLow = { low.withLock { $0 += 1 } }
        // 8 MiB at once: far more than usrsctp's 1 MiB send buffer, so most of it waits in our queue.
        let chunks = (0..<512).map { n in (0..<16_384).map { UInt8(truncatingIfNeeded: $0 ^ n) } }
        for chunk in chunks { try sender.send(chunk) }
        #expect(sender.bufferedAmount > 4 << 20)
        try await Self.waitUntil(60) { received.withLock { $0.count } == chunks.count }
        #expect(received.withLock { $0.count } == chunks.count)
        #expect(received.withLock { Digest.hash(.sha256, $0.bytes) } == Digest.hash(.sha256, chunks.flatMap { $0 }))
        #expect(sender.bufferedAmount == 0)
        #expect(low.withLock { $0 } >= 1)
        await a.close()
        await b.close()
    }
}

extension PeerConnectionDataChannelTests {
    /// Removes candidate lines, as a description from a peer that trickles them separately would look.
    static func withoutCandidates(_ d: RTCSessionDescription) -> RTCSessionDescription {
        let lines = d.sdp.split(separator: "\r\n").filter { !$0.hasPrefix("a=candidate") && !$0.hasPrefix("a=end-of-candidates") }
        return RTCSessionDescription(sdp: lines.joined(separator: "\r\n") + "\r\n", type: d.type)
    }

    @Test func trickledCandidatesConnect() async throws {
        let a = RTCPeerConnection(configuration: Self.configuration)
        let b = RTCPeerConnection(configuration: Self.configuration)
        let fromA = Locked<[RTCIceCandidate?]>([]), fromB = Locked<[RTCIceCandidate?]>([])
        a.onIceCandidate = { c in fromA.withLock { $0.append(c) } }
        b.onIceCandidate = { c in fromB.withLock { $0.append(c) } }
        let remote = Locked<RTCDataChannel?>(nil)
        b.onDataChannel = { channel in remote.withLock { $0 = channel } }
        let channel = try a.createDataChannel("trickle")

        try await a.setLocalDescription()
        try await b.setRemoteDescription(Self.withoutCandidates(try #require(a.localDescription)))
        try await b.setLocalDescription()
        try await a.setRemoteDescription(Self.withoutCandidates(try #require(b.localDescription)))
        // Each side announced its candidates, then nil for the end of gathering.
        let candidatesA = fromA.withLock { $0 }, candidatesB = fromB.withLock { $0 }
        #expect(candidatesA.last == .some(nil) && candidatesA.count >= 2)
        #expect(candidatesB.last == .some(nil) && candidatesB.count >= 2)
        #expect(candidatesA.compactMap { $0 }.allSatisfy { ["127.0.0.1", "::1"].contains($0.ip) && $0.sdpMid == "0" && $0.type == "host" })
        for c in candidatesA { try await b.addIceCandidate(c) }
        for c in candidatesB { try await a.addIceCandidate(c) }

        try await Self.waitUntil { channel.readyState == .open && remote.withLock { $0 } != nil }
        #expect(channel.readyState == .open)
        #expect(a.connectionState == .connected && b.connectionState == .connected)
        await a.close()
        await b.close()
    }
}
