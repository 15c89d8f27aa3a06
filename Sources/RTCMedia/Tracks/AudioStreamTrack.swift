/// An audio track. As aiortc's `AudioStreamTrack`, the base class produces silence: 20 ms frames of signed 16-bit
/// mono at 8 kHz (160 samples), `pts` counting samples (time base 1/8000), paced to real time. Subclass it and
/// override `recv()` to produce real audio, using `nextTimestamp(...)` for the pacing.
///
/// `@unchecked Sendable` is inherited: the pacer is itself `Sendable` (its state is behind a `Locked`).
open class AudioStreamTrack: MediaStreamTrack, @unchecked Sendable {
    /// The default frame's rate and length: aiortc's 8 kHz and `AUDIO_PTIME`.
    public static let defaultSampleRate = 8000
    public static let defaultSamples = Int(AUDIO_PTIME * Double(defaultSampleRate))

    private let pacer = MediaPacer(rate: AudioStreamTrack.defaultSampleRate)

    public init() {
        super.init(kind: .audio)
    }

    /// The next frame: by default `AUDIO_PTIME` of silence (s16, mono, 8 kHz), returned when it is due.
    /// - Throws: ``MediaStreamError`` once the track has ended.
    open func recv() async throws -> AudioFrame {
        let (pts, timeBase) = try await nextTimestamp()
        var frame = AudioFrame(format: .s16, layout: .mono, samples: Self.defaultSamples,
                               sampleRate: Self.defaultSampleRate)
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }

    /// The pts of the next 20 ms frame at 8 kHz, after sleeping until it is due (0 at once on the first call).
    public func nextTimestamp() async throws -> (pts: Int64, timeBase: MediaTimeBase) {
        try await nextTimestamp(samples: Self.defaultSamples, sampleRate: Self.defaultSampleRate)
    }

    /// The pts of the next frame of `samples` samples at `sampleRate`, after sleeping until it is due; the pts
    /// advances by `samples` per call and counts in `1/sampleRate`.
    /// - Throws: ``MediaStreamError`` if the track is (or becomes, while waiting) ended; `CancellationError`.
    public func nextTimestamp(samples: Int, sampleRate: Int) async throws -> (pts: Int64, timeBase: MediaTimeBase) {
        try checkLive()
        let pts = try await pacer.next(step: Int64(samples), rate: sampleRate)
        try checkLive()
        return (pts, MediaTimeBase(rate: sampleRate))
    }
}
