import Synchronization

/// A video track fed from outside, what an RTP receiver exposes (aiortc's `RemoteStreamTrack`): the receiver
/// `push`es decoded frames, `recv()` returns them in order, waiting when there is none.
///
/// The queue is bounded (1 s at 30 fps by default) and drops the oldest frame when full, so a consumer that falls
/// behind gets recent media instead of growing latency. `finish()` ends the stream: frames already queued are
/// still returned, then the track ends (`readyState` `.ended`, `onEnded` runs) and `recv()` throws
/// ``MediaStreamError``. `stop()` ends it at once and discards what is queued.
///
/// `@unchecked Sendable` is inherited: the state added here is the queue, which is `Sendable`, and an atomic flag.
public final class RemoteVideoTrack: VideoStreamTrack, @unchecked Sendable {
    private let queue: FrameQueue<VideoFrame>
    private let read = Atomic<Bool>(false)

    /// - Parameter capacity: frames buffered before the oldest is dropped.
    public init(capacity: Int = 30) {
        queue = FrameQueue(capacity: capacity)
        super.init()
    }

    /// Queues a frame for `recv()`. Ignored once the track has ended or `finish()` was called.
    public func push(_ frame: VideoFrame) {
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

    /// Whether `recv()` was ever called: a receiver that also forwards the encoded frames (an SFU) decodes only
    /// once someone reads the decoded ones.
    public var hasBeenRead: Bool { read.load(ordering: .relaxed) }

    /// The oldest frame queued, waiting for one when there is none.
    /// - Throws: ``MediaStreamError`` when the track has ended (after `stop()`, or once `finish()` was called
    ///   and the queue is drained); `CancellationError` when the calling task is cancelled.
    public override func recv() async throws -> VideoFrame {
        read.store(true, ordering: .relaxed)
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
