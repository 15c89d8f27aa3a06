/// A audio track fed from outside, what an RTP receiver exposes (aiortc's `RemoteStreamTrack`): the receiver
/// `push`es decoded frames, `recv()` returns them in order, waiting when there is none.
///
/// The queue is bounded (1 s of 20 ms frames by default) and drops the oldest frame when full, so a consumer that falls
/// behind gets recent media instead of growing latency. `finish()` ends the stream: frames already queued are
/// still returned, then the track ends (`readyState` `.ended`, `onEnded` runs) and `recv()` throws
/// ``MediaStreamError``. `stop()` ends it at once and discards what is queued.
///
/// `@unchecked Sendable` is inherited: the only state added here is the queue, which is `Sendable`.
public final class RemoteAudioTrack: AudioStreamTrack, @unchecked Sendable {
    private let queue: FrameQueue<AudioFrame>

    /// - Parameter capacity: frames buffered before the oldest is dropped.
    public init(capacity: Int = 50) {
        queue = FrameQueue(capacity: capacity)
        super.init()
    }

    /// Queues a frame for `recv()`. Ignored once the track has ended or `finish()` was called.
    public func push(_ frame: AudioFrame) {
        queue.push(frame)
    }

    /// Ends the stream after the frames already queued.
    public func finish() {
        queue.finish()
    }

    /// Frames dropped because the consumer fell behind.
    public var droppedFrames: Int { queue.droppedCount }

    /// Frames waiting to be received.
    public var queuedFrames: Int { queue.count }

    /// The oldest frame queued, waiting for one when there is none.
    /// - Throws: ``MediaStreamError`` when the track has ended (after `stop()`, or once `finish()` was called
    ///   and the queue is drained); `CancellationError` when the calling task is cancelled.
    public override func recv() async throws -> AudioFrame {
        try checkLive()
        do {
            return try await queue.pop()
        } catch let error as MediaStreamError {
            stop()
            throw error
        }
    }

    public override func stop() {
        queue.close()
        super.stop()
    }
}
