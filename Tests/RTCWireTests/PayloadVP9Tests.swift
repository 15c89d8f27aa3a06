import NIOCore
import RTCWire
import Testing

@Suite("VP9 payload format (RFC 9628)")
struct PayloadVP9Tests {
    static func parse(_ bytes: [UInt8]) throws(WireError) -> (VP9PayloadDescriptor, Int) {
        var buffer = ByteBuffer(bytes: bytes)
        let descriptor = try VP9PayloadDescriptor(parsing: &buffer)
        return (descriptor, buffer.readableBytes)
    }

    static func written(_ descriptor: VP9PayloadDescriptor) -> [UInt8] {
        var buffer = ByteBuffer()
        descriptor.write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// A VP9 uncompressed header (profile 0): key frames carry the sync code, color config and frame size.
    static func frameHeader(keyframe: Bool, width: Int = 640, height: Int = 480, bodySize: Int = 100) -> [UInt8] {
        var bits: [Int] = [1, 0, 0, 0, 0, keyframe ? 0 : 1, 1, 0]  // marker, profile 0, show_existing 0, type, show, er
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append(value >> shift & 1) }
        }
        if keyframe {
            append(0x498342, 24)
            append(1, 3)  // color_space BT.601
            append(0, 1)  // color_range
            append(width - 1, 16)
            append(height - 1, 16)
        }
        while bits.count % 8 != 0 { bits.append(0) }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: bits.count, by: 8) {
            bytes.append(UInt8(bits[index..<index + 8].reduce(0) { $0 << 1 | $1 }))
        }
        var rng = SplitMix(seed: UInt64(bodySize))
        return bytes + (0..<bodySize).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    @Test("non-flexible descriptor with picture ID, layer indices and TL0PICIDX")
    func nonFlexible() throws {
        // I P L B E | M + 15-bit 0x0ABC | TID=2 U=1 SID=1 D=1 | TL0PICIDX 9
        let bytes: [UInt8] = [0xEC, 0x8A, 0xBC, 0x53, 0x09]
        let (d, rest) = try Self.parse(bytes + [0x00])
        #expect(d.pictureID == 0x0ABC && d.isInterPicturePredicted && d.isStartOfFrame && d.isEndOfFrame)
        #expect(!d.isFlexibleMode && d.scalabilityStructure == nil)
        #expect(d.layerIndices == .init(temporalID: 2, switchingUpPoint: true, spatialID: 1,
                                        interLayerDependency: true, tl0PicIdx: 9))
        #expect(d.headerSize == 5 && rest == 1)
        #expect(Self.written(d) == bytes)
    }

    @Test("flexible mode with three reference indices")
    func flexible() throws {
        // I P L F B | 7-bit picture ID 5 | TID 1 SID 0 | P_DIFF 1 N, 2 N, 3
        let bytes: [UInt8] = [0xF8, 0x05, 0x20, 0x03, 0x05, 0x06]
        let (d, rest) = try Self.parse(bytes)
        #expect(d.isFlexibleMode && d.referenceDiffs == [1, 2, 3] && d.pictureID == 5 && !d.hasLongPictureID)
        #expect(d.layerIndices?.tl0PicIdx == nil && d.layerIndices?.temporalID == 1 && rest == 0)
        #expect(Self.written(d) == bytes)
        // A fourth index, a P_DIFF of 0, a missing index.
        #expect(throws: WireError(.vp9, .malformed, "")) { try Self.parse([0x58, 0x03, 0x05, 0x07, 0x08]) }
        #expect(throws: WireError(.vp9, .malformed, "")) { try Self.parse([0x58, 0x00]) }
        #expect(throws: WireError(.vp9, .truncated, "")) { try Self.parse([0x58, 0x03]) }
    }

    @Test("scalability structure with resolutions and a picture group (RFC 9628 §4.2.1)")
    func scalabilityStructure() throws {
        // B V | N_S=1 Y G | 320x180, 640x360 | N_G=2 | TID0 U0 R1 P_DIFF 4 | TID1 U1 R2 P_DIFF 1 2
        let bytes: [UInt8] = [0x0A, 0x38, 0x01, 0x40, 0x00, 0xB4, 0x02, 0x80, 0x01, 0x68,
                              0x02, 0x04, 0x04, 0x38, 0x01, 0x02]
        let (d, rest) = try Self.parse(bytes)
        let ss = try #require(d.scalabilityStructure)
        #expect(ss.spatialLayerCount == 2 && rest == 0)
        #expect(ss.resolutions == [.init(width: 320, height: 180), .init(width: 640, height: 360)])
        #expect(ss.pictureGroup == [.init(temporalID: 0, referenceDiffs: [4]),
                                    .init(temporalID: 1, switchingUpPoint: true, referenceDiffs: [1, 2])])
        #expect(Self.written(d) == bytes && d.headerSize == bytes.count)
    }

    @Test("hostile descriptors throw WireError", arguments: [
        [UInt8](), [0x80], [0x80, 0x80], [0x20], [0x20, 0x00], [0x02], [0x02, 0x10], [0x02, 0xF0, 0x00],
        [0x02, 0x08], [0x02, 0x08, 0x05], [0x02, 0x08, 0x01, 0x0C], [0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
    ])
    func hostile(bytes: [UInt8]) {
        #expect(throws: WireError.self) { try Self.parse(bytes) }
    }

    @Test("the frame header reader finds key frames and their size")
    func frameHeader() {
        let key = VP9FrameHeader(parsing: Self.frameHeader(keyframe: true, width: 1280, height: 720))
        #expect(key == VP9FrameHeader(isKeyframe: true, width: 1280, height: 720))
        #expect(VP9FrameHeader(parsing: Self.frameHeader(keyframe: false)) == VP9FrameHeader(isKeyframe: false))
        #expect(VP9FrameHeader(parsing: [UInt8]()) == nil)
        #expect(VP9FrameHeader(parsing: [0x00, 0x00]) == nil)  // frame marker
        #expect(VP9FrameHeader(parsing: [0x82, 0x49, 0x83]) == nil)  // truncated key frame
    }

    @Test("payload and depayload round trip", arguments: [1, 2, 100, 1197, 1200, 10_000, 10_240])
    func roundTrip(size: Int) throws {
        var rng = SplitMix(seed: UInt64(size) &* 31)
        // Inter frame header, then random bytes up to `size`.
        let frame = Array(([0x86] + (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).prefix(size))
        var payloader = VP9Payloader(pictureID: 0x7FFF)
        let payloads = payloader.payloads(for: frame, maxPayloadSize: 1200)
        #expect(payloads.count == (size + 1196) / 1197)
        for (index, payload) in payloads.enumerated() {
            #expect(payload.count <= 1200)
            let (d, _) = try Self.parse(payload)
            #expect(d.isStartOfFrame == (index == 0) && d.isEndOfFrame == (index == payloads.count - 1))
            #expect(d.pictureID == 0x7FFF && d.isInterPicturePredicted && d.scalabilityStructure == nil)
        }
        #expect(try VP9Depayloader.frame(from: payloads.map { ByteBuffer(bytes: $0) }) == frame)
        #expect(payloader.pictureID == 0)
        #expect(!VP9Depayloader.isKeyframe(payload: ByteBuffer(bytes: payloads[0])))
    }

    @Test("key frames carry the scalability structure with their resolution")
    func keyframe() throws {
        let frame = Self.frameHeader(keyframe: true, width: 640, height: 360, bodySize: 3000)
        var payloader = VP9Payloader(pictureID: 1)
        let payloads = payloader.payloads(for: frame, maxPayloadSize: 1000)
        #expect(payloads.allSatisfy { $0.count <= 1000 })
        let (first, _) = try Self.parse(payloads[0])
        #expect(!first.isInterPicturePredicted && first.isStartOfFrame)
        #expect(first.scalabilityStructure?.resolutions == [.init(width: 640, height: 360)])
        #expect(first.scalabilityStructure?.spatialLayerCount == 1)
        let (second, _) = try Self.parse(payloads[1])
        #expect(second.scalabilityStructure == nil && !second.isInterPicturePredicted)
        #expect(VP9Depayloader.isKeyframe(payload: ByteBuffer(bytes: payloads[0])))
        #expect(!VP9Depayloader.isKeyframe(payload: ByteBuffer(bytes: payloads[1])))
        #expect(try VP9Depayloader.frame(from: payloads.map { ByteBuffer(bytes: $0) }) == frame)
        // A tiny payload size still carries every byte.
        let tiny = payloader.payloads(for: frame, maxPayloadSize: 4)
        #expect(try VP9Depayloader.frame(from: tiny.map { ByteBuffer(bytes: $0) }) == frame)
    }

    @Test("the depayloader requires B on the first payload only and E on the last only")
    func depayloaderValidation() {
        func payload(_ first: UInt8, _ byte: UInt8) -> ByteBuffer { ByteBuffer(bytes: [first, 0x80, 0x01, byte]) }
        let b = payload(0x88, 1), e = payload(0x84, 3), middle = payload(0x80, 2), be = payload(0x8C, 4)
        #expect((try? VP9Depayloader.frame(from: [b, middle, e])) == [1, 2, 3])
        #expect((try? VP9Depayloader.frame(from: [be])) == [4])
        #expect(throws: WireError(.vp9, .malformed, "")) { try VP9Depayloader.frame(from: [middle, e]) }
        #expect(throws: WireError(.vp9, .malformed, "")) { try VP9Depayloader.frame(from: [b, middle]) }
        #expect(throws: WireError(.vp9, .malformed, "")) { try VP9Depayloader.frame(from: [b, be, e]) }
        #expect(throws: WireError(.vp9, .malformed, "")) { try VP9Depayloader.frame(from: [b, e, e]) }
        #expect(throws: WireError(.vp9, .malformed, "")) {
            try VP9Depayloader.frame(from: [b, ByteBuffer(bytes: [0x84, 0x80, 0x02, 0x03])])
        }
        #expect(throws: WireError(.vp9, .truncated, "")) { try VP9Depayloader.frame(from: []) }
    }
}

@Suite("Opus and G.711 payload formats (RFC 7587, RFC 3551)")
struct PayloadAudioTests {
    @Test("one frame per payload, unchanged")
    func identity() {
        let frame: [UInt8] = [0xFC, 0xFF, 0xFE, 0x01]
        #expect(OpusPayloader.payload(for: frame) == frame)
        #expect(OpusDepayloader.frame(from: ByteBuffer(bytes: frame)) == frame)
        #expect(G711Payloader.payload(for: frame) == frame)
        #expect(G711Depayloader.frame(from: ByteBuffer(bytes: frame)) == frame)
    }
}
