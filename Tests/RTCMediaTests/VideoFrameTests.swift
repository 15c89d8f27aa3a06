import Foundation
import Testing

@testable import RTCMedia

/// A smooth RGB test image: gradients plus a soft diagonal wave, like a camera picture rather than noise.
func rgbPattern(width: Int, height: Int) -> [UInt8] {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let index = (y * width + x) * 3
            pixels[index] = UInt8(clamping: 20 + min(200, x * 3))
            pixels[index + 1] = UInt8(clamping: 30 + min(190, y * 4))
            pixels[index + 2] = UInt8(clamping: 128 + Int(60 * sin(Double(x + y) / 9)))
        }
    }
    return pixels
}

func maxAndMeanError(_ a: [UInt8], _ b: [UInt8]) -> (max: Int, mean: Double) {
    var worst = 0
    var total = 0
    for (x, y) in zip(a, b) {
        let difference = abs(Int(x) - Int(y))
        worst = max(worst, difference)
        total += difference
    }
    return (worst, Double(total) / Double(max(1, a.count)))
}

@Suite("VideoFrame construction and pixel format conversion")
struct VideoFrameTests {
    @Test("planes of each format, zeroed construction, plane update")
    func geometry() {
        let frame = VideoFrame(width: 640, height: 480)
        #expect(frame.format == .yuv420p)
        #expect(frame.planes.map(\.bufferSize) == [640 * 480, 320 * 240, 320 * 240])
        #expect(frame.data.count == 640 * 480 * 3 / 2 && frame.data.allSatisfy { $0 == 0 })
        let odd = VideoFrame(width: 5, height: 3, format: .nv12)
        #expect(odd.planes.map(\.lineSize) == [5, 6])
        #expect(odd.planes.map(\.height) == [3, 2])
        #expect(odd.data.count == 15 + 12)
        #expect(VideoFrame(width: 3, height: 2, format: .rgba).data.count == 24)
        #expect(VideoFrame(width: 3, height: 2, format: .bgr24, data: [1, 2]) == nil)
        var picture = VideoFrame(width: 4, height: 2)
        picture.updatePlane(1, with: [9, 8])
        #expect(Array(picture.plane(1)) == [9, 8])
        #expect(Array(picture.plane(2)) == [0, 0])
        picture.pts = 3000
        picture.timeBase = VIDEO_TIME_BASE
        #expect(picture.converted(to: .rgb24).pts == 3000)
    }

    @Test("RGB → I420 → RGB stays within tolerance", arguments: [(64, 48), (33, 17), (1, 1), (7, 2), (2, 9)])
    func rgbRoundTrip(size: (Int, Int)) {
        let (width, height) = size
        let pixels = rgbPattern(width: width, height: height)
        let frame = VideoFrame(rgb24: pixels, width: width, height: height)
        let yuv = frame.converted(to: .yuv420p)
        #expect(yuv.data.count == width * height + 2 * ((width + 1) / 2) * ((height + 1) / 2))
        let back = yuv.toRGB24()
        #expect(back.count == pixels.count)
        let error = maxAndMeanError(back, pixels)
        // Limited range costs ~1 level; 4:2:0 subsampling of these smooth gradients a few more.
        #expect(error.mean < 4, "mean error \(error.mean)")
        #expect(error.max < 40, "max error \(error.max)")
    }

    @Test("known BT.601 limited-range values: black, white, primaries")
    func knownColours() {
        let colours: [([UInt8], [UInt8])] = [
            ([0, 0, 0], [16, 128, 128]), ([255, 255, 255], [235, 128, 128]),
            ([255, 0, 0], [82, 90, 240]), ([0, 255, 0], [144, 54, 34]), ([0, 0, 255], [41, 240, 110]),
        ]
        for (rgb, yuv) in colours {
            let frame = VideoFrame(rgb24: rgb + rgb + rgb + rgb, width: 2, height: 2).converted(to: .yuv420p)
            #expect(Array(frame.data[0..<1]) + [frame.data[4], frame.data[5]] == yuv, "\(rgb)")
            let back = frame.toRGB24()
            #expect(maxAndMeanError(Array(back[0..<3]), rgb).max <= 2, "\(rgb) back as \(Array(back[0..<3]))")
        }
    }

    @Test("NV12 ↔ I420 is lossless, odd sizes included")
    func nv12() {
        for (width, height) in [(6, 4), (5, 3), (1, 1)] {
            let i420 = VideoFrame(rgb24: rgbPattern(width: width, height: height), width: width, height: height)
                .converted(to: .yuv420p)
            let nv12 = i420.converted(to: .nv12)
            #expect(nv12.format == .nv12)
            #expect(Array(nv12.plane(0)) == Array(i420.plane(0)))
            let chroma = Array(nv12.plane(1))
            #expect(chroma.count == 2 * i420.plane(1).count)
            #expect(stride(from: 0, to: chroma.count, by: 2).map { chroma[$0] } == Array(i420.plane(1)))
            #expect(stride(from: 1, to: chroma.count, by: 2).map { chroma[$0] } == Array(i420.plane(2)))
            #expect(nv12.converted(to: .yuv420p).data == i420.data)
            #expect(nv12.toRGB24() == i420.toRGB24())
        }
    }

    @Test("RGB ↔ BGR ↔ RGBA only move bytes")
    func packedSwizzles() {
        let pixels: [UInt8] = [1, 2, 3, 4, 5, 6]
        let frame = VideoFrame(rgb24: pixels, width: 2, height: 1)
        #expect(frame.converted(to: .bgr24).data == [3, 2, 1, 6, 5, 4])
        #expect(frame.converted(to: .rgba).data == [1, 2, 3, 255, 4, 5, 6, 255])
        #expect(frame.converted(to: .rgba).converted(to: .bgr24).toRGB24() == pixels)
        let fromBGR = VideoFrame(width: 2, height: 1, format: .bgr24, data: [3, 2, 1, 6, 5, 4])
        #expect(fromBGR?.converted(to: .yuv420p).data == frame.converted(to: .yuv420p).data)
    }

    @Test("I420Buffer interop")
    func i420Interop() {
        let picture = testPattern(width: 33, height: 21, frame: 0)
        let frame = VideoFrame(picture)
        #expect(frame.width == 33 && frame.format == .yuv420p)
        #expect(frame.i420 == picture)
        #expect(frame.converted(to: .rgba).i420.width == 33)
    }

    @Test("time base conversion rounds and does not overflow")
    func timeBase() {
        let base = MediaTimeBase(numerator: 1, denominator: 48_000)
        #expect(base.convert(48_000, to: VIDEO_TIME_BASE) == 90_000)
        #expect(MediaTimeBase(rate: 44_100).convert(441, to: MediaTimeBase(rate: 48_000)) == 480)
        #expect(VIDEO_TIME_BASE.convert(Int64.max / 1000, to: MediaTimeBase(rate: 1_000_000)) != nil)
        #expect(MediaTimeBase(numerator: 1, denominator: 0).convert(5, to: base) == nil)
    }
}
