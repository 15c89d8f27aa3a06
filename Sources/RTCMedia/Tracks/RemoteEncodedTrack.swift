import RTCTransport

/// A track of encoded frames fed from outside — what a receiver hands out for forwarding without decoding
/// (``EncodedFrameSource``): a sender with the same codec sends these frames as they are. This is the building
/// block of an SFU.
public final class RemoteEncodedTrack: MediaStreamTrack, EncodedFrameSource, @unchecked Sendable {
    // @unchecked: the queue is Sendable and the mutable state sits behind `Locked` boxes; the rest is immutable.
    private let codec: Locked<String>
    private let queue: FrameQueue<EncodedFrame>
    private let keyframeHandler = Locked<(@Sendable () -> Void)?>(nil)

    /// - Parameters:
    ///   - kind: audio or video.
    ///   - codecMimeType: the codec of the frames pushed.
    ///   - capacity: frames buffered before the oldest is dropped.
    public init(kind: MediaKind, codecMimeType: String, capacity: Int = 60) {
        self.codec = Locked(codecMimeType)
        self.queue = FrameQueue(capacity: capacity)
        super.init(kind: kind)
    }

    /// The codec of the frames; empty until known (a receiver's track learns it from negotiation).
    public var codecMimeType: String {
        get { codec.withLock { $0 } }
        set { codec.withLock { $0 = newValue } }
    }

    /// Queues a frame. Ignored once the track ended.
    public func push(_ frame: EncodedFrame) { queue.push(frame) }

    /// Ends the stream after the frames already queued.
    public func finish() { queue.finish() }

    /// Frames dropped because the consumer fell behind.
    public var droppedFrames: Int { queue.droppedCount }

    /// Called when a consumer needs a key frame (the producer then asks its own source, e.g. with a PLI).
    public var onKeyframeRequest: (@Sendable () -> Void)? {
        get { keyframeHandler.withLock { $0 } }
        set { keyframeHandler.withLock { $0 = newValue } }
    }

    public func recvEncoded() async throws -> EncodedFrame {
        try checkLive()
        do {
            return try await queue.pop()
        } catch let error as MediaStreamError {
            stop()
            throw error
        }
    }

    public func requestKeyframe() { keyframeHandler.withLock { $0 }?() }

    public override func stop() {
        queue.close()
        super.stop()
    }
}
