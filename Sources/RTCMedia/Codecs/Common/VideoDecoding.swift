/// A video decoder as the RTP receiver uses it: one reassembled compressed frame in, `yuv420p` pictures out.
public protocol VideoDecoding: AnyObject {
    /// Decodes one frame; returns the pictures to show (usually one; none for a frame that is not shown).
    /// - Throws: the library's error for corrupt input; never traps. Later frames may fail until a keyframe.
    func decode(_ data: [UInt8]) throws -> [VideoFrame]
}
