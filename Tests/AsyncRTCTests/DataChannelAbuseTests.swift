import Dispatch
@testable import AsyncRTC
import AsyncRTCTesting
@testable import FuzzStackSupport
import RTCTransport
import RTCWire
import NIOCore
import Synchronization
import Testing

/// A lock-protected value that closures can share (a `Mutex` alone cannot be captured by copy).
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<R>(_ body: (inout sending Value) -> sending R) -> R { value.withLock(body) }
}

/// Issue 7 row S8: a peer that abuses the data channel layer is refused cleanly, and a healthy channel beside the
/// abuse keeps delivering. Two data channel hubs run over two real usrsctp associations wired back to back (the
/// wire is where DTLS would hand decrypted SCTP packets over), so raw SCTP packets and DCEP messages the hub
/// would never send can be injected from the peer's side.
@Suite(.serialized) struct DataChannelAbuseTests {
    /// Hub `a` (DTLS client: even stream ids) and hub `b` (DTLS server: odd ids) over associations `sctpA`/`sctpB`.
    final class Rig: Sendable {
        let a = DataChannelHub()
        let b = DataChannelHub()
        let sctpA: SCTPAssociation
        let sctpB: SCTPAssociation
        /// Every SCTP packet `a` sent to `b`, for mutated replays.
        let aToB = Shared<[[UInt8]]>([])
        /// Channels `b` accepted through DCEP (the datachannel event).
        let accepted = Shared<[RTCDataChannel]>([])

        init() throws {
            let wire = DispatchQueue(label: "dc-abuse-wire")
            let peers = Mutex<(a: SCTPAssociation?, b: SCTPAssociation?)>((nil, nil))
            let log = aToB
            let configuration = SCTPAssociation.Configuration(maxMessageSize: DataChannelHub.localMaxMessageSize)
            sctpA = try SCTPAssociation(configuration: configuration) { bytes in
                log.withLock { $0.append(bytes) }
                wire.async { peers.withLock { $0.b }?.receive(packet: bytes) }
            }
            sctpB = try SCTPAssociation(configuration: configuration) { bytes in
                wire.async { peers.withLock { $0.a }?.receive(packet: bytes) }
            }
            peers.withLock { $0 = (sctpA, sctpB) }
            a.setDTLSRole(.client)
            b.setDTLSRole(.server)
            let accepted = self.accepted
            b.state.withLock { $0.onDataChannel = { channel in accepted.withLock { $0.append(channel) } } }
            a.attach(sctpA)
            b.attach(sctpB)
            try sctpA.connect()
            try sctpB.connect()
        }

        /// A channel from `a`, open on both sides, with an inbox on `b`'s end.
        func healthyChannel(_ label: String) async throws -> (RTCDataChannel, MessageInbox) {
            let channel = try a.create(RTCDataChannelParameters(label: label))
            try await waitUntil { self.accepted.withLock { $0.contains { $0.label == label } } }
            let remote = try #require(accepted.withLock { $0.first { $0.label == label } })
            let inbox = MessageInbox()
            remote.onMessage = { inbox.add($0) }
            try await waitUntil { channel.readyState == .open }
            try #require(channel.readyState == .open)
            return (channel, inbox)
        }

        func close() {
            sctpA.close()
            sctpB.close()
        }
    }

    /// Sends `messages` numbered texts on `channel` and expects them, in order, in `inbox` after what it holds.
    static func expectDelivery(_ channel: RTCDataChannel, _ inbox: MessageInbox, tag: String) async throws {
        let before = inbox.count
        let sent = (0..<5).map { RTCDataChannelMessage.text("\(tag) \($0)") }
        for case .text(let text) in sent { try channel.send(text) }
        try await waitUntil { inbox.count >= before + sent.count }
        #expect(Array(inbox.messages.withLock { $0 }.dropFirst(before)) == sent, "\(tag)")
    }

