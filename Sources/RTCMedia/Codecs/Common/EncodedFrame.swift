/// One compressed frame out of an ``AudioEncoding`` or ``VideoEncoding``: what one RTP payloader call takes.
public struct EncodedFrame: Sendable, Hashable {
    /// The codec's bitstream for this frame (an Opus packet, G.711/G.722 octets, a VP8 frame, a VP9 superframe).
    public var data: [UInt8]
    /// The RTP timestamp of the frame's first sample, in units of the codec's RTP clock (48000 for Opus, 8000 for
    /// G.711 and G.722 — RFC 3551 §4.5.2 — and 90000 for video), before the sender adds its random offset.
    public var timestamp: UInt32
    /// Whether a decoder can start here (always true for audio).
    public var isKeyframe: Bool
    /// How long the frame lasts, in RTP clock units (960 for 20 ms of Opus, 160 for 20 ms of G.711 or G.722).
    public var duration: UInt32

    public init(data: [UInt8], timestamp: UInt32, isKeyframe: Bool, duration: UInt32) {
        self.data = data
        self.timestamp = timestamp
        self.isKeyframe = isKeyframe
        self.duration = duration
    }
}
