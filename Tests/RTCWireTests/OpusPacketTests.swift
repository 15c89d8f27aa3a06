import FuzzSupport
import NIOCore
import RTCWire
import Testing

/// Opus packet framing (RFC 6716 §3) and the demultiplexer's fuzz corpus (issue 7, S9).
@Suite struct OpusPacketTests {
    static func parse(_ bytes: [UInt8]) throws(WireError) -> OpusPacket {
        var buffer = ByteBuffer(bytes: bytes)
        let packet = try OpusPacket(parsing: &buffer)
        #expect(buffer.readableBytes == 0)
        return packet
    }

    static func written(_ packet: OpusPacket) -> [UInt8] {
        var buffer = ByteBuffer()
        packet.write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test func codeZeroIsOneFrame() throws {
        // Config 1 (SILK NB 20 ms), mono, code 0: what libopus emits for a 20 ms voice frame.
        let packet = try Self.parse([0x08, 1, 2, 3])
        #expect(packet.configuration == 1 && !packet.stereo && packet.code == 0)
        #expect(packet.frames == [[1, 2, 3]])
        #expect(packet.samples == 960)
        #expect(Self.written(packet) == [0x08, 1, 2, 3])
    }

    @Test func codeOneIsTwoEqualFramesAndRefusesAnOddSize() throws {
        let packet = try Self.parse([0xFD, 1, 2, 3, 4])  // config 31 (CELT FB 20 ms), stereo, code 1
        #expect(packet.stereo && packet.frames == [[1, 2], [3, 4]] && packet.samples == 1920)
        #expect(throws: WireError(.opus, .malformed, "")) { try Self.parse([0xFD, 1, 2, 3]) }
    }

    @Test func codeTwoReadsOneAndTwoByteLengths() throws {
        let short = try Self.parse([0x02, 2, 9, 9, 7])
        #expect(short.frames == [[9, 9], [7]])
        // 300 bytes: first byte 252 + (300 − 252) % 4 = 252, second (300 − 252) / 4 = 12.
        let long = [0x02, 252, 12] + [UInt8](repeating: 1, count: 300) + [5]
        let packet = try Self.parse(long)
        #expect(packet.frames.map(\.count) == [300, 1])
        #expect(Self.written(packet) == long)
        #expect(throws: WireError(.opus, .truncated, "")) { try Self.parse([0x02, 10, 1]) }
        #expect(throws: WireError(.opus, .truncated, "")) { try Self.parse([0x02, 253]) }
    }

    @Test func codeThreeCBRAndVBRWithPadding() throws {
        // CBR: 3 frames of 2 bytes, padding 2 (flag 0x40, length byte 2).
        let cbr = try Self.parse([0x03, 0x43, 2, 1, 1, 2, 2, 3, 3, 0, 0])
        #expect(cbr.frames == [[1, 1], [2, 2], [3, 3]] && cbr.paddingLength == 2 && !cbr.variableBitrate)
        #expect(Self.written(cbr) == [0x03, 0x43, 2, 1, 1, 2, 2, 3, 3, 0, 0])
        // VBR: 2 frames, lengths 1 then the rest (3).
        let vbr = try Self.parse([0x03, 0x82, 1, 9, 8, 8, 8])
        #expect(vbr.frames == [[9], [8, 8, 8]] && vbr.variableBitrate)
        // Padding of 300: 255 (254 bytes, continue) then 46.
        let padded = OpusPacket(configuration: 16, stereo: false, code: 3, paddingLength: 300, frames: [[1], [2]])
        let bytes = Self.written(padded)
        #expect(Array(bytes.prefix(4)) == [0x83, 0x42, 255, 46] && bytes.count == 4 + 2 + 300)
        #expect(try Self.parse(bytes) == padded)
    }

    @Test func requirementsR1ToR7AreEnforced() {
        #expect(throws: WireError(.opus, .truncated, "")) { try Self.parse([]) }  // [R1]
        #expect(throws: WireError(.opus, .malformed, "")) { try Self.parse([0x00] + [UInt8](repeating: 0, count: 1276)) }  // [R2]
        #expect(throws: WireError(.opus, .malformed, "")) { try Self.parse([0x03, 0x00]) }  // [R5] no frames
        // [R5]: config 3 is 60 ms per frame; three frames are 180 ms.
        #expect(throws: WireError(.opus, .malformed, "")) { try Self.parse([0x1B, 0x03, 1, 1, 1]) }
        #expect(throws: WireError(.opus, .malformed, "")) { try Self.parse([0x03, 0x03, 1, 1]) }  // [R6] 2 bytes, 3 frames
        #expect(throws: WireError(.opus, .truncated, "")) { try Self.parse([0x03, 0x41, 9, 1]) }  // [R7] padding past the end
        #expect(throws: WireError(.opus, .truncated, "")) { try Self.parse([0x03, 0x41, 255]) }  // 255 needs another byte
        #expect(throws: WireError(.opus, .truncated, "")) { try Self.parse([0x03, 0x82, 200, 1]) }  // VBR length past the end
    }

    @Test func frameSizesFollowTable2() {
        #expect((0..<32).map { OpusPacket.samplesPerFrame(configuration: UInt8($0)) } ==
                [480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 480, 960,
                 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960])
    }

    @Test func opusCorpusReplays() throws {
        try CorpusReplay.replay("Opus", FuzzChecks.opus)
    }

    @Test func demuxCorpusReplays() throws {
        try CorpusReplay.replay("Demux", FuzzChecks.demux)
    }

    @Test func demuxCheckClassifiesBySecondByte() {
        // An RTCP sender report (PT 200) and an RTP packet with PT 96 share the first byte.
        #expect(PacketClass(classifying: [0x80, 200, 0, 6]) == .rtcp)
        #expect(PacketClass(classifying: [0x80, 96, 0, 1]) == .rtp)
        #expect(FuzzChecks.demux([0x16, 0xFE, 0xFD]) == .rejected(WireError(.demux, .unsupported, "")))
    }
}
