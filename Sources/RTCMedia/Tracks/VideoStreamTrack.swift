/// A video track. As aiortc's `VideoStreamTrack`, the base class produces 640×480 `yuv420p` frames with every
/// byte zero (green), 30 per second, `pts` in ticks of the 90 kHz clock, paced to real time. Subclass it and
/// override `recv()` to produce real pictures, using ``nextTimestamp()`` for the pacing.
///
/// `@unchecked Sendable` is inherited: the pacer is itself `Sendable` (its state is behind a `Locked`).
open class VideoStreamTrack: MediaStreamTrack, @unchecked Sendable {
    public static let defaultWidth = 640
    public static let defaultHeight = 480

    private let pacer = MediaPacer(rate: VIDEO_CLOCK_RATE)

    public init() {
        super.init(kind: .video)
    }

    /// The next frame: by default a green 640×480 picture, returned when it is due.
    /// - Throws: ``MediaStreamError`` once the track has ended.
    open func recv() async throws -> VideoFrame {
        let (pts, timeBase) = try await nextTimestamp()
        var frame = VideoFrame(width: Self.defaultWidth, height: Self.defaultHeight, format: .yuv420p)
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }

    /// The pts of the next frame in 1/90000 s, advancing by `VIDEO_PTIME` (3000 ticks) per call, after sleeping
    /// until it is due (0 at once on the first call), as aiortc's `next_timestamp`.
    /// - Throws: ``MediaStreamError`` if the track is (or becomes, while waiting) ended; `CancellationError`.
    public func nextTimestamp() async throws -> (pts: Int64, timeBase: MediaTimeBase) {
        try checkLive()
        let step = Int64((VIDEO_PTIME * Double(VIDEO_CLOCK_RATE)).rounded())
        let pts = try await pacer.next(step: step, rate: VIDEO_CLOCK_RATE)
        try checkLive()
        return (pts, VIDEO_TIME_BASE)
    }
}
