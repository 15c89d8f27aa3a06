import Foundation
import Testing

@testable import RTCMedia

/// A smooth moving pattern (what a camera shows more than noise does): luma waves, chroma gradients.
func testPattern(width: Int, height: Int, frame: Int) -> I420Buffer {
    var picture = I420Buffer(width: width, height: height)
    let shift = Double(frame) * 3
    picture.data.withUnsafeMutableBufferPointer { data in
        for y in 0..<height {
            for x in 0..<width {
                let value = 128 + 50 * sin((Double(x) + shift) / 23) + 40 * cos(Double(y) / 17)
                data[y * width + x] = UInt8(max(0, min(255, value)))
            }
        }
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        let uBase = width * height
        let vBase = uBase + chromaWidth * chromaHeight
        for y in 0..<chromaHeight {
            for x in 0..<chromaWidth {
                data[uBase + y * chromaWidth + x] = UInt8(96 + (x * 64) / chromaWidth)
                data[vBase + y * chromaWidth + x] = UInt8(160 - (y * 64) / chromaHeight)
            }
        }
    }
    return picture
}

func meanAbsoluteError(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Double {
    precondition(a.count == b.count)
    var total = 0
    for (x, y) in zip(a, b) { total += abs(Int(x) - Int(y)) }
    return Double(total) / Double(a.count)
}

@Suite("VP8 and VP9 encoder and decoder")
struct VPXCodecTests {
    /// libvpx's threads wait for each other by spinning: on a busy 2-core machine a 2-thread 640x480 VP8 encoder
    /// spent most of its CPU spinning and fell to 10 frames/s. One thread up to 640x480 (libwebrtc's and aiortc's
    /// rule); more only for bigger pictures with cores to spare.
    @Test("encoder threads by picture size and cores")
    func encoderThreads() throws {
        #expect(VPXEncoder.threadCount(width: 640, height: 480, codec: .vp8, cores: 2) == 1)
        #expect(VPXEncoder.threadCount(width: 640, height: 480, codec: .vp8, cores: 16) == 1)
        #expect(VPXEncoder.threadCount(width: 1280, height: 720, codec: .vp8, cores: 2) == 1)
        #expect(VPXEncoder.threadCount(width: 1280, height: 720, codec: .vp8, cores: 4) == 2)
        #expect(VPXEncoder.threadCount(width: 1920, height: 1080, codec: .vp8, cores: 6) == 3)
        #expect(VPXEncoder.threadCount(width: 1920, height: 1080, codec: .vp8, cores: 12) == 8)
        #expect(VPXEncoder.threadCount(width: 640, height: 480, codec: .vp9, cores: 8) == 1)
        #expect(VPXEncoder.threadCount(width: 1280, height: 720, codec: .vp9, cores: 8) == 4)
        let configuration = VPXEncoder.Configuration(codec: .vp8, width: 640, height: 480)
        #expect(VPXEncoder.threadCount(configuration: configuration) == 1)
        var explicit = configuration
        explicit.threads = 3
        #expect(VPXEncoder.threadCount(configuration: explicit) == 3)
    }

    @Test("VP8 640x480: keyframe first, decoded size and luma close to the input, forced keyframe, bitrate change")
    func vp8Sequence() throws {
        let encoder = try VPXEncoder(codec: .vp8, width: 640, height: 480, bitrate: 1_500_000)
        let decoder = try VPXDecoder(codec: .vp8)
        for index in 0..<6 {
            let input = testPattern(width: 640, height: 480, frame: index)
            if index == 3 { try encoder.setBitrate(800_000) }
            let frames = try encoder.encode(input, pts: Int64(index) * 3000, forceKeyframe: index == 4)
            #expect(frames.count == 1)
            let frame = try #require(frames.first)
            #expect(frame.pts == Int64(index) * 3000)
            #expect(frame.isKeyframe == (index == 0 || index == 4), "frame \(index) keyframe \(frame.isKeyframe)")
            if index == 0 {
                // A VP8 keyframe starts with the start code 9d 01 2a after the 3-byte tag (RFC 6386 §9.1).
                #expect(frame.data.count > 10 && Array(frame.data[3..<6]) == [0x9D, 0x01, 0x2A])
            }
            let decoded = try #require(try decoder.decode(frame.data))
            #expect(decoded.width == 640 && decoded.height == 480)
            let lumaError = meanAbsoluteError(decoded.y, input.y)
            let chromaError = meanAbsoluteError(decoded.u, input.u)
            #expect(lumaError < 4, "frame \(index) luma MAE \(lumaError)")
            #expect(chromaError < 4, "frame \(index) chroma MAE \(chromaError)")
        }
        #expect(encoder.bitrate == 800_000)
    }

    @Test("VP9 640x480: one keyframe decodes to the input")
    func vp9Frame() throws {
        let encoder = try VPXEncoder(codec: .vp9, width: 640, height: 480, bitrate: 1_500_000)
        let decoder = try VPXDecoder(codec: .vp9)
        let input = testPattern(width: 640, height: 480, frame: 0)
        let frames = try encoder.encode(input, pts: 0)
        let frame = try #require(frames.first)
        #expect(frame.isKeyframe)
        let decoded = try #require(try decoder.decode(frame.data))
        #expect(decoded.width == 640 && decoded.height == 480)
        let lumaError = meanAbsoluteError(decoded.y, input.y)
        #expect(lumaError < 4, "luma MAE \(lumaError)")
        try encoder.setBitrate(500_000)
        let next = try encoder.encode(testPattern(width: 640, height: 480, frame: 1), pts: 3000)
        #expect(next.count == 1 && next.first?.isKeyframe == false)
        #expect(try decoder.decode(try #require(next.first).data)?.width == 640)
    }

    @Test("odd sizes and a size change (encoder rebuilds, next frame is a keyframe)")
    func oddSizeAndResize() throws {
        let encoder = try VPXEncoder(codec: .vp8, width: 161, height: 121, bitrate: 300_000)
        let decoder = try VPXDecoder(codec: .vp8)
        let small = testPattern(width: 161, height: 121, frame: 0)
        let first = try #require(try encoder.encode(small, pts: 0).first)
        let decoded = try #require(try decoder.decode(first.data))
        #expect(decoded.width == 161 && decoded.height == 121)
        #expect(meanAbsoluteError(decoded.y, small.y) < 6)
        _ = try encoder.encode(testPattern(width: 161, height: 121, frame: 1), pts: 3000)
        let resized = try #require(try encoder.encode(testPattern(width: 320, height: 240, frame: 2), pts: 6000).first)
        #expect(resized.isKeyframe)
        #expect(try decoder.decode(resized.data)?.width == 320)
    }

    @Test("garbage input is a VPXError, and the decoder recovers on the next keyframe")
    func corruptInput() throws {
        let decoder = try VPXDecoder(codec: .vp8)
        #expect(throws: VPXError.self) {
            try decoder.decode([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a])
        }
        #expect(throws: VPXError.self) { try decoder.decode([]) }
        let encoder = try VPXEncoder(codec: .vp8, width: 64, height: 64)
        let key = try #require(try encoder.encode(testPattern(width: 64, height: 64, frame: 0), pts: 0).first)
        #expect(try decoder.decode(key.data)?.height == 64)
        #expect(I420Buffer(width: 4, height: 4, data: [1, 2, 3]) == nil)
    }
}
