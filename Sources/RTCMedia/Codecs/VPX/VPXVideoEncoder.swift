/// VP8 or VP9 behind ``VideoEncoding``: takes any ``VideoFrame`` (converted to I420), builds the libvpx encoder
/// on the first frame and again when the size changes, and applies `targetBitrate` at run time through
/// `vpx_codec_enc_config_set`.
public final class VPXVideoEncoder: VideoEncoding {
    public let codec: VPXCodec
    private var encoder: VPXEncoder?
    private var bitrate: Int
    /// The pts handed to libvpx: a counter of 90 kHz ticks that only moves forward, whatever the input pts do.
    private var encoderClock: Int64 = 0
    private var lastTimestamp: Int64?
    private var syntheticTimestamp: Int64 = 0

    /// The bitrate range accepted; values outside are clamped.
    public static let bitrateRange = 30_000...50_000_000

    /// - Parameter bitrate: the initial target in bits per second (aiortc starts VP8 at 500 kbit/s).
    public init(codec: VPXCodec, bitrate: Int = 500_000) {
        self.codec = codec
        self.bitrate = min(max(bitrate, Self.bitrateRange.lowerBound), Self.bitrateRange.upperBound)
    }

    public var targetBitrate: Int {
        get { bitrate }
        set {
            bitrate = min(max(newValue, Self.bitrateRange.lowerBound), Self.bitrateRange.upperBound)
            // The range above is inside what setBitrate accepts, so this cannot fail.
            try? encoder?.setBitrate(bitrate)
        }
    }

    public func encode(_ frame: VideoFrame, forceKeyframe: Bool) throws -> [EncodedFrame] {
        guard frame.isWellFormed else {
            throw MediaCodecError(.invalidFrame,
                                  "\(frame.data.count) bytes for a \(frame.width)x\(frame.height) \(frame.format) frame")
        }
        guard frame.width >= 2, frame.height >= 2 else {
            throw MediaCodecError(.invalidFrame, "\(codec) cannot encode a \(frame.width)x\(frame.height) picture")
        }
        let picture = frame.i420
        let encoder: VPXEncoder
        if let existing = self.encoder {
            encoder = existing  // VPXEncoder rebuilds itself when the size changes
        } else {
            encoder = try VPXEncoder(VPXEncoder.Configuration(codec: codec, width: frame.width, height: frame.height,
                                                              bitrate: bitrate))
            self.encoder = encoder
        }

        // The RTP timestamp: the pts on the 90 kHz clock, or VIDEO_PTIME steps without one.
        let step = Int64((VIDEO_PTIME * Double(VIDEO_CLOCK_RATE)).rounded())
        let timestamp: Int64
        if let pts = frame.pts, let timeBase = frame.timeBase,
           let converted = timeBase.convert(pts, to: VIDEO_TIME_BASE) {
            timestamp = converted
        } else {
            timestamp = syntheticTimestamp
        }
        syntheticTimestamp = timestamp &+ step
        var duration = step
        if let last = lastTimestamp, timestamp > last, timestamp &- last < Int64(VIDEO_CLOCK_RATE) {
            duration = timestamp &- last
        }
        lastTimestamp = timestamp
        encoderClock &+= duration
        let output = try encoder.encode(picture, pts: encoderClock, duration: Int(duration),
                                        forceKeyframe: forceKeyframe)
        return output.map { packet in
            EncodedFrame(data: packet.data, timestamp: UInt32(truncatingIfNeeded: timestamp),
                         isKeyframe: packet.isKeyframe, duration: UInt32(duration))
        }
    }
}