    static func openBytes(label: String) -> [UInt8] {
        var buffer = ByteBuffer()
        DCEPMessage.open(DataChannelOpen(channelType: DataChannelChannelType(ordered: true, maxRetransmits: nil,
                                                                             maxPacketLifeTime: nil),
                                         priority: 256, reliabilityParameter: 0, label: label, protocol: ""))
            .write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// RFC 8832 §6: the DTLS client opens on even stream ids, the server on odd ones. A DATA_CHANNEL_OPEN from the
    /// server on an even id is ignored, as libwebrtc does when it cannot create the channel: no ACK, no channel
    /// surfaces, and the stream is *not* reset (an even id belongs to our own allocation; resetting it could
    /// close a channel we open on it). The same goes for an OPEN on a stream that already carries a channel.
    @Test func anOpenOnAStreamOfTheWrongParityIsIgnored() async throws {
        let rig = try Rig()
        defer { rig.close() }
        let (healthy, inbox) = try await rig.healthyChannel("healthy")
        try await Self.expectDelivery(healthy, inbox, tag: "before")
        // `b` answers `a`'s channels on odd ids only; this OPEN comes from `b` (the DTLS server) on even ids.
        let wrongParity: UInt16 = 6
        try rig.sctpB.send(streamID: wrongParity, ppid: SCTPPayloadProtocolIdentifier.dcep.rawValue,
                           Self.openBytes(label: "intruder"))
        // And one on the healthy channel's own stream.
        try rig.sctpB.send(streamID: UInt16(try #require(healthy.id)), ppid: SCTPPayloadProtocolIdentifier.dcep.rawValue,
                           Self.openBytes(label: "hijack"))
        let surfaced = Mutex<[String]>([])
        rig.a.state.withLock { $0.onDataChannel = { channel in surfaced.withLock { $0.append(channel.label) } } }
        try await Self.expectDelivery(healthy, inbox, tag: "after")
        try await Task.sleep(for: .milliseconds(200))
        #expect(surfaced.withLock { $0 }.isEmpty)
        #expect(rig.a.state.withLock { $0.channels[wrongParity] } == nil)
        #expect(rig.a.state.withLock { $0.channels.count } == 1)
        #expect(healthy.readyState == .open && healthy.label == "healthy")
    }

    /// W3C `send`: a message over the peer's max-message-size (RFC 8841 §6) throws a TypeError (``RTCError``
    /// `.type`) and is never truncated nor queued. One over our own advertised limit that a misbehaving peer
    /// sends anyway is dropped by the association (as usrsctp-based stacks discard it) without closing anything:
    /// later messages on the same channel and others still arrive.
    @Test func messagesOverTheMaxMessageSizeAreRefusedOnSendAndDroppedOnReceive() async throws {
        let rig = try Rig()
        defer { rig.close() }
        let (healthy, inbox) = try await rig.healthyChannel("healthy")
        let (other, otherInbox) = try await rig.healthyChannel("other")
        rig.a.setRemoteMaxMessageSize(1000)
        #expect { try healthy.send([UInt8](repeating: 7, count: 1001)) } throws: { ($0 as? RTCError)?.code == .type }
        #expect(healthy.bufferedAmount == 0)
        try healthy.send([UInt8](repeating: 7, count: 1000))
        try await waitUntil { inbox.count >= 1 }
        #expect(inbox.messages.withLock { $0 } == [.binary([UInt8](repeating: 7, count: 1000))])
        try await Self.expectDelivery(healthy, inbox, tag: "after refused send")

        // The peer (`b`) sends past our limit straight through its association, on the healthy channel's stream
        // and on the other one.
        let tooLarge = [UInt8](repeating: 9, count: DataChannelHub.localMaxMessageSize + 1)
        let remoteHealthy = try #require(rig.accepted.withLock { $0.first { $0.label == "healthy" } })
        let back = MessageInbox()
        healthy.onMessage = { back.add($0) }
        let otherBack = MessageInbox()
        other.onMessage = { otherBack.add($0) }
        for id in [healthy.id, other.id] {
            try rig.sctpB.send(streamID: UInt16(try #require(id)), ppid: SCTPPayloadProtocolIdentifier.binary.rawValue,
                               tooLarge)
        }
        try await Self.expectDelivery(remoteHealthy, back, tag: "after oversized")
        let remoteOther = try #require(rig.accepted.withLock { $0.first { $0.label == "other" } })
        try await Self.expectDelivery(remoteOther, otherBack, tag: "other after oversized")
        #expect(!back.messages.withLock { $0 }.contains(.binary(tooLarge)))
        #expect(healthy.readyState == .open && other.readyState == .open)
        try await Self.expectDelivery(other, otherInbox, tag: "other forward")
    }

    /// RFC 9260 §8.5: a packet whose verification tag is not the association's is discarded; §6.8: so is one
    /// whose CRC32c does not match. Copies of a real DATA packet, altered, are injected where DTLS hands
    /// decrypted packets to the association: none delivers a message, and the channel goes on.
    @Test func packetsWithAWrongVerificationTagOrChecksumAreDiscarded() async throws {
        let rig = try Rig()
        defer { rig.close() }
        let (healthy, inbox) = try await rig.healthyChannel("healthy")
        rig.aToB.withLock { $0.removeAll() }
        try healthy.send("marker")
        try await waitUntil { inbox.count >= 1 }
        // The DATA packet (chunk type 0 right after the 12-byte common header) that carried "marker".
        let original = try #require(rig.aToB.withLock { $0 }.first { $0.count > 16 && $0[12] == 0 })
        func rewritingChecksum(_ packet: [UInt8]) -> [UInt8] {
            var packet = packet
            packet.replaceSubrange(8..<12, with: [0, 0, 0, 0])
            let crc = CRC32c.checksum(packet)
            packet.replaceSubrange(8..<12, with: [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF),
                                                  UInt8(crc >> 24)])
            return packet
        }
        // A fresh TSN and a different payload, so that a packet let through would show as a new message.
        func forged(_ text: String) -> [UInt8] {
            var packet = original
            packet[13] |= 0x04  // unordered: delivered even though the TSNs between are missing
            let tsn = (UInt32(packet[16]) << 24 | UInt32(packet[17]) << 16 | UInt32(packet[18]) << 8 | UInt32(packet[19])) &+ 1000
            packet.replaceSubrange(16..<20, with: [UInt8(tsn >> 24), UInt8(tsn >> 16 & 0xFF), UInt8(tsn >> 8 & 0xFF),
                                                   UInt8(tsn & 0xFF)])
            let payload = Array(text.utf8)
            packet.replaceSubrange(28..<(28 + min(payload.count, packet.count - 28)), with: payload.prefix(packet.count - 28))
            return packet
        }
        var wrongTag = forged("wrongt")
        wrongTag[4] ^= 0x5A  // the verification tag's first byte
        rig.sctpB.receive(packet: rewritingChecksum(wrongTag))
        var badCRC = rewritingChecksum(forged("badcrc"))
        badCRC[8] ^= 0xFF
        rig.sctpB.receive(packet: badCRC)
        try await Self.expectDelivery(healthy, inbox, tag: "after forgery")
        let texts = { inbox.messages.withLock { $0 }.compactMap { if case .text(let t) = $0 { t } else { nil } } }
        #expect(!texts().contains { $0.hasPrefix("wrongt") || $0.hasPrefix("badcrc") })
        #expect(healthy.readyState == .open && rig.sctpB.isEstablished && rig.sctpA.isEstablished)

        // The control, last: the same forgery with the right tag and checksum is delivered, so the two above were
        // refused for their tag and checksum only. (Its TSN was never sent by `a`, whose SACK check then aborts
        // the association: that is why it comes last.)
        rig.sctpB.receive(packet: rewritingChecksum(forged("contrl")))
        try await waitUntil { texts().contains { $0.hasPrefix("contrl") } }
        #expect(texts().contains { $0.hasPrefix("contrl") })
    }

    /// `close()` on a channel whose connection is gone has no stream to reset: the channel becomes closed and its
    /// close event fires once.
    @Test func closeWithoutAHubClosesTheChannel() async throws {
        var hub: DataChannelHub? = DataChannelHub()
        let channel = try #require(try hub?.create(RTCDataChannelParameters(label: "orphan")))
        let closes = Mutex(0)
        channel.onClose = { closes.withLock { $0 += 1 } }
        hub = nil
        #expect(channel.hub == nil)
        channel.close()
        channel.close()
        #expect(channel.readyState == .closed)
        #expect(closes.withLock { $0 } == 1)
    }
}
