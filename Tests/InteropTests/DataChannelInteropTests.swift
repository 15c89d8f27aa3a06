import AsyncRTC
import AsyncRTCTesting
import AsyncRTCContrib
import Foundation
import RTCCrypto
import Synchronization
import Testing

/// Data channels between AsyncRTC and a real aiortc (pinned, from PyPI), in both roles, over loopback UDP.
@Suite(.enabled(if: PythonPeer.isAvailable), .serialized, .timeLimit(.minutes(3)))
struct DataChannelInteropTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)
    /// The same messages the peer script sends (TEST_MESSAGES in datachannel_peer.py).
    static let testMessages: [RTCDataChannelMessage] = [
        .text("hello"), .binary([1, 2, 3]), .text(""), .binary([]), .text("ünïcødé 🚀 中文"),
        .binary((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 13) }),
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

    @Test func asyncRTCOffersAiortcAnswersAndEchoes() async throws {
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-dc-\(UUID().uuidString).jsonl")
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))
        let peer = try PythonPeer("datachannel_peer.py", ["answer", "127.0.0.1", String(port), out.path])

        let pc = RTCPeerConnection(configuration: Self.configuration)
        let chat = try pc.createDataChannel("chat", protocol: "p1")
        let lossy = try pc.createDataChannel("lossy", ordered: false, maxRetransmits: 0)
        let chatInbox = Inbox(), lossyInbox = Inbox()
        chat.onMessage = { chatInbox.add($0) }
        lossy.onMessage = { lossyInbox.add($0) }

        try await pc.setLocalDescription()
        try await signaling.send(.description(try #require(pc.localDescription)))
        guard case .description(let answer)? = try await signaling.receive() else {
            Issue.record("expected aiortc's answer")
            return
        }
        try await pc.setRemoteDescription(answer)
        try await Self.waitUntil { chat.readyState == .open && lossy.readyState == .open }
        try #require(chat.readyState == .open && lossy.readyState == .open)
        #expect(pc.connectionState == .connected)

        for m in Self.testMessages {
            switch m {
            case .text(let t): try chat.send(t)
            case .binary(let b): try chat.send(b)
            }
        }
        for n in 0..<100 { try lossy.send("u\(n)") }
        try await Self.waitUntil { chatInbox.count >= Self.testMessages.count && lossyInbox.count >= 100 }
        #expect(chatInbox.messages.withLock { $0 } == Self.testMessages)
        // Unordered and without retransmissions: on loopback all arrive, in any order.
        #expect(Set(lossyInbox.messages.withLock { $0 }) == Set((0..<100).map { RTCDataChannelMessage.text("u\($0)") }))

        try await signaling.send(.bye)
        try await peer.wait()
        await signaling.close()
        await pc.close()

        let lines = try PythonPeer.jsonLines(out)
        let channels = lines.filter { $0["event"] as? String == "channel" }
        #expect(channels.count == 2)
        let chatInfo = try #require(channels.first { $0["label"] as? String == "chat" })
        #expect(chatInfo["protocol"] as? String == "p1" && chatInfo["ordered"] as? Bool == true)
        let lossyInfo = try #require(channels.first { $0["label"] as? String == "lossy" })
        #expect(lossyInfo["ordered"] as? Bool == false && lossyInfo["maxRetransmits"] as? Int == 0)
        let received = lines.filter { $0["event"] as? String == "message" && $0["label"] as? String == "chat" }
        try #require(received.count == Self.testMessages.count)
        for (line, sent) in zip(received, Self.testMessages) {
            let (kind, length, hash) = Self.describe(sent)
            #expect(line["kind"] as? String == kind && line["length"] as? Int == length && line["sha256"] as? String == hash)
        }
    }

    @Test func aiortcOffersAsyncRTCAnswersAndEchoes() async throws {
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-dc-\(UUID().uuidString).jsonl")
        let peer = try PythonPeer("datachannel_peer.py", ["offer", "127.0.0.1", String(port), out.path])
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))

        let pc = RTCPeerConnection(configuration: Self.configuration)
        let inbox = Inbox()
        let opened = Mutex<RTCDataChannel?>(nil)
        pc.onDataChannel = { channel in
            opened.withLock { $0 = channel }
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
        try await signaling.send(.description(try #require(pc.localDescription)))
        // aiortc sends its messages, checks the echoes and says bye.
        #expect(try await signaling.receive() == .bye)
        try await peer.wait()
        await signaling.close()

        #expect(opened.withLock { $0?.label } == "chat")
        #expect(inbox.messages.withLock { $0 } == Self.testMessages)
        let result = try #require(try PythonPeer.jsonLines(out).first { $0["event"] as? String == "result" })
        #expect(result["echoesMatch"] as? Bool == true)
        #expect(result["echoes"] as? Int == Self.testMessages.count)
        await pc.close()
    }
}
