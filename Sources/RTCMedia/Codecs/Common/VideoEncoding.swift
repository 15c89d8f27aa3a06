/// A video encoder as the RTP sender uses it: frames of any pixel format and size in (converted to I420; a size
/// change rebuilds the encoder, whose next frame is a keyframe), compressed frames out with 90 kHz timestamps.
///
/// Implementations are classes holding codec state: not `Sendable`; use one from one task or thread at a time.
public protocol VideoEncoding: AnyObject {
    /// Target bitrate in bits per second; a change applies from the next frame without rebuilding the encoder.
    var targetBitrate: Int { get set }
    /// Encodes one picture. Its RTP timestamp is its pts converted to 90 kHz (frames without one are spaced
    /// `VIDEO_PTIME` apart). `forceKeyframe` makes this frame a keyframe (after a PLI or FIR).
    func encode(_ frame: VideoFrame, forceKeyframe: Bool) throws -> [EncodedFrame]
}
