import Foundation

/// A pure tone: 48 kHz mono s16 frames of 20 ms, paced to real time (aiortc's `AudioStreamTrack` pacing).
public final class SineTrack: AudioStreamTrack, @unchecked Sendable {
    // @unchecked: the only mutable state, `sample`, is touched only by recv(), which a consumer calls from one
    // task at a time (as for every track); everything else is immutable after init.
    public let frequency: Double
    public let amplitude: Double
    private nonisolated(unsafe) var sample = 0

    public init(frequency: Double = 440, amplitude: Double = 0.4) {
        self.frequency = frequency
        self.amplitude = amplitude
        super.init()
    }

    public override func recv() async throws -> AudioFrame {
        let (pts, _) = try await nextTimestamp(samples: 960, sampleRate: 48_000)
        let start = sample
        sample += 960
        let samples = (0..<960).map { i -> Int16 in
            Int16(amplitude * 32767 * sin(2 * Double.pi * frequency * Double(start + i) / 48_000))
        }
        var frame = AudioFrame(s16: samples, layout: .mono, sampleRate: 48_000)
        frame.pts = pts
        frame.timeBase = MediaTimeBase(numerator: 1, denominator: 48_000)
        return frame
    }
}

/// Moving vertical bars in I420 at 30 fps, paced to real time; every frame differs from the previous one.
///
/// The bars are rendered once into a strip one period wider than the frame; each frame copies rows out of it at a
/// moving offset, so a frame costs a few memcpys, not a per-pixel loop.
public final class PatternTrack: VideoStreamTrack, @unchecked Sendable {
    // @unchecked: `count` is touched only by recv(), called from one task at a time; the rest is immutable.
    public let width: Int
    public let height: Int
    private static let period = 128
    private let strip: VideoFrame
    private nonisolated(unsafe) var count = 0

    public init(width: Int = 320, height: Int = 240) {
        self.width = width
        self.height = height
        let stripWidth = width + Self.period
        var rgb = [UInt8](repeating: 0, count: stripWidth * height * 3)
        for y in 0..<height {
            for x in 0..<stripWidth {
                let bar = (x / 32) % 4
                let i = (y * stripWidth + x) * 3
                rgb[i] = bar == 1 ? 220 : 30
                rgb[i + 1] = bar == 2 ? 220 : 40
                rgb[i + 2] = bar == 3 ? 220 : UInt8(truncatingIfNeeded: y)
            }
        }
        self.strip = VideoFrame(rgb24: rgb, width: stripWidth, height: height).converted(to: .yuv420p)
        super.init()
    }

    public override func recv() async throws -> VideoFrame {
        let (pts, timeBase) = try await nextTimestamp()
        let offset = (count * 4) % Self.period  // even, so chroma stays aligned
        count += 1
        var frame = VideoFrame(width: width, height: height, format: .yuv420p)
        var data = [UInt8]()
        data.reserveCapacity(frame.data.count)
        let source = strip.data
        for (from, to) in zip(strip.planes, frame.planes) {
            let shift = offset * to.width / width
            for row in 0..<to.height {
                let start = from.offset + row * from.lineSize + shift
                data.append(contentsOf: source[start..<(start + to.width)])
            }
        }
        frame.data = data
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }

    /// Which frame of the pattern a (decoded) picture shows: the bar offset whose middle luma row matches it best,
    /// and the mean absolute luma difference there (0 for a perfect copy; a few units after lossy coding).
    public func identify(_ picture: VideoFrame) -> (offset: Int, error: Double) {
        guard picture.width == width, picture.height == height else { return (0, .infinity) }
        let frame = picture.format == .yuv420p ? picture : picture.converted(to: .yuv420p)
        let lumaIn = frame.planes[0], lumaStrip = strip.planes[0]
        let row = height / 2
        let pixels = frame.data, reference = strip.data
        var best = (offset: 0, error: Double.infinity)
        for offset in stride(from: 0, to: Self.period, by: 4) {
            var total = 0
            for x in 0..<width {
                total += abs(Int(pixels[lumaIn.offset + row * lumaIn.lineSize + x]) -
                             Int(reference[lumaStrip.offset + row * lumaStrip.lineSize + x + offset]))
            }
            let error = Double(total) / Double(width)
            if error < best.error { best = (offset, error) }
        }
        return best
    }

    /// The offset of the frame `frames` after one showing `offset` (the bars move 4 pixels a frame, period 128).
    public static func offset(after offset: Int, frames: Int) -> Int { (offset + frames * 4) % period }
}

/// Signal measures for tests.
public enum SignalAnalysis {
    /// The Goertzel power of `frequency` in `samples` (one channel).
    public static func power(_ samples: [Int16], sampleRate: Int, frequency: Double) -> Double {
        let k = 2 * cos(2 * Double.pi * frequency / Double(sampleRate))
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + k * s1 - s2
            s2 = s1
            s1 = s0
        }
        return s1 * s1 + s2 * s2 - k * s1 * s2
    }

    /// The frequency of the strongest tone in `range`, to within a quarter hertz: a coarse Goertzel scan in 5 Hz
    /// steps, then a fine one around the best.
    public static func peakFrequency(_ samples: [Int16], sampleRate: Int, in range: ClosedRange<Double> = 50...4000) -> Double {
        func best(from low: Double, to high: Double, step: Double) -> Double {
            var peak = (frequency: low, power: -1.0)
            var f = low
            while f <= high {
                let p = power(samples, sampleRate: sampleRate, frequency: f)
                if p > peak.power { peak = (f, p) }
                f += step
            }
            return peak.frequency
        }
        let coarse = best(from: range.lowerBound, to: range.upperBound, step: 5)
        return best(from: max(range.lowerBound, coarse - 5), to: min(range.upperBound, coarse + 5), step: 0.25)
    }

    /// The first channel of interleaved s16 samples.
    public static func firstChannel(_ frame: AudioFrame) -> [Int16] {
        let all = frame.converted(to: .s16).s16Samples
        let channels = frame.channels
        return channels <= 1 ? all : stride(from: 0, to: all.count, by: channels).map { all[$0] }
    }
}
