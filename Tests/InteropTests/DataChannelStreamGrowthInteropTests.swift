import AsyncRTC
import AsyncRTCContrib
import AsyncRTCTesting
import Foundation
import RTCTransport
import Testing

extension DataChannelInteropTests {
    /// What AsyncRTC's channel `index` sends.
    static func growthPayloads(_ index: Int) -> [RTCDataChannelMessage] {
        [.text("asyncrtc channel \(index) ✓"), .binary((0..<(250 + index * 61)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) })]
    }

    /// AsyncRTC starts SCTP with 16 outbound streams towards aiortc and adds streams (RFC 6525 §4.5, which aiortc
    /// answers) as channels need them: 24 channels of ours (odd ids up to 47) and 40 of aiortc's (even ids up to
    /// 78, which our DCEP ACKs need) all carry their messages both ways intact.
    @Test func channelsBeyondTheInitialStreamsOpenBothWaysWithAiortc() async throws {
        PeerTransport.sctpStreamGrowth = .always
        defer { PeerTransport.sctpStreamGrowth = .towardsAsyncRTC }
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-streams-\(UUID().uuidString).jsonl")
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))
        let peer = try PythonPeer("streams_peer.py", ["127.0.0.1", String(port), out.path, "40"])

        let pc = RTCPeerConnection(configuration: Self.configuration)
        pc.onDataChannel = { channel in
            channel.onMessage = { message in
                switch message {
                case .text(let t): try? channel.send(t)
                case .binary(let b): try? channel.send(b)
                }
            }
        }
        var channels: [(index: Int, channel: RTCDataChannel, inbox: Inbox)] = []
        for index in 0..<24 {
            let channel = try pc.createDataChannel("s-\(index)", ordered: index % 2 == 0)
            let inbox = Inbox()
            channel.onMessage = { inbox.add($0) }
            channels.append((index, channel, inbox))
        }
        try await pc.setLocalDescription()
        try await signaling.send(.description(try #require(pc.localDescription)))
        guard case .description(let answer)? = try await signaling.receive() else {
            Issue.record("expected aiortc's answer")
            return
        }
        try await pc.setRemoteDescription(answer)
        try await Self.waitUntil { channels.allSatisfy { $0.channel.readyState == .open } }
        try #require(channels.allSatisfy { $0.channel.readyState == .open })
        #expect(channels.contains { ($0.channel.id ?? 0) >= 16 })

        for entry in channels {
            for message in Self.growthPayloads(entry.index) {
                switch message {
                case .text(let t): try entry.channel.send(t)
                case .binary(let b): try entry.channel.send(b)
                }
            }
        }
        try await Self.waitUntil { channels.allSatisfy { $0.inbox.count >= 2 } }
        for entry in channels {
            #expect(Set(entry.inbox.messages.withLock { $0 }) == Set(Self.growthPayloads(entry.index)),
                    "channel \(entry.channel.label)")
        }

        // aiortc's own 40 channels, echoed by us.
        var result: [String: Any]?
        for _ in 0..<600 where result == nil {
            result = (try? PythonPeer.jsonLines(out))?.first { $0["event"] as? String == "result" }
            if result == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(result?["channels"] as? Int == 40 && result?["echoed"] as? Int == 40, "\(String(describing: result))")

        try await signaling.send(.bye)
        try await peer.wait()
        await signaling.close()
        await pc.close()
    }
}
