/// The common front of the audio encoders: converts incoming frames to the codec's format, layout and rate,
/// collects them, and cuts 20 ms blocks with continuous RTP timestamps.
struct AudioPacketizer {
    /// Samples per second the codec consumes, and its channel layout.
    let sampleRate: Int
    let layout: AudioFrame.Layout
    /// The RTP clock (differs from `sampleRate` only for G.722: RFC 3551 §4.5.2).
    let clockRate: Int
    /// Samples per channel in one block.
    let blockSamples: Int

    private var resampler: AudioResampler
    private var pending: [Int16] = []
    private var nextTimestamp: UInt32?

    init(sampleRate: Int, layout: AudioFrame.Layout, clockRate: Int, ptime: Double = AUDIO_PTIME) {
        self.sampleRate = sampleRate
        self.layout = layout
        self.clockRate = clockRate
        blockSamples = Int((ptime * Double(sampleRate)).rounded())
        resampler = AudioResampler(format: .s16, layout: layout, sampleRate: sampleRate)
    }

    /// RTP ticks one block lasts.
    var blockDuration: UInt32 { UInt32(blockSamples * clockRate / sampleRate) }

    /// The input rates accepted: beyond them the rate converter's filter would grow unreasonably long.
    static let acceptedRates = 1000...768_000

    /// Adds `frame`; returns the complete blocks (interleaved s16) with their RTP timestamps.
    /// - Throws: ``MediaCodecError`` `.invalidFrame` for a sample rate outside 1 kHz … 768 kHz.
    mutating func append(_ frame: AudioFrame) throws(MediaCodecError) -> [(samples: [Int16], timestamp: UInt32)] {
        guard Self.acceptedRates.contains(frame.sampleRate) else {
            throw MediaCodecError(.invalidFrame, "audio at \(frame.sampleRate) Hz")
        }
        if nextTimestamp == nil {
            var start: Int64 = 0
            if let pts = frame.pts, let timeBase = frame.timeBase,
               let converted = timeBase.convert(pts, to: MediaTimeBase(rate: clockRate)) {
                start = converted
            }
            nextTimestamp = UInt32(truncatingIfNeeded: start)
        }
        if frame.format == .s16, frame.layout == layout, frame.sampleRate == sampleRate {
            pending.append(contentsOf: frame.s16Samples)
        } else if let converted = resampler.resample(frame) {
            pending.append(contentsOf: converted.s16Samples)
        }
        let blockCount = blockSamples * layout.channels
        var blocks: [(samples: [Int16], timestamp: UInt32)] = []
        var consumed = 0
        while pending.count - consumed >= blockCount {
            let timestamp = nextTimestamp ?? 0
            blocks.append((Array(pending[consumed..<(consumed + blockCount)]), timestamp))
            consumed += blockCount
            nextTimestamp = timestamp &+ blockDuration
        }
        if consumed > 0 { pending.removeFirst(consumed) }
        return blocks
    }
}
