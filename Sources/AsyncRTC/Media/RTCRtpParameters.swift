/// One encoding of a sender (W3C `RTCRtpEncodingParameters`); AsyncRTC sends one encoding per sender.
public struct RTCRtpEncodingParameters: Sendable, Hashable {
    public var ssrc: UInt32?
    /// Whether the encoding is sent at all.
    public var active: Bool
    /// The most bits per second the encoder may use; REMB estimates are capped by it.
    public var maxBitrate: Int?
    /// The most frames per second sent; frames arriving sooner are skipped.
    public var maxFramerate: Double?
    /// Video is scaled down by this factor (≥ 1) before encoding.
    public var scaleResolutionDownBy: Double?

    public init(ssrc: UInt32? = nil, active: Bool = true, maxBitrate: Int? = nil, maxFramerate: Double? = nil,
                scaleResolutionDownBy: Double? = nil) {
        self.ssrc = ssrc
        self.active = active
        self.maxBitrate = maxBitrate
        self.maxFramerate = maxFramerate
        self.scaleResolutionDownBy = scaleResolutionDownBy
    }
}

/// What ``RTCRtpSender/getParameters()`` returns and ``RTCRtpSender/setParameters(_:)`` takes.
public struct RTCRtpSendParameters: Sendable, Hashable {
    public var encodings: [RTCRtpEncodingParameters]
    /// The negotiated codecs, read-only in effect.
    public var codecs: [RTCRtpCodecParameters]
    public var headerExtensions: [RTCRtpHeaderExtensionParameters]

    public init(encodings: [RTCRtpEncodingParameters], codecs: [RTCRtpCodecParameters] = [],
                headerExtensions: [RTCRtpHeaderExtensionParameters] = []) {
        self.encodings = encodings
        self.codecs = codecs
        self.headerExtensions = headerExtensions
    }
}
