import AsyncRTCContrib
import Foundation

/// Moving colour bars with a bouncing square at 30 fps (640×480 by default): what the example sends without
/// --play-from (aiortc's example sends a waving flag; anything that moves shows that video flows).
final class TestPatternTrack: VideoStreamTrack, @unchecked Sendable {
    // @unchecked: `index` is touched only by recv(), called by one consumer (the sender) at a time.
    private nonisolated(unsafe) var index = 0
    let width: Int, height: Int

    init(width: Int = 640, height: Int = 480) {
        self.width = width
        self.height = height
        super.init()
    }
    private static let bars: [(UInt8, UInt8, UInt8)] = [(235, 128, 128), (210, 16, 146), (170, 166, 16), (145, 54, 34),
                                                         (106, 202, 222), (81, 90, 240), (41, 240, 110), (16, 128, 128)]

    override func recv() async throws -> VideoFrame {
        let (pts, timeBase) = try await nextTimestamp()
        let (w, h) = (width, height)
        var frame = VideoFrame(width: w, height: h, format: .yuv420p)
        let shift = index * 4
        let chroma = (w / 2) * (h / 2)
        frame.data.withUnsafeMutableBufferPointer { data in
            for y in 0..<h {
                for x in 0..<w {
                    data[y * w + x] = Self.bars[((x + shift) * 8 / w) % 8].0
                }
            }
            for y in 0..<(h / 2) {
                for x in 0..<(w / 2) {
                    let bar = Self.bars[((x * 2 + shift) * 8 / w) % 8]
                    data[w * h + y * (w / 2) + x] = bar.1
                    data[w * h + chroma + y * (w / 2) + x] = bar.2
                }
            }
            // A white square bouncing left and right.
            let side = min(60, h / 2)
            let span = w - side
            let phase = (index * 6) % (2 * span)
            let left = phase < span ? phase : 2 * span - phase
            let top = h / 2 - side / 2
            for y in top..<(top + side) { for x in left..<(left + side) { data[y * w + x] = 235 } }
        }
        index += 1
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }
}

/// A 440 Hz tone, 48 kHz mono, 20 ms frames.
final class ToneTrack: AudioStreamTrack, @unchecked Sendable {
    // @unchecked: `sample` is touched only by recv(), called by one consumer at a time.
    private nonisolated(unsafe) var sample = 0

    override func recv() async throws -> AudioFrame {
        let (pts, timeBase) = try await nextTimestamp(samples: 960, sampleRate: 48_000)
        let start = sample
        sample += 960
        var frame = AudioFrame(s16: (0..<960).map { Int16(8000 * sin(2 * Double.pi * 440 * Double(start + $0) / 48_000)) },
                               layout: .mono, sampleRate: 48_000)
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }
}
