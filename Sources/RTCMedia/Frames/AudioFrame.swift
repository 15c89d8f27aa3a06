/// A block of uncompressed audio, as PyAV's `AudioFrame` that aiortc hands around: one sample format, one channel
/// layout, `samples` samples per channel, interleaved (packed) in `data`.
///
/// Samples are stored in the machine's byte order (little-endian on every platform Swift runs on), `s16` as
/// `Int16`, `flt` as `Float` in −1 … 1.
public struct AudioFrame: Sendable {
    /// The sample format (FFmpeg's `s16` and `flt`, packed).
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Signed 16-bit integers.
        case s16
        /// 32-bit floats, nominally −1 … 1.
        case flt

        /// Bytes one sample of one channel takes.
        public var bytesPerSample: Int {
            switch self {
            case .s16: 2
            case .flt: 4
            }
        }
    }

    /// The channel layout.
    public enum Layout: String, Sendable, Hashable, CaseIterable {
        case mono
        case stereo

        /// The number of channels.
        public var channels: Int {
            switch self {
            case .mono: 1
            case .stereo: 2
            }
        }

        /// The layout with this many channels (1 or 2), nil otherwise.
        public init?(channels: Int) {
            switch channels {
            case 1: self = .mono
            case 2: self = .stereo
            default: return nil
            }
        }
    }

    public private(set) var format: Format
    public private(set) var layout: Layout
    /// Samples per channel.
    public private(set) var samples: Int
    /// Samples per second per channel.
    public var sampleRate: Int
    /// The samples, interleaved (L R L R … for stereo): `samples × channels × bytesPerSample` bytes. Write
    /// samples in place; keep its size (readers use at most `samples` sample frames of what is there).
    public var data: [UInt8]
    /// Presentation time in `timeBase` units (for aiortc's tracks: the index of the first sample).
    public var pts: Int64?
    public var timeBase: MediaTimeBase?

    /// Silence (all samples zero).
    /// - Precondition: `samples >= 0` and `sampleRate > 0`.
    public init(format: Format, layout: Layout, samples: Int, sampleRate: Int) {
        precondition(samples >= 0 && sampleRate > 0, "AudioFrame: negative samples or non-positive rate")
        self.format = format
        self.layout = layout
        self.samples = samples
        self.sampleRate = sampleRate
        self.data = [UInt8](repeating: 0, count: samples * layout.channels * format.bytesPerSample)
    }

    /// Wraps interleaved bytes; nil when their count is not a whole number of sample frames.
    public init?(format: Format, layout: Layout, sampleRate: Int, data: [UInt8]) {
        let frameBytes = layout.channels * format.bytesPerSample
        guard sampleRate > 0, data.count % frameBytes == 0 else { return nil }
        self.format = format
        self.layout = layout
        self.samples = data.count / frameBytes
        self.sampleRate = sampleRate
        self.data = data
    }

    /// The number of channels (1 or 2).
    public var channels: Int { layout.channels }

    /// The frame's length in seconds.
    public var duration: Double { Double(samples) / Double(sampleRate) }

    /// Presentation time in seconds, when `pts` and `timeBase` are set.
    public var time: Double? {
        guard let pts, let timeBase else { return nil }
        return Double(pts) * timeBase.seconds
    }
}
