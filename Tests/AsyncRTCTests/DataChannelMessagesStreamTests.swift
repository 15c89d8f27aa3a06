import AsyncRTC
import AsyncRTCTesting
import Synchronization
import Testing

/// `RTCDataChannel.messages` is made on first use: messages that found neither the stream nor `onMessage` are the
/// stream's first, and a channel read through `onMessage` alone keeps nothing for a stream nobody reads.
@Suite(.serialized) struct DataChannelMessagesStreamTests {
    /// A connected pair with one negotiated channel (id 3) on each side, no DCEP.
    static func connectedPair() async throws -> (RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel) {
        let configuration = RTCConfiguration(loopbackOnly: true)
        let a = RTCPeerConnection(configuration: configuration), b = RTCPeerConnection(configuration: configuration)
        let sending = try a.createDataChannel("s", negotiated: true, id: 3)
        let receiving = try b.createDataChannel("s", negotiated: true, id: 3)
        try await a.setLocalDescription(try await a.createOffer())
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription(try await b.createAnswer())
        try await a.setRemoteDescription(try #require(b.localDescription))
        try await waitUntil { sending.readyState == .open && receiving.readyState == .open }
        return (a, b, sending, receiving)
    }

    /// The first `count` messages of `stream`.
    static func first(_ count: Int, of stream: AsyncStream<RTCDataChannelMessage>) async -> [RTCDataChannelMessage] {
        var messages: [RTCDataChannelMessage] = []
        for await message in stream {
            messages.append(message)
            if messages.count == count { break }
        }
        return messages
    }

    @Test func messagesThatArrivedBeforeTheStreamWasAskedForComeFirstThenTheStreamEndsWithTheChannel() async throws {
        let (a, b, sending, receiving) = try await Self.connectedPair()
        for i in 0..<3 { try sending.send("early \(i)") }
        // Once the stats count all three, they arrived with no consumer there.
        let deadline = ContinuousClock.now + .seconds(20)
        while await b.getStats().stats(of: RTCDataChannelStats.self).first?.messagesReceived != 3 {
            guard ContinuousClock.now < deadline else { Issue.record("the three messages never arrived"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
        let stream = receiving.messages
        try sending.send("late")
        #expect(await Self.first(4, of: stream) == [.text("early 0"), .text("early 1"), .text("early 2"), .text("late")])
        receiving.close()
        for await _ in stream { Issue.record("a message after close") }  // finishes: the channel closed
        await a.close()
        await b.close()
    }

    @Test func anOnMessageHandlerTakesMessagesAndAStreamAskedForLaterStartsFromThen() async throws {
        let (a, b, sending, receiving) = try await Self.connectedPair()
        let handled = Mutex<[RTCDataChannelMessage]>([])
        receiving.onMessage = { message in handled.withLock { $0.append(message) } }
        try sending.send("to the handler")
        try await waitUntil { handled.withLock { $0.count } == 1 }
        let stream = receiving.messages
        try sending.send("to both")
        #expect(await Self.first(1, of: stream) == [.text("to both")])
        try await waitUntil { handled.withLock { $0.count } == 2 }
        #expect(handled.withLock { $0 } == [.text("to the handler"), .text("to both")])
        await a.close()
        await b.close()
    }
}
