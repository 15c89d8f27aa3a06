/// `RTCOutboundRtpStreamStats`: what one sender sent.
public struct RTCOutboundRtpStreamStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "outbound-rtp" }
    public var ssrc: UInt32
    /// "audio" or "video".
    public var kind: String
    public var transportId: String
    public var codecId: String?
    public var mid: String?
    public var mediaSourceId: String?
    public var remoteId: String?
    public var packetsSent: Int
    public var bytesSent: Int
    public var headerBytesSent: Int
    public var retransmittedPacketsSent: Int
    public var retransmittedBytesSent: Int
    public var framesEncoded: Int
    public var keyFramesEncoded: Int
    public var frameWidth: Int?
    public var frameHeight: Int?
    /// Bits per second the encoder aims at (video).
    public var targetBitrate: Int?
    public var nackCount: Int
    public var pliCount: Int
    public var firCount: Int
    public var active: Bool
}

/// `RTCInboundRtpStreamStats`: what one receiver got.
public struct RTCInboundRtpStreamStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "inbound-rtp" }
    public var ssrc: UInt32
    public var kind: String
    public var transportId: String
    public var codecId: String?
    public var mid: String?
    public var trackIdentifier: String
    public var remoteId: String?
    public var packetsReceived: Int
    public var bytesReceived: Int
    /// Cumulative, as RFC 3550 counts it (may be negative with duplicates).
    public var packetsLost: Int
    /// Interarrival jitter in **seconds** (W3C), not RTP units.
    public var jitter: Double
    public var framesReceived: Int
    public var framesDecoded: Int
    public var keyFramesDecoded: Int
    public var framesDropped: Int
    public var frameWidth: Int?
    public var frameHeight: Int?
    public var nackCount: Int
    public var pliCount: Int
    public var retransmittedPacketsReceived: Int
    /// Audio frames made up by packet-loss concealment.
    public var concealmentEvents: Int
    /// Milliseconds since the Unix epoch.
    public var lastPacketReceivedTimestamp: Double?
}

/// `RTCRemoteInboundRtpStreamStats`: what the peer's receiver reported about our stream (RTCP report blocks).
public struct RTCRemoteInboundRtpStreamStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "remote-inbound-rtp" }
    public var ssrc: UInt32
    public var kind: String
    public var transportId: String
    public var localId: String
    /// Seconds.
    public var roundTripTime: Double?
    /// 0...1, from the last report block.
    public var fractionLost: Double
    public var packetsLost: Int
    /// Seconds.
    public var jitter: Double
}

/// `RTCRemoteOutboundRtpStreamStats`: what the peer's sender reported (RTCP sender reports).
public struct RTCRemoteOutboundRtpStreamStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "remote-outbound-rtp" }
    public var ssrc: UInt32
    public var kind: String
    public var transportId: String
    public var localId: String
    public var packetsSent: Int
    public var bytesSent: Int
    /// The peer's wall clock at the report, milliseconds since the Unix epoch.
    public var remoteTimestamp: Double
}

/// `RTCCodecStats`: a negotiated codec.
public struct RTCCodecStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "codec" }
    public var transportId: String
    public var payloadType: Int
    public var mimeType: String
    public var clockRate: Int
    public var channels: Int?
    public var sdpFmtpLine: String?
}

/// `RTCMediaSourceStats` (audio and video): the track a sender sends.
public struct RTCMediaSourceStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "media-source" }
    public var kind: String
    public var trackIdentifier: String
}
