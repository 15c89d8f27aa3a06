/// An audio decoder as the RTP receiver uses it: one RTP payload in, one `s16` frame out (no pts: the receiver
/// sets it from the RTP timestamp).
public protocol AudioDecoding: AnyObject {
    /// Decodes one payload.
    /// - Throws: ``MediaCodecError`` or the library's error for a payload the codec rejects; never traps.
    func decode(_ payload: [UInt8]) throws -> AudioFrame
    /// Packet-loss concealment: a frame standing in for `samples` lost samples per channel (at the decoder's output
    /// rate), or nil when the codec has no concealment (the caller then plays silence).
    func concealLoss(samples: Int) throws -> AudioFrame?
}
