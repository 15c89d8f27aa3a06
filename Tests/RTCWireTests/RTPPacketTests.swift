import NIOCore
import RTCWire
import Testing

@Suite("RTPPacket")
struct RTPPacketTests {
    @Test("parses a minimal packet laid out by hand from RFC 3550 §5.1")
    func minimal() throws {
        let bytes = rtpHex("80 60 0001 | 000003e8 | 12345678 | deadbeef")
        let packet = try rtpParse(bytes)
        #expect(packet.marker == false)
        #expect(packet.payloadType == 96)
        #expect(packet.sequenceNumber == 1)
        #expect(packet.timestamp == 1000)
        #expect(packet.ssrc == 0x1234_5678)
        #expect(packet.csrcs.isEmpty)
        #expect(packet.headerExtension == nil)
        #expect(packet.paddingLength == 0)
        #expect(Array(packet.payload.readableBytesView) == [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(try rtpBytes(packet) == bytes)
    }

    @Test("marker, CSRCs and padding")
    func csrcsAndPadding() throws {
        let bytes = rtpHex("A2 E0 ffff | 00000001 | 00000002 | 0000000a 0000000b | 010203 | 000003")
        let packet = try rtpParse(bytes)
        #expect(packet.marker)
        #expect(packet.payloadType == 96)
        #expect(packet.sequenceNumber == 0xFFFF)
        #expect(packet.csrcs == [10, 11])
        #expect(packet.paddingLength == 3)
        #expect(Array(packet.payload.readableBytesView) == [1, 2, 3])
        #expect(try rtpBytes(packet) == bytes)
        #expect(packet.encodedLength == bytes.count)
    }

    @Test("padding contents are not part of the value")
    func paddingContentIgnored() throws {
        let zeros = try rtpParse(rtpHex("A0 60 0001 00000001 00000002 aa 000003"))
        let junk = try rtpParse(rtpHex("A0 60 0001 00000001 00000002 aa ffee03"))
        #expect(zeros == junk)
        #expect(Array(junk.payload.readableBytesView) == [0xAA])
        // Padding only, no payload.
        let onlyPadding = try rtpParse(rtpHex("A0 60 0001 00000001 00000002 0000 0004"))
        #expect(onlyPadding.payload.readableBytes == 0)
        #expect(onlyPadding.paddingLength == 4)
    }

    @Test("invalid padding counts are rejected")
    func invalidPadding() {
        // Count 0.
        #expect(expectWireError(.malformed) { try rtpParse(rtpHex("A0 60 0001 00000001 00000002 aa 00")) })
        // Count beyond the bytes after the header.
        #expect(expectWireError(.malformed) { try rtpParse(rtpHex("A0 60 0001 00000001 00000002 aa 03")) })
        // P bit with nothing after the header.
        #expect(expectWireError(.truncated) { try rtpParse(rtpHex("A0 60 0001 00000001 00000002")) })
    }

    @Test("invalid version is rejected")
    func invalidVersion() {
        for first: UInt8 in [0x00, 0x40, 0xC0] {
            #expect(expectWireError(.malformed) { try rtpParse([first] + rtpHex("60 0001 00000001 00000002")) })
        }
    }

    @Test("CSRC count beyond the bytes")
    func csrcCountBeyondBytes() {
        #expect(expectWireError(.truncated) { try rtpParse(rtpHex("8F 60 0001 00000001 00000002 00000003 00000004")) })
    }

    @Test("extension length past the end")
    func extensionLengthPastEnd() {
        #expect(expectWireError(.truncated) { try rtpParse(rtpHex("90 60 0001 00000001 00000002 bede 0002 10aa0000")) })
    }

    @Test("every truncation of the header throws a typed error, every longer prefix parses")
    func truncatedEverywhere() throws {
        let bytes = rtpHex("92 60 0001 00000001 00000002 | 00000003 00000004 | bede 0001 10aa0000 | 0102030405")
        let headerLength = 12 + 8 + 8
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            if length < headerLength {
                #expect(expectWireError(.truncated) { try rtpParse(prefix) }, "prefix \(length)")
            } else {
                let packet = try rtpParse(prefix)
                #expect(packet.payload.readableBytes == length - headerLength)
            }
        }
    }

    @Test("round trip of a packet built in code, with every field")
    func roundTrip() throws {
        var packet = RTPPacket(marker: true, payloadType: 111, sequenceNumber: 65000, timestamp: 0xFFFF_FFF0,
                               ssrc: 0xCAFE_BABE, csrcs: [1, 2, 3], payload: ByteBuffer(bytes: [9, 8, 7, 6, 5]),
                               paddingLength: 7)
        try packet.setHeaderExtension(id: 1, data: ByteBuffer(bytes: [0x30]))
        try packet.setHeaderExtension(id: 3, data: ByteBuffer(bytes: [1, 2, 3]))
        let bytes = try rtpBytes(packet)
        #expect(bytes.count == packet.encodedLength)
        let parsed = try rtpParse(bytes)
        #expect(parsed == packet)
        #expect(try rtpBytes(parsed) == bytes)
    }

    @Test("payload is a slice of the input buffer")
    func payloadIsSlice() throws {
        var buffer = ByteBuffer(bytes: rtpHex("80 60 0001 000003e8 12345678 deadbeef"))
        let packet = try RTPPacket(parsing: &buffer)
        #expect(buffer.readableBytes == 0)
        // Same storage: the slice's bytes live at the input's offsets.
        let same = packet.payload.withUnsafeReadableBytes { payload in
            buffer.withVeryUnsafeBytes { all in payload.baseAddress == all.baseAddress! + 12 }
        }
        #expect(same)
    }

    @Test("write rejects values that do not fit")
    func writeLimits() {
        var packet = RTPPacket(payloadType: 96, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: ByteBuffer())
        packet.csrcs = Array(0..<16)
        #expect(expectWireError(.tooLarge) { try rtpBytes(packet) })
        packet.csrcs = []
        packet.payloadType = 128
        #expect(expectWireError(.malformed) { try rtpBytes(packet) })
    }
}
