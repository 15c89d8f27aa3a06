import NIOCore
import RTCWire
import Testing

@Suite("RTP RTX (RFC 4588)")
struct RTPRetransmissionTests {
    @Test("wrap prepends the OSN and takes the RTX stream's SSRC, PT and sequence number")
    func wrap() throws {
        var original = RTPPacket(marker: true, payloadType: 96, sequenceNumber: 0x1234, timestamp: 90000,
                                 ssrc: 0x1111_1111, payload: ByteBuffer(string: "hello"), paddingLength: 2)
        try original.setHeaderExtension(id: 4, data: ByteBuffer(bytes: [0x42]))
        let rtx = original.rtxWrapped(ssrc: 0x2222_2222, payloadType: 97, sequenceNumber: 7)
        #expect(rtx.ssrc == 0x2222_2222)
        #expect(rtx.payloadType == 97)
        #expect(rtx.sequenceNumber == 7)
        #expect(rtx.timestamp == 90000)
        #expect(rtx.marker)
        #expect(rtx.paddingLength == 0)
        #expect(rtx.headerExtension == original.headerExtension)
        #expect(Array(rtx.payload.readableBytesView) == [0x12, 0x34] + Array("hello".utf8))
        let bytes = try rtpBytes(rtx)
        #expect(bytes.prefix(12) == ArraySlice(rtpHex("90 E1 0007 00015f90 22222222")))

        let unwrapped = try rtpParse(bytes).rtxUnwrapped(ssrc: 0x1111_1111, payloadType: 96)
        var expected = original
        expected.paddingLength = 0
        #expect(unwrapped == expected)
    }

    @Test("unwrap needs the 2-byte OSN")
    func unwrapTooShort() throws {
        let rtx = RTPPacket(payloadType: 97, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: ByteBuffer(bytes: [1]))
        #expect(expectWireError(.truncated) { try rtx.rtxUnwrapped(ssrc: 2, payloadType: 96) })
        let empty = RTPPacket(payloadType: 97, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: ByteBuffer(bytes: [0, 5]))
        let original = try empty.rtxUnwrapped(ssrc: 2, payloadType: 96)
        #expect(original.sequenceNumber == 5)
        #expect(original.payload.readableBytes == 0)
    }
}
