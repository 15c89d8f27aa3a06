/// Converts audio frames of any format, layout and rate to one target format, layout and rate, as PyAV's
/// `AudioResampler` does for aiortc's encoders: channels are mixed (``ChannelMixer``), the rate converted
/// (``SincResampler``), samples rounded and clipped to the target format.
///
/// Streaming: the output of one call is not tied to one input frame (the rate converter looks a few samples
/// ahead), so an output frame may be shorter or longer than its input, or absent. A change of input rate or
/// layout restarts the converter. Output `pts` continue from the first input frame's pts converted to the output
/// rate, and count output samples from there.
public struct AudioResampler: Sendable {
    public let format: AudioFrame.Format
    public let layout: AudioFrame.Layout
    public let sampleRate: Int

    private var converter: SincResampler?
    private var inputLayout: AudioFrame.Layout?
    private var nextPTS: Int64?

    /// - Precondition: `sampleRate > 0`.
    public init(format: AudioFrame.Format, layout: AudioFrame.Layout, sampleRate: Int) {
        precondition(sampleRate > 0, "AudioResampler: non-positive rate")
        self.format = format
        self.layout = layout
        self.sampleRate = sampleRate
    }

    /// The converted audio so far; nil when the converter needs more input first.
    public mutating func resample(_ frame: AudioFrame) -> AudioFrame? {
        if converter?.inputRate != frame.sampleRate || inputLayout != frame.layout {
            converter = SincResampler(inputRate: frame.sampleRate, outputRate: sampleRate, channels: layout.channels)
            inputLayout = frame.layout
        }
        if nextPTS == nil, let pts = frame.pts, let timeBase = frame.timeBase {
            nextPTS = timeBase.convert(pts, to: MediaTimeBase(rate: sampleRate))
        }
        let mixed = ChannelMixer.mix(frame.fltSamples, from: frame.channels, to: layout.channels)
        let output = converter?.process(mixed) ?? mixed
        return makeFrame(output)
    }

    /// Ends the stream: the audio still held in the converter's look-ahead.
    public mutating func flush() -> AudioFrame? {
        let output = converter?.flush() ?? []
        let frame = makeFrame(output)
        converter = nil
        inputLayout = nil
        nextPTS = nil
        return frame
    }

    private mutating func makeFrame(_ samples: [Float]) -> AudioFrame? {
        guard samples.count >= layout.channels else { return nil }
        var frame = switch format {
        case .flt: AudioFrame(flt: samples, layout: layout, sampleRate: sampleRate)
        case .s16: AudioFrame(s16: samples.map(AudioFrame.toInt16), layout: layout, sampleRate: sampleRate)
        }
        if let pts = nextPTS {
            frame.pts = pts
            frame.timeBase = MediaTimeBase(rate: sampleRate)
            nextPTS = pts &+ Int64(frame.samples)
        }
        return frame
    }
}
