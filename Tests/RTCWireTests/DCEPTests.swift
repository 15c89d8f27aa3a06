import FuzzSupport
import NIOCore
import RTCWire
import Testing

@Suite struct DCEPTests {
    /// DATA_CHANNEL_OPEN for label "chat", protocol "", reliable, priority 256, laid out by hand from RFC 8832 §5.1.
    static let openChat: [UInt8] = [
        0x03, 0x00, 0x01, 0x00,  // type OPEN, channel type RELIABLE, priority 256
        0x00, 0x00, 0x00, 0x00,  // reliability parameter
        0x00, 0x04, 0x00, 0x00,  // label length 4, protocol length 0
        0x63, 0x68, 0x61, 0x74,  // "chat"
    ]

    @Test func parsesHandBuiltOpen() throws {
        var buffer = ByteBuffer(bytes: Self.openChat)
        let message = try DCEPMessage(parsing: &buffer)
        #expect(message == .open(DataChannelOpen(channelType: .reliable, priority: 256, label: "chat")))
        guard case .open(let open) = message else { return }
        #expect(open.channelType.isOrdered && open.channelType.isReliable)
    }

    @Test func serializesOpenExactly() {
        var buffer = ByteBuffer()
        DCEPMessage.open(DataChannelOpen(label: "chat")).write(to: &buffer)
        #expect(Array(buffer.readableBytesView) == Self.openChat)
    }

    @Test(arguments: DataChannelChannelType.known)
    func roundTripsEveryChannelType(_ type: DataChannelChannelType) throws {
        let open = DataChannelOpen(channelType: type, priority: 512, reliabilityParameter: 1500,
                                   label: "ünïcødé label 🚀", protocol: "proto/1")
        var buffer = ByteBuffer()
        DCEPMessage.open(open).write(to: &buffer)
        #expect(try DCEPMessage(parsing: &buffer) == .open(open))
    }

    @Test func channelTypeFromW3COptions() {
        #expect(DataChannelChannelType(ordered: true, maxRetransmits: nil, maxPacketLifeTime: nil) == .reliable)
        #expect(DataChannelChannelType(ordered: false, maxRetransmits: 0, maxPacketLifeTime: nil) == .partialReliableRexmitUnordered)
        #expect(DataChannelChannelType(ordered: true, maxRetransmits: nil, maxPacketLifeTime: 100) == .partialReliableTimed)
        #expect(DataChannelChannelType.partialReliableTimedUnordered.limitsLifetime)
        #expect(!DataChannelChannelType.partialReliableTimedUnordered.isOrdered)
    }

    @Test func ackIsOneByte() throws {
        var buffer = ByteBuffer()
        DCEPMessage.ack.write(to: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x02])
        #expect(try DCEPMessage(parsing: &buffer) == .ack)
        var long = ByteBuffer(bytes: [0x02, 0x00])
        #expect(throws: WireError(.dcep, .malformed, "")) { try DCEPMessage(parsing: &long) }
    }

    @Test func everyTruncationIsATypedError() {
        for length in 0..<Self.openChat.count {
            var buffer = ByteBuffer(bytes: Self.openChat.prefix(length))
            #expect(throws: WireError(.dcep, .truncated, "")) { try DCEPMessage(parsing: &buffer) }
        }
    }

    @Test func rejectsHostileFields() {
        var unknownType = ByteBuffer(bytes: [0x07])
        #expect(throws: WireError(.dcep, .unsupported, "")) { try DCEPMessage(parsing: &unknownType) }

        var badChannelType = Self.openChat
        badChannelType[1] = 0x03
        var buffer = ByteBuffer(bytes: badChannelType)
        #expect(throws: WireError(.dcep, .malformed, "")) { try DCEPMessage(parsing: &buffer) }

        // A label length of 65535 with 4 bytes present must fail before anything of that size is allocated.
        var hugeLabel = Self.openChat
        hugeLabel[8] = 0xFF
        hugeLabel[9] = 0xFF
        buffer = ByteBuffer(bytes: hugeLabel)
        #expect(throws: WireError(.dcep, .truncated, "")) { try DCEPMessage(parsing: &buffer) }

        var trailing = ByteBuffer(bytes: Self.openChat + [0x00])
        #expect(throws: WireError(.dcep, .malformed, "")) { try DCEPMessage(parsing: &trailing) }

        var invalidUTF8 = Self.openChat
        invalidUTF8[12] = 0xC3
        invalidUTF8[13] = 0x28
        buffer = ByteBuffer(bytes: invalidUTF8)
        #expect(throws: WireError(.dcep, .malformed, "")) { try DCEPMessage(parsing: &buffer) }
    }

    @Test func corpusReplays() throws {
        try CorpusReplay.replay("DCEP", FuzzChecks.dcep)
    }
}

@Suite struct DemuxTests {
    @Test func classifiesByFirstByteAsRFC7983Says() {
        #expect(PacketClass(classifying: [0x00, 0x01]) == .stun)
        #expect(PacketClass(classifying: [0x03]) == .stun)
        #expect(PacketClass(classifying: [0x04]) == .unknown)
        #expect(PacketClass(classifying: [16]) == .zrtp)
        #expect(PacketClass(classifying: [22, 0xFE, 0xFD]) == .dtls)  // a DTLS 1.2 handshake record
        #expect(PacketClass(classifying: [63]) == .dtls)
        #expect(PacketClass(classifying: [0x40, 0x00]) == .turnChannel)
        #expect(PacketClass(classifying: [79]) == .turnChannel)
        #expect(PacketClass(classifying: [80]) == .unknown)
        #expect(PacketClass(classifying: [0x80, 111]) == .rtp)  // Opus, PT 111
        #expect(PacketClass(classifying: [0x80, 0x80 | 96]) == .rtp)  // marker + PT 96
        #expect(PacketClass(classifying: [0x80, 200]) == .rtcp)  // SR
        #expect(PacketClass(classifying: [0x81, 205]) == .rtcp)  // RTPFB
        #expect(PacketClass(classifying: [0x80]) == .unknown)
        #expect(PacketClass(classifying: [192]) == .unknown)
        #expect(PacketClass(classifying: [UInt8]()) == .unknown)
    }

    @Test func everyFirstByteHasExactlyOneClass() {
        var counts: [PacketClass: Int] = [:]
        for b in 0...255 { counts[PacketClass(classifying: [UInt8(b), 0]), default: 0] += 1 }
        #expect(counts[.stun] == 4)
        #expect(counts[.zrtp] == 4)
        #expect(counts[.dtls] == 44)
        #expect(counts[.turnChannel] == 16)
        #expect(counts[.rtp] == 64)
        #expect(counts[.unknown] == 124)
    }
}
