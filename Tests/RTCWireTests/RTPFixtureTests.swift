import Foundation
import NIOCore
import RTCWire
import Testing

/// Bytes of `Tests/RTCWireTests/Fixtures/<area>/<name>.bin`.
func rtpFixture(_ area: String, _ name: String, file: String = #filePath) throws -> [UInt8] {
    let url = URL(fileURLWithPath: file).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/\(area)/\(name).bin")
    return try [UInt8](Data(contentsOf: url))
}

/// Packets serialized by another implementation: aiortc 1.x (`aiortc.rtp`), with the header extensions a WebRTC
/// peer negotiates (mid, abs-send-time, transport-wide CC sequence number, audio level).
@Suite("RTP fixtures from aiortc")
struct RTPFixtureTests {
    @Test("Opus packet with four one-byte header extensions")
    func opusWithExtensions() throws {
        let bytes = try rtpFixture("RTP", "aiortc-opus-extensions")
        let packet = try rtpParse(bytes)
        #expect(packet.payloadType == 111)
        #expect(packet.marker)
        #expect(packet.sequenceNumber == 4660)
        #expect(packet.timestamp == 960_000)
        #expect(packet.ssrc == 0x1122_3344)
        #expect(packet.headerExtension?.form == .oneByte)
        let elements = (packet.headerExtension?.elements ?? []).map { [$0.id] + Array($0.data.readableBytesView) }
        #expect(elements == [[1, 0x30], [3, 0x12, 0x34, 0x56], [10, 0x9E], [5, 0x02, 0x01]])
        #expect(Array(packet.payload.readableBytesView) == Array(0..<40))
        #expect(try rtpBytes(packet) == bytes)
        // Re-encoding the same elements gives aiortc's bytes too.
        var rebuilt = packet
        rebuilt.headerExtension = try RTPHeaderExtension(elements: packet.headerExtension?.elements ?? [])
        #expect(try rtpBytes(rebuilt) == bytes)
    }

    @Test("VP8 packet with CSRCs and its RTX retransmission")
    func rtx() throws {
        let original = try rtpParse(rtpFixture("RTP", "aiortc-vp8-csrc"))
        #expect(original.csrcs == [1, 2])
        #expect(original.sequenceNumber == 65535)
        let rtxBytes = try rtpFixture("RTP", "aiortc-rtx")
        let rtx = try rtpParse(rtxBytes)
        #expect(rtx.ssrc == 0x5566_7788)
        #expect(rtx.payloadType == 97)
        #expect(rtx.sequenceNumber == 10)
        #expect(try rtx.rtxUnwrapped(ssrc: 0xAABB_CCDD, payloadType: 96) == original)
        #expect(try rtpBytes(original.rtxWrapped(ssrc: 0x5566_7788, payloadType: 97, sequenceNumber: 10)) == rtxBytes)
    }
}
