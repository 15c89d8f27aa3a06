import Testing

@testable import RTCMedia

/// A small seeded generator so hostile-input tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ count: Int, _ generator: inout SplitMix64) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

@Suite("Decoders given hostile input")
struct CodecHostileInputTests {
    @Test("random and truncated Opus packets never trap; the decoder keeps working")
    func opusGarbage() throws {
        var generator = SplitMix64(state: 1)
        let decoder = try OpusDecoder(channels: 2)
        for _ in 0..<2000 {
            let packet = randomBytes(Int.random(in: 1...400, using: &generator), &generator)
            if let pcm = try? decoder.decode(packet: packet, frameSize: 5760) {
                #expect(pcm.count % 2 == 0 && pcm.count <= 5760 * 2)
            }
        }
        let encoder = try OpusEncoder(channels: 2)
        let good = try encoder.encode(pcm: [Int16](repeating: 100, count: 1920), frameSize: 960)
        #expect(try decoder.decode(packet: good, frameSize: 960).count == 1920)
        // A packet longer than the frame size asked for is an error, not an overflow.
        #expect(throws: OpusError.self) { try decoder.decode(packet: good, frameSize: 480) }
        for length in 1..<good.count {
            _ = try? decoder.decode(packet: Array(good[0..<length]), frameSize: 960)
        }
    }

    @Test("random and damaged VP8/VP9 frames never trap", arguments: [VPXCodec.vp8, .vp9])
    func vpxGarbage(codec: VPXCodec) throws {
        var generator = SplitMix64(state: codec == .vp8 ? 2 : 3)
        let encoder = try VPXEncoder(codec: codec, width: 96, height: 64)
        var picture = I420Buffer(width: 96, height: 64)
        for index in picture.yRange { picture.data[index] = UInt8(truncatingIfNeeded: index &* 7) }
        let key = try #require(try encoder.encode(picture, pts: 0).first).data
        let decoder = try VPXDecoder(codec: codec)
        for round in 0..<300 {
            var frame: [UInt8]
            if round % 2 == 0 {
                frame = randomBytes(Int.random(in: 1...600, using: &generator), &generator)
            } else {
                // A real keyframe with a few bytes flipped and maybe cut short: gets past the header checks.
                frame = key
                for _ in 0..<4 {
                    frame[Int.random(in: 0..<frame.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                frame = Array(frame.prefix(Int.random(in: 1...frame.count, using: &generator)))
            }
            if let decoded = try? decoder.decode(frame) {
                #expect(decoded.data.count == I420Buffer.byteCount(width: decoded.width, height: decoded.height))
            }
        }
        let fresh = try VPXDecoder(codec: codec)
        #expect(try fresh.decode(key)?.width == 96)
    }
}
