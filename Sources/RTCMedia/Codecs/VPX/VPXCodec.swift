/// The two libvpx codecs WebRTC negotiates: VP8 (RFC 6386, RTP payload RFC 7741) and VP9 (RTP payload RFC 9628).
public enum VPXCodec: Sendable, Hashable, CustomStringConvertible {
    case vp8
    case vp9

    public var description: String {
        switch self {
        case .vp8: "VP8"
        case .vp9: "VP9"
        }
    }
}

/// One compressed picture out of `VPXEncoder`.
public struct VPXEncodedFrame: Sendable, Hashable {
    /// The bitstream of one frame (VP9: possibly a superframe), ready for the RTP payloader.
    public var data: [UInt8]
    /// Whether the frame is decodable on its own (an intra frame that resets references).
    public var isKeyframe: Bool
    /// The presentation time given to `encode`, in the encoder's time base (90 kHz by default).
    public var pts: Int64

    public init(data: [UInt8], isKeyframe: Bool, pts: Int64) {
        self.data = data
        self.isKeyframe = isKeyframe
        self.pts = pts
    }
}
