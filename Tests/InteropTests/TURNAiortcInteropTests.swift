import AsyncRTC
import AsyncRTCTesting
import AsyncRTCContrib
import Foundation
import RTCCrypto
import Synchronization
import Testing

extension CoturnServer {
    /// Whether the coturn suites run (a missing coturn fails them under `ASYNCRTC_REQUIRE_INTEROP=1`).
    static func isAvailable(tls: Bool = false) -> Bool { available(tls: tls) { Issue.record(Comment(rawValue: $0)) } }
}

/// AsyncRTC, relay-only, and a real aiortc (configured with the same TURN server) through coturn on loopback,
/// with the Swift side reaching coturn over UDP and over TCP.
@Suite(.enabled(if: PythonPeer.isAvailable && CoturnServer.isAvailable()), .serialized, .timeLimit(.minutes(3)))
struct TURNAiortcInteropTests {
    /// The same messages the peer script sends (TEST_MESSAGES in turn_peer.py).
    static let testMessages: [RTCDataChannelMessage] = [
        .text("through coturn"), .binary([0, 1, 2]), .text("ünïcødé 🚀"),
        .binary((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }),
    ]

    static func describe(_ m: RTCDataChannelMessage) -> (String, Int, String) {
        let (kind, bytes): (String, [UInt8]) = switch m {
        case .text(let t): ("text", Array(t.utf8))
        case .binary(let b): ("binary", b)
        }
        return (kind, bytes.count, Digest.hash(.sha256, bytes).map { String(format: "%02x", $0) }.joined())
    }

    typealias Inbox = MessageInbox

    static func waitUntil(_ seconds: Double = 30, _ condition: () -> Bool) async throws {
        try await AsyncRTCTesting.waitUntil(seconds, condition)
    }

    static func configuration(_ turn: CoturnServer, _ transport: String) -> RTCConfiguration {
        RTCConfiguration(iceServers: [RTCIceServer(urls: [turn.url(transport)], username: CoturnServer.username,
                                                   credential: CoturnServer.password)],
                         iceTransportPolicy: .relay, loopbackOnly: true)
    }

    static func peerArguments(_ role: String, _ port: Int, _ out: URL, _ turn: CoturnServer, _ transport: String) -> [String] {
        [role, "127.0.0.1", String(port), out.path, turn.url(transport), CoturnServer.username,
         CoturnServer.password]
    }

    /// Our candidate lines: relayed only.
    static func expectRelayOnly(_ sdp: String) {
        let lines = sdp.split(separator: "\r\n").filter { $0.hasPrefix("a=candidate:") }
        #expect(lines.count == 1 && lines.allSatisfy { $0.hasSuffix(" typ relay raddr 0.0.0.0 rport 0") }, "\(lines)")
    }

    /// The candidate type of the local candidate of our selected pair, from getStats.
    static func selectedLocalCandidateType(_ pc: RTCPeerConnection) async -> String? {
        let report = await pc.getStats()
        guard let pairID = report.stats(of: RTCTransportStats.self).first?.selectedCandidatePairId,
              let pair = report[pairID] as? RTCIceCandidatePairStats,
              let local = report[pair.localCandidateId] as? RTCIceCandidateStats else { return nil }
        return local.candidateType
    }

    @Test(arguments: ["udp", "tcp"])
    func relayOnlyAsyncRTCOffersAiortcAnswersAndEchoes(transport: String) async throws {
        let turn = try await CoturnServer.start()
        defer { turn.stop() }
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-turn-\(UUID().uuidString).jsonl")
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))
        let peer = try PythonPeer("turn_peer.py", Self.peerArguments("answer", port, out, turn, transport))

        let pc = RTCPeerConnection(configuration: Self.configuration(turn, transport))
        let chat = try pc.createDataChannel("chat")
        let inbox = Inbox()
        chat.onMessage = { inbox.add($0) }
        try await pc.setLocalDescription()
        let offer = try #require(pc.localDescription)
        Self.expectRelayOnly(offer.sdp)
        try await signaling.send(.description(offer))
        guard case .description(let answer)? = try await signaling.receive() else {
            Issue.record("expected aiortc's answer")
            return
        }
        try await pc.setRemoteDescription(answer)
        try await Self.waitUntil { chat.readyState == .open }
        try #require(chat.readyState == .open, "the data channel did not open through coturn")

        for m in Self.testMessages {
            switch m {
            case .text(let t): try chat.send(t)
            case .binary(let b): try chat.send(b)
            }
        }
        try await Self.waitUntil { inbox.count >= Self.testMessages.count }
        #expect(inbox.messages.withLock { $0 } == Self.testMessages)
        #expect(await Self.selectedLocalCandidateType(pc) == "relay")

        try await signaling.send(.bye)
        try await peer.wait()
        await signaling.close()
        await pc.close()

        let lines = try PythonPeer.jsonLines(out)
        let received = lines.filter { $0["event"] as? String == "message" }
        try #require(received.count == Self.testMessages.count)
        for (line, sent) in zip(received, Self.testMessages) {
            let (kind, length, hash) = Self.describe(sent)
            #expect(line["kind"] as? String == kind && line["length"] as? Int == length && line["sha256"] as? String == hash)
        }
        // aiortc's view: the pair it nominated has our relayed candidate as its remote side.
        let pair = try #require(lines.first { $0["event"] as? String == "pair" })
        #expect(pair["remote"] as? String == "relay", "\(pair)")
    }

    @Test(arguments: ["udp", "tcp"])
    func aiortcOffersRelayOnlyAsyncRTCAnswersAndEchoes(transport: String) async throws {
        let turn = try await CoturnServer.start()
        defer { turn.stop() }
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-turn-\(UUID().uuidString).jsonl")
        let peer = try PythonPeer("turn_peer.py", Self.peerArguments("offer", port, out, turn, transport))
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))

        let pc = RTCPeerConnection(configuration: Self.configuration(turn, transport))
        let inbox = Inbox()
        pc.onDataChannel = { channel in
            channel.onMessage = { message in
                inbox.add(message)
                switch message {
                case .text(let t): try? channel.send(t)
                case .binary(let b): try? channel.send(b)
                }
            }
        }
        guard case .description(let offer)? = try await signaling.receive() else {
            Issue.record("expected aiortc's offer")
            return
        }
        try await pc.setRemoteDescription(offer)
        try await pc.setLocalDescription()
        let answer = try #require(pc.localDescription)
        Self.expectRelayOnly(answer.sdp)
        try await signaling.send(.description(answer))
        #expect(try await signaling.receive() == .bye)
        try await peer.wait()
        await signaling.close()

        #expect(inbox.messages.withLock { $0 } == Self.testMessages)
        #expect(await Self.selectedLocalCandidateType(pc) == "relay")
        let lines = try PythonPeer.jsonLines(out)
        let result = try #require(lines.first { $0["event"] as? String == "result" })
        #expect(result["echoesMatch"] as? Bool == true)
        let pair = try #require(lines.first { $0["event"] as? String == "pair" })
        #expect(pair["remote"] as? String == "relay", "\(pair)")
        await pc.close()
    }
}
