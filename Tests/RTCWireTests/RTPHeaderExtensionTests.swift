import NIOCore
import RTCWire
import Testing

@Suite("RTPHeaderExtension")
struct RTPHeaderExtensionTests {
    private func elements(_ packet: RTPPacket) -> [[UInt8]] {
        (packet.headerExtension?.elements ?? []).map { [$0.id] + Array($0.data.readableBytesView) }
    }

    @Test("one-byte form (RFC 8285 §4.2), with padding between elements")
    func oneByte() throws {
        let bytes = rtpHex("90 60 0001 00000001 00000002 | bede 0002 | 11 aabb 00 | 30 cc 0000 | ff")
        let packet = try rtpParse(bytes)
        #expect(packet.headerExtension?.form == .oneByte)
        #expect(elements(packet) == [[1, 0xAA, 0xBB], [3, 0xCC]])
        #expect(packet.headerExtension(id: 3).map { Array($0.readableBytesView) } == [0xCC])
        #expect(packet.headerExtension(id: 2) == nil)
        #expect(Array(packet.payload.readableBytesView) == [0xFF])
        #expect(try rtpBytes(packet) == bytes)
    }

    @Test("one-byte id 15 ends the block")
    func oneByteId15() throws {
        let packet = try rtpParse(rtpHex("90 60 0001 00000001 00000002 | bede 0001 | 10 aa f0 bb"))
        #expect(elements(packet) == [[1, 0xAA]])
    }

    @Test("one-byte id 0 is a padding byte whatever its length nibble")
    func oneByteId0() throws {
        let packet = try rtpParse(rtpHex("90 60 0001 00000001 00000002 | bede 0001 | 05 10 aa 00"))
        #expect(elements(packet) == [[1, 0xAA]])
    }

    @Test("two-byte form (RFC 8285 §4.3): zero-length data and ids above 14")
    func twoByte() throws {
        let bytes = rtpHex("90 60 0001 00000001 00000002 | 1005 0002 | 01 00 | 0f 03 aabbcc | 00")
        let packet = try rtpParse(bytes)
        #expect(packet.headerExtension?.form == .twoByte(appBits: 5))
        #expect(elements(packet) == [[1], [15, 0xAA, 0xBB, 0xCC]])
        #expect(try rtpBytes(packet) == bytes)
    }

    @Test("the same elements in either form are equal")
    func formsCompareByValue() throws {
        let one = try rtpParse(rtpHex("90 60 0001 00000001 00000002 | bede 0001 | 10 aa 0000"))
        let two = try rtpParse(rtpHex("90 60 0001 00000001 00000002 | 1000 0001 | 01 01 aa 00"))
        #expect(one == two)
    }

    @Test("building picks one-byte when every id is 1–14 and every length 1–16")
    func formChoice() throws {
        let small = try RTPHeaderExtension(elements: [
            .init(id: 1, data: ByteBuffer(bytes: [1])),
            .init(id: 14, data: ByteBuffer(bytes: Array(repeating: 7, count: 16))),
        ])
        #expect(small.form == .oneByte)
        #expect(Array(small.data.readableBytesView.prefix(2)) == [0x10, 0x01])
        #expect(small.data.readableBytes == 20)
        let id15 = try RTPHeaderExtension(elements: [.init(id: 15, data: ByteBuffer(bytes: [1]))])
        #expect(id15.form == .twoByte(appBits: 0))
        #expect(Array(id15.data.readableBytesView) == [15, 1, 1, 0])
        let empty = try RTPHeaderExtension(elements: [.init(id: 1, data: ByteBuffer())])
        #expect(empty.form == .twoByte(appBits: 0))
        let long = try RTPHeaderExtension(elements: [.init(id: 2, data: ByteBuffer(bytes: Array(repeating: 0, count: 17)))])
        #expect(long.form == .twoByte(appBits: 0))
        #expect(expectWireError(.malformed) { try RTPHeaderExtension(elements: [.init(id: 0, data: ByteBuffer(bytes: [1]))]) })
        #expect(expectWireError(.tooLarge) {
            try RTPHeaderExtension(elements: [.init(id: 2, data: ByteBuffer(bytes: Array(repeating: 0, count: 256)))])
        })
    }

    @Test("set replaces in place, switches form when needed, remove drops")
    func setAndRemove() throws {
        var packet = RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: ByteBuffer())
        try packet.setHeaderExtension(id: 2, data: ByteBuffer(bytes: [0xAA]))
        try packet.setHeaderExtension(id: 5, data: ByteBuffer(bytes: [0xBB, 0xCC]))
        #expect(packet.headerExtension?.form == .oneByte)
        try packet.setHeaderExtension(id: 2, data: ByteBuffer(bytes: [0x11]))
        #expect(elements(packet) == [[2, 0x11], [5, 0xBB, 0xCC]])
        try packet.setHeaderExtension(id: 200, data: ByteBuffer(bytes: [0x22]))
        #expect(packet.headerExtension?.form == .twoByte(appBits: 0))
        #expect(elements(packet) == [[2, 0x11], [5, 0xBB, 0xCC], [200, 0x22]])
        packet.removeHeaderExtension(id: 200)
        #expect(packet.headerExtension?.form == .oneByte)
        #expect(elements(packet) == [[2, 0x11], [5, 0xBB, 0xCC]])
        #expect(try rtpParse(rtpBytes(packet)) == packet)
    }

    @Test("an unknown profile is kept raw")
    func rawProfile() throws {
        let bytes = rtpHex("90 60 0001 00000001 00000002 | abcd 0001 | 01020304 | 99")
        let packet = try rtpParse(bytes)
        let block = try #require(packet.headerExtension)
        #expect(block.form == .raw)
        #expect(block.profile == 0xABCD)
        #expect(block.elements.isEmpty)
        #expect(Array(block.data.readableBytesView) == [1, 2, 3, 4])
        #expect(try rtpBytes(packet) == bytes)
        var copy = packet
        #expect(expectWireError(.unsupported) { try copy.setHeaderExtension(id: 1, data: ByteBuffer(bytes: [1])) })
        // Raw data is padded to 32 bits.
        #expect(RTPHeaderExtension(profile: 1, data: ByteBuffer(bytes: [1, 2, 3, 4, 5])).data.readableBytes == 8)
    }

    @Test("an element running past the block is malformed")
    func overrun() {
        #expect(expectWireError(.malformed) { try rtpParse(rtpHex("90 60 0001 00000001 00000002 | bede 0001 | 13 aabbcc")) })
        #expect(expectWireError(.malformed) { try rtpParse(rtpHex("90 60 0001 00000001 00000002 | 1000 0001 | 01 05 aabb")) })
        #expect(expectWireError(.malformed) { try rtpParse(rtpHex("90 60 0001 00000001 00000002 | 1000 0001 | 000000 01")) })
    }
}
