/// A track whose frames are already encoded (read from a file, or relayed from another peer): a sender whose
/// negotiated codec matches ``codecMimeType`` packetizes them as they are, without decoding or re-encoding.
///
/// Timestamps are in the codec's RTP clock (48 kHz for Opus, 90 kHz for video) and must increase by each frame's
/// duration; the sender adds its own random offset. Video sources should start with a key frame and honour
/// ``requestKeyframe()`` where they can (a file can only wait for the next one).
public protocol EncodedFrameSource: AnyObject, Sendable {
    /// The codec of the frames, e.g. `audio/opus`, `video/VP8`.
    var codecMimeType: String { get }
    /// The next encoded frame, paced to real time; throws ``MediaStreamError`` once the source has ended.
    func recvEncoded() async throws -> EncodedFrame
    /// The receiver lost a frame (PLI/FIR): send a key frame as soon as possible.
    func requestKeyframe()
}
