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

/// A video decoder as the RTP receiver uses it: one reassembled compressed frame in, `yuv420p` pictures out.
public protocol VideoDecoding: AnyObject {
    /// Decodes one frame; returns the pictures to show (usually one; none for a frame that is not shown).
    /// - Throws: the library's error for corrupt input; never traps. Later frames may fail until a keyframe.
    func decode(_ data: [UInt8]) throws -> [VideoFrame]
}
