import AsyncRTC
import AsyncRTCTesting
import Synchronization
import Testing

/// Two AsyncRTC peers start SCTP with 16 outbound streams each and add streams (RFC 6525 §4.5) as channels need
/// them: more channels than that, opened from both sides, carry their messages intact.
@Suite(.serialized) struct PeerConnectionStreamGrowthTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)

    /// Echoes every message of `channel` back on it.
    static func echo(_ channel: RTCDataChannel) {
        channel.onMessage = { message in
            switch message {
            case .text(let t): try? channel.send(t)
            case .binary(let b): try? channel.send(b)
            }
        }
    }

    /// What channel `index` of `side` sends: a text and a binary message of its own length and contents.
    static func payloads(side: UInt8, index: Int) -> [RTCDataChannelMessage] {
        let bytes = (0..<(200 + index * 97)).map { UInt8(truncatingIfNeeded: $0 &* (index + 3) &+ Int(side)) }
        return [.text("side \(side) channel \(index) ✓"), .binary(bytes)]
    }

    @Test func moreChannelsThanInitialStreamsOpenFromBothSidesAndEcho() async throws {
        let a = RTCPeerConnection(configuration: Self.configuration)
        let b = RTCPeerConnection(configuration: Self.configuration)
        a.onDataChannel = { Self.echo($0) }
        b.onDataChannel = { Self.echo($0) }
        let first = try a.createDataChannel("first")
        try await a.setLocalDescription()
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription()
        try await a.setRemoteDescription(try #require(b.localDescription))
        try await waitUntil { first.readyState == .open }
        try #require(first.readyState == .open)

        // 24 channels from each side: ids up to 47 on each side's parity, three times the 16 streams announced.
        let count = 24
        var channels: [(side: UInt8, index: Int, channel: RTCDataChannel, inbox: MessageInbox)] = []
        for index in 0..<count {
            for (side, pc) in [(UInt8(0), a), (UInt8(1), b)] {
                let channel = try pc.createDataChannel("c\(side)-\(index)", ordered: index % 3 != 0)
                let inbox = MessageInbox()
                channel.onMessage = { inbox.add($0) }
                channels.append((side, index, channel, inbox))
            }
        }
        try await waitUntil(30) { channels.allSatisfy { $0.channel.readyState == .open } }
        try #require(channels.allSatisfy { $0.channel.readyState == .open })
        let ids = channels.compactMap { $0.channel.id }
        #expect(Set(ids).count == 2 * count && ids.contains { $0 >= 40 })

        for entry in channels {
            for message in Self.payloads(side: entry.side, index: entry.index) {
                switch message {
                case .text(let t): try entry.channel.send(t)
                case .binary(let bytes): try entry.channel.send(bytes)
                }
            }
        }
        try await waitUntil(30) { channels.allSatisfy { $0.inbox.count >= 2 } }
        for entry in channels {
            let expected = Self.payloads(side: entry.side, index: entry.index)
            let received = entry.inbox.messages.withLock { $0 }
            // Unordered channels may swap the two messages.
            #expect(Set(received) == Set(expected), "channel \(entry.channel.label) id \(entry.channel.id ?? -1)")
        }
        await a.close()
        await b.close()
    }
}

extension PeerConnectionStreamGrowthTests {
    /// A channel closed while its stream is still being added never reaches the peer; the others do.
    @Test func aChannelClosedBeforeItsStreamExistsNeverOpensOnThePeer() async throws {
        let a = RTCPeerConnection(configuration: Self.configuration)
        let b = RTCPeerConnection(configuration: Self.configuration)
        let labels = Mutex<[String]>([])
        b.onDataChannel = { channel in
            labels.withLock { $0.append(channel.label) }
            Self.echo(channel)
        }
        let first = try a.createDataChannel("first")
        try await a.setLocalDescription()
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription()
        try await a.setRemoteDescription(try #require(b.localDescription))
        try await waitUntil { first.readyState == .open }
        try #require(first.readyState == .open)

        // Ids 2..16 (a is the DTLS server: odd ids 1, 3, ...; 9 channels reach id 17, past the 16 streams).
        var kept: [RTCDataChannel] = []
        for n in 0..<8 { kept.append(try a.createDataChannel("kept-\(n)")) }
        let early = try a.createDataChannel("closed-early")
        #expect((early.id ?? 0) >= 16)
        early.close()
        #expect(early.readyState == .closed)
        let late = try a.createDataChannel("late")
        try await waitUntil { late.readyState == .open && kept.allSatisfy { $0.readyState == .open } }
        #expect(late.readyState == .open)
        let inbox = MessageInbox()
        late.onMessage = { inbox.add($0) }
        try late.send("after the early close")
        try await waitUntil { inbox.count >= 1 }
        #expect(inbox.messages.withLock { $0 } == [.text("after the early close")])
        #expect(!labels.withLock { $0 }.contains("closed-early"))
        #expect(labels.withLock { $0 }.contains("late"))
        await a.close()
        await b.close()
    }
}
