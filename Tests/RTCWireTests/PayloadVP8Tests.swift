import NIOCore
import RTCWire
import Testing

@Suite("VP8 payload format (RFC 7741)")
struct PayloadVP8Tests {
    static func parse(_ bytes: [UInt8]) throws(WireError) -> (VP8PayloadDescriptor, Int) {
        var buffer = ByteBuffer(bytes: bytes)
        let descriptor = try VP8PayloadDescriptor(parsing: &buffer)
        return (descriptor, buffer.readableBytes)
    }

    static func written(_ descriptor: VP8PayloadDescriptor) -> [UInt8] {
        var buffer = ByteBuffer()
        descriptor.write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test("the minimal one-byte descriptor")
    func minimal() throws {
        let (d, rest) = try Self.parse([0x10, 0xAA])
        #expect(d.isStartOfPartition && d.isStartOfFrame && d.partitionIndex == 0)
        #expect(d.pictureID == nil && d.tl0PicIdx == nil && d.tid == nil && d.keyIdx == nil)
        #expect(d.headerSize == 1 && rest == 1)
        #expect(Self.written(d) == [0x10])
    }

    @Test("every optional field (RFC 7741 §4.2 layout): X, I with M, L, T, K")
    func allFields() throws {
        // X=1 N=1 S=1 PID=3 | I L T K | M + 15-bit 0x1234 | TL0PICIDX 0x56 | TID=2 Y=1 KEYIDX=17
        let bytes: [UInt8] = [0xB3, 0xF0, 0x92, 0x34, 0x56, 0xB1]
        let (d, rest) = try Self.parse(bytes + [0x9D])
        #expect(d.isNonReference && d.isStartOfPartition && d.partitionIndex == 3 && !d.isStartOfFrame)
        #expect(d.pictureID == 0x1234 && d.hasLongPictureID)
        #expect(d.tl0PicIdx == 0x56 && d.tid == 2 && d.layerSync && d.keyIdx == 17)
        #expect(d.headerSize == 6 && rest == 1)
        #expect(Self.written(d) == bytes)
    }

    @Test("a 7-bit PictureID and a T byte without K")
    func shortPictureID() throws {
        // X=1 S=1 | I T | M=0 PictureID 0x23 | TID=1 Y=0 (KEYIDX bits ignored without K)
        let (d, _) = try Self.parse([0x90, 0xA0, 0x23, 0x47])
        #expect(d.pictureID == 0x23 && !d.hasLongPictureID)
        #expect(d.tid == 1 && !d.layerSync && d.keyIdx == nil)
        #expect(Self.written(d) == [0x90, 0xA0, 0x23, 0x40])
        #expect(try Self.parse(Self.written(d)).0 == d)
    }

    @Test("hostile descriptors throw WireError", arguments: [
        [UInt8](), [0x80], [0x80, 0x80], [0x80, 0x80, 0x80], [0x80, 0x40], [0x80, 0x20], [0x80, 0x10],
        [0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
    ])
    func hostile(bytes: [UInt8]) {
        #expect(throws: WireError.self) { try Self.parse(bytes) }
    }

    @Test("all flags set with every field present parses")
    func allFlagsSet() throws {
        let (d, rest) = try Self.parse([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(d.pictureID == 0x7FFF && d.tl0PicIdx == 0xFF && d.tid == 3 && d.keyIdx == 31 && rest == 0)
        #expect(d.partitionIndex == 7)
    }

    static func randomFrame(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    @Test("payload and depayload round trip", arguments: [1, 2, 100, 1196, 1197, 1200, 10_000, 10_240])
    func roundTrip(size: Int) throws {
        let frame = Self.randomFrame(size, seed: UInt64(size))
        var payloader = VP8Payloader(pictureID: 0x7FFE)
        let payloads = payloader.payloads(for: frame, maxPayloadSize: 1200)
        #expect(payloads.count == (size + 1195) / 1196)
        for (index, payload) in payloads.enumerated() {
            #expect(payload.count <= 1200)
            let (d, _) = try Self.parse(payload)
            #expect(d.isStartOfFrame == (index == 0))
            #expect(d.pictureID == 0x7FFE && d.hasLongPictureID && d.headerSize == 4)
        }
        // Sizes are balanced.
        let sizes = payloads.map(\.count)
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
        #expect(try VP8Depayloader.frame(from: payloads.map { ByteBuffer(bytes: $0) }) == frame)
        // The PictureID wraps at 15 bits.
        #expect(payloader.pictureID == 0x7FFF)
        _ = payloader.payloads(for: frame, maxPayloadSize: 1200)
        #expect(payloader.pictureID == 0)
    }

    @Test("a frame of exactly one payload's capacity fits in one payload")
    func exactlyMax() throws {
        var payloader = VP8Payloader()
        let frame = Self.randomFrame(96, seed: 7)
        let payloads = payloader.payloads(for: frame, maxPayloadSize: 100)
        #expect(payloads.count == 1 && payloads[0].count == 100)
        #expect(payloader.payloads(for: Self.randomFrame(97, seed: 8), maxPayloadSize: 100).count == 2)
        #expect(payloader.payloads(for: [], maxPayloadSize: 100).isEmpty)
    }

    @Test("the depayloader validates the frame start and PictureIDs")
    func depayloaderValidation() {
        let start = ByteBuffer(bytes: [0x90, 0x80, 0x81, 0x00, 0x01])
        let middle = ByteBuffer(bytes: [0x80, 0x80, 0x81, 0x00, 0x02])
        let otherPicture = ByteBuffer(bytes: [0x80, 0x80, 0x81, 0x01, 0x02])
        let secondPartition = ByteBuffer(bytes: [0x11, 0x03])
        #expect(throws: WireError(.vp8, .malformed, "")) { try VP8Depayloader.frame(from: [middle]) }
        #expect(throws: WireError(.vp8, .malformed, "")) { try VP8Depayloader.frame(from: [start, start]) }
        #expect(throws: WireError(.vp8, .malformed, "")) { try VP8Depayloader.frame(from: [start, otherPicture]) }
        #expect(throws: WireError(.vp8, .malformed, "")) { try VP8Depayloader.frame(from: [secondPartition]) }
        #expect(throws: WireError(.vp8, .truncated, "")) { try VP8Depayloader.frame(from: []) }
        #expect(throws: WireError(.vp8, .malformed, "")) {
            try VP8Depayloader.frame(from: [ByteBuffer(bytes: [0x10])])
        }
        #expect(throws: WireError(.vp8, .truncated, "")) {
            try VP8Depayloader.frame(from: [start, ByteBuffer(bytes: [0x80])])
        }
        #expect((try? VP8Depayloader.frame(from: [start, middle])) == [0x01, 0x02])
    }

    @Test("key frames are told by the P bit of the first payload")
    func keyframes() {
        // Key frame header: P=0 (…9d 01 2a start code follows in a real frame).
        #expect(VP8Depayloader.isKeyframe(payload: ByteBuffer(bytes: [0x10, 0x50, 0x2A, 0x01, 0x9D, 0x01, 0x2A])))
        #expect(!VP8Depayloader.isKeyframe(payload: ByteBuffer(bytes: [0x10, 0x51, 0x2A])))
        #expect(!VP8Depayloader.isKeyframe(payload: ByteBuffer(bytes: [0x00, 0x50])))  // not a frame start
        #expect(!VP8Depayloader.isKeyframe(payload: ByteBuffer(bytes: [0x90, 0x80])))  // truncated
        #expect(!VP8Depayloader.isKeyframe(payload: ByteBuffer(bytes: [0x10])))
        #expect(VP8Depayloader.isFrameStart(payload: ByteBuffer(bytes: [0x10, 0x51])))
    }
}

/// A small deterministic generator for test data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
