public import RTCMedia

/// A codec this side can send or receive (W3C `RTCRtpCodecCapability`, aiortc's names).
public struct RTCRtpCodecCapability: Sendable, Hashable {
    /// `kind/name`, e.g. `audio/opus`, `video/VP8`, `video/rtx`.
    public var mimeType: String
    /// The RTP clock rate in Hz.
    public var clockRate: Int
    /// Audio channels (2 for Opus), nil for video.
    public var channels: Int?
    /// Format parameters (`a=fmtp`), e.g. `["useinbandfec": "1"]`.
    public var parameters: [String: String]

    public init(mimeType: String, clockRate: Int, channels: Int? = nil, parameters: [String: String] = [:]) {
        self.mimeType = mimeType
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
    }

    /// The part after the slash, e.g. `opus`.
    public var name: String { String(mimeType.split(separator: "/").last ?? "") }
    /// The kind before the slash.
    public var kind: MediaKind? { MediaKind(rawValue: String(mimeType.split(separator: "/").first ?? "").lowercased()) }
    /// Whether this is a retransmission format (RFC 4588) rather than a codec.
    public var isRTX: Bool { name.lowercased() == "rtx" }

    /// Whether two descriptions name the same codec (name, rate, channels, and the parameters that change the
    /// bitstream: VP9's `profile-id`).
    func matches(_ other: RTCRtpCodecCapability) -> Bool {
        guard mimeType.lowercased() == other.mimeType.lowercased(), clockRate == other.clockRate else { return false }
        if kind == .audio, (channels ?? 1) != (other.channels ?? 1) { return false }
        if name.lowercased() == "vp9", (parameters["profile-id"] ?? "0") != (other.parameters["profile-id"] ?? "0") {
            return false
        }
        return true
    }
}

/// A feedback mechanism of a codec (`a=rtcp-fb`, RFC 4585), e.g. `nack`, `nack pli`, `ccm fir`, `goog-remb`.
public struct RTCRtcpFeedback: Sendable, Hashable {
    public var type: String
    public var parameter: String?
    public init(type: String, parameter: String? = nil) {
        self.type = type
        self.parameter = parameter
    }
}

/// A negotiated codec: a capability bound to a payload type (W3C `RTCRtpCodecParameters`).
public struct RTCRtpCodecParameters: Sendable, Hashable {
    public var mimeType: String
    public var clockRate: Int
    public var channels: Int?
    public var payloadType: UInt8
    public var parameters: [String: String]
    public var rtcpFeedback: [RTCRtcpFeedback]

    public init(mimeType: String, clockRate: Int, channels: Int? = nil, payloadType: UInt8,
                parameters: [String: String] = [:], rtcpFeedback: [RTCRtcpFeedback] = []) {
        self.mimeType = mimeType
        self.clockRate = clockRate
        self.channels = channels
        self.payloadType = payloadType
        self.parameters = parameters
        self.rtcpFeedback = rtcpFeedback
    }

    public var capability: RTCRtpCodecCapability {
        RTCRtpCodecCapability(mimeType: mimeType, clockRate: clockRate, channels: channels, parameters: parameters)
    }
    var name: String { capability.name }
    var isRTX: Bool { capability.isRTX }
    /// For an RTX format, the payload type it repairs (`apt`).
    var associatedPayloadType: UInt8? { parameters["apt"].flatMap { UInt8($0) } }
    func hasFeedback(_ type: String, _ parameter: String? = nil) -> Bool {
        rtcpFeedback.contains { $0.type == type && $0.parameter == parameter }
    }
}

/// A header extension and its id (`a=extmap`, RFC 8285).
public struct RTCRtpHeaderExtensionParameters: Sendable, Hashable {
    public var id: UInt8
    public var uri: String
    public init(id: UInt8, uri: String) {
        self.id = id
        self.uri = uri
    }
}

/// A header extension this side supports.
public struct RTCRtpHeaderExtensionCapability: Sendable, Hashable {
    public var uri: String
    public init(uri: String) { self.uri = uri }
}

/// What can be sent or received for a kind (W3C `RTCRtpCapabilities`).
public struct RTCRtpCapabilities: Sendable, Hashable {
    public var codecs: [RTCRtpCodecCapability]
    public var headerExtensions: [RTCRtpHeaderExtensionCapability]
}

/// The header extensions AsyncRTC writes and reads.
enum RTPExtensionURI {
    static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    static let absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    static let audioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    static let transportWideCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
}

/// The codecs and payload types this side offers, in preference order.
enum SupportedCodecs {
    static let videoFeedback = [RTCRtcpFeedback(type: "nack"), RTCRtcpFeedback(type: "nack", parameter: "pli"),
                                RTCRtcpFeedback(type: "ccm", parameter: "fir"), RTCRtcpFeedback(type: "goog-remb")]

    /// Offered audio codecs with the payload types we propose (static ones for G.711 and G.722).
    static let audio: [RTCRtpCodecParameters] = [
        RTCRtpCodecParameters(mimeType: "audio/opus", clockRate: 48_000, channels: 2, payloadType: 111,
                              parameters: ["minptime": "10", "useinbandfec": "1"]),
        RTCRtpCodecParameters(mimeType: "audio/G722", clockRate: 8000, channels: 1, payloadType: 9),
        RTCRtpCodecParameters(mimeType: "audio/PCMU", clockRate: 8000, channels: 1, payloadType: 0),
        RTCRtpCodecParameters(mimeType: "audio/PCMA", clockRate: 8000, channels: 1, payloadType: 8),
    ]

    /// Offered video codecs, each followed by its RTX format.
    static let video: [RTCRtpCodecParameters] = [
        RTCRtpCodecParameters(mimeType: "video/VP8", clockRate: 90_000, payloadType: 96, rtcpFeedback: videoFeedback),
        RTCRtpCodecParameters(mimeType: "video/rtx", clockRate: 90_000, payloadType: 97, parameters: ["apt": "96"]),
        RTCRtpCodecParameters(mimeType: "video/VP9", clockRate: 90_000, payloadType: 98,
                              parameters: ["profile-id": "0"], rtcpFeedback: videoFeedback),
        RTCRtpCodecParameters(mimeType: "video/rtx", clockRate: 90_000, payloadType: 99, parameters: ["apt": "98"]),
    ]

    static func codecs(for kind: MediaKind) -> [RTCRtpCodecParameters] { kind == .audio ? audio : video }

    static let audioExtensions = [RTCRtpHeaderExtensionParameters(id: 1, uri: RTPExtensionURI.mid),
                                  RTCRtpHeaderExtensionParameters(id: 2, uri: RTPExtensionURI.audioLevel)]
    static let videoExtensions = [RTCRtpHeaderExtensionParameters(id: 1, uri: RTPExtensionURI.mid),
                                  RTCRtpHeaderExtensionParameters(id: 3, uri: RTPExtensionURI.absSendTime),
                                  RTCRtpHeaderExtensionParameters(id: 4, uri: RTPExtensionURI.transportWideCC)]
    static func extensions(for kind: MediaKind) -> [RTCRtpHeaderExtensionParameters] {
        kind == .audio ? audioExtensions : videoExtensions
    }

    static func capabilities(for kind: MediaKind) -> RTCRtpCapabilities {
        RTCRtpCapabilities(codecs: codecs(for: kind).map(\.capability),
                           headerExtensions: extensions(for: kind).map { RTCRtpHeaderExtensionCapability(uri: $0.uri) })
    }
}
