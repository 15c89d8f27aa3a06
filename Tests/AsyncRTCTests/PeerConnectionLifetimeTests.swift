@_spi(Testing) @testable import AsyncRTC
import AsyncRTCTesting
import Testing

/// A closed peer connection that its user let go of is freed, with its channels, senders and receivers: nothing
/// in the stack (pump tasks, event handlers, timers) may keep it, or a server leaks every connection it ends.
@Suite struct PeerConnectionLifetimeTests {
    final class Leftovers {
        weak var offerer: RTCPeerConnection?
        weak var answerer: RTCPeerConnection?
        weak var channel: RTCDataChannel?
        weak var sender: RTCRtpSender?
        weak var receiver: RTCRtpReceiver?

        var alive: [String] {
            [("offerer", offerer as AnyObject?), ("answerer", answerer), ("data channel", channel),
             ("sender", sender), ("receiver", receiver)].compactMap { $0.1 == nil ? nil : $0.0 }
        }
    }

    /// A pair with a data channel and an audio track that has carried a message and some audio, then closed.
    static func connectUseAndClose(into leftovers: Leftovers) async throws {
        let configuration = RTCConfiguration(loopbackOnly: true)
        let a = RTCPeerConnection(configuration: configuration)
        let b = RTCPeerConnection(configuration: configuration)
        let channel = try a.createDataChannel("lifetime")
        let sender = try a.addTrack(SineTrack())
        try await a.setLocalDescription()
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription()
        try await a.setRemoteDescription(try #require(b.localDescription))
        try await waitUntil(20) { channel.readyState == .open }
        try channel.send("hello")
        try await waitUntil(20) { (b.getReceivers().first?.track as? AudioStreamTrack) != nil && sender.state.withLock { $0.counters.packetsSent } > 10 }
        leftovers.offerer = a
        leftovers.answerer = b
        leftovers.channel = channel
        leftovers.sender = sender
        leftovers.receiver = b.getReceivers().first
        await a.close()
        await b.close()
    }

    @Test func aClosedConnectionIsFreedWithItsChannelsSendersAndReceivers() async throws {
        let leftovers = Leftovers()
        try await Self.connectUseAndClose(into: leftovers)
        // Tasks already running (a pump waiting for its next frame, a timer) may hold them briefly; a leak holds
        // forever.
        for _ in 0..<300 where !leftovers.alive.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        #expect(leftovers.alive.isEmpty, "still alive after close: \(leftovers.alive)")
    }
}
