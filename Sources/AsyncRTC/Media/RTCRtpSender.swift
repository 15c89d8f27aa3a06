public import RTCMedia
import NIOCore
import RTCTransport
import RTCWire

/// Sends one track's media (W3C `RTCRtpSender`, aiortc's names): pulls frames from the track, encodes them off the
/// event loop, packetizes, and hands SRTP-protected packets to the transport; answers NACK, PLI/FIR and REMB.
public final class RTCRtpSender: Sendable {
    /// audio or video.
    public let kind: MediaKind
    /// The SSRC of the media stream.
    public let ssrc: UInt32
    /// The SSRC of its retransmissions (RFC 4588), used when RTX is negotiated.
    public let rtxSSRC: UInt32
    let state: Locked<State>

    /// What negotiation gave the sender to send with.
    struct Link: Sendable {
        var transport: PeerTransport?
        var codec: RTCRtpCodecParameters
        var rtxPayloadType: UInt8?
        var mid: String?
        var midExtensionID: UInt8?
        var absSendTimeExtensionID: UInt8?
        var audioLevelExtensionID: UInt8?
        var transportSequenceExtensionID: UInt8?
        /// Hands out the connection's transport-wide sequence numbers.
        var transportSequence: (@Sendable () -> UInt16)?
        var cname: String
        /// Whether the negotiated direction lets this side send.
        var sends: Bool
    }

    struct State {
        var track: MediaStreamTrack?
        var streamIDs: [String]
        var link: Link?
        /// The link of the last negotiation, waiting for SRTP keys.
        var pendingLink: Link?
        /// Whether a track was ever sent (addTrack then only reuses transceivers that never sent).
        var everSent = false
        var pump: Task<Void, Never>?
        /// Bumped whenever the pump must restart (new track, new codec); an old pump sees it and ends.
        var generation = 0
        var stopped = false
        var sequence = UInt16.random(in: 0...UInt16.max)
        var timestampOffset = UInt32.random(in: 0...UInt32.max)
        var history = RetransmissionHistory()
        var statistics: SendStatistics
        var counters = Counters()
        var keyframeRequested = false
        var parameters: RTCRtpSendParameters
        /// The bitrate REMB or the application asked for, before `maxBitrate`.
        var estimatedBitrate: Int?
        var roundTripTime: Double?
        var remoteReport: RTCPReportBlock?
    }

    /// What getStats reports of this sender.
    struct Counters: Sendable {
        var packetsSent = 0
        var bytesSent = 0
        var headerBytesSent = 0
        var framesEncoded = 0
        var keyFramesEncoded = 0
        var nackCount = 0
        var pliCount = 0
        var firCount = 0
        var retransmittedPacketsSent = 0
        var retransmittedBytesSent = 0
        var frameWidth: Int?
        var frameHeight: Int?
        var targetBitrate: Int?
        var encodeFailures = 0
    }

    init(kind: MediaKind, track: MediaStreamTrack?, streamIDs: [String]) {
        self.kind = kind
        let ssrc = UInt32.random(in: 1...UInt32.max)
        var rtx = UInt32.random(in: 1...UInt32.max)
        while rtx == ssrc { rtx = UInt32.random(in: 1...UInt32.max) }
        self.ssrc = ssrc
        self.rtxSSRC = rtx
        let clock = kind == .audio ? 48_000 : VIDEO_CLOCK_RATE
        self.state = Locked(State(track: track, streamIDs: streamIDs,
                                 statistics: SendStatistics(ssrc: ssrc, clockRate: clock),
                                 parameters: RTCRtpSendParameters(encodings: [RTCRtpEncodingParameters(ssrc: ssrc)])))
    }

    /// The track being sent, nil when none.
    public var track: MediaStreamTrack? { state.withLock { $0.track } }

    /// The codecs a sender can use for a kind (W3C `RTCRtpSender.getCapabilities`).
    public static func getCapabilities(_ kind: MediaKind) -> RTCRtpCapabilities { SupportedCodecs.capabilities(for: kind) }

    /// Sends another track from now on, without renegotiation (W3C `replaceTrack`). The kind must match.
    public func replaceTrack(_ track: MediaStreamTrack?) async throws {
        if let track, track.kind != kind {
            throw RTCError(.type, "cannot replace a \(kind.rawValue) track with a \(track.kind.rawValue) track")
        }
        let restart = state.withLock { state -> Bool in
            state.track = track
            state.generation += 1
            state.keyframeRequested = true
            if track != nil && state.link?.sends == true { state.everSent = true }
            return state.link?.sends == true && !state.stopped
        }
        if restart { startPump() }
    }

    /// The encoding parameters in force (W3C `getParameters`).
    public func getParameters() -> RTCRtpSendParameters { state.withLock { $0.parameters } }

    /// Applies `maxBitrate`, `maxFramerate`, `scaleResolutionDownBy` and `active` to the running encoder
    /// (W3C `setParameters`); the number of encodings cannot change.
    public func setParameters(_ parameters: RTCRtpSendParameters) async throws {
        try state.withLock { state throws(RTCError) in
            guard parameters.encodings.count == state.parameters.encodings.count else {
                throw RTCError(.invalidModification, "the number of encodings cannot change")
            }
            if let scale = parameters.encodings.first?.scaleResolutionDownBy, scale < 1 {
                throw RTCError(.range, "scaleResolutionDownBy must be at least 1")
            }
            var accepted = parameters
            for i in accepted.encodings.indices { accepted.encodings[i].ssrc = state.parameters.encodings[i].ssrc }
            state.parameters = accepted
        }
    }

    // MARK: Internals

    func attach(_ link: Link) {
        let restart = state.withLock { state -> Bool in
            let changed = state.link?.codec != link.codec || state.link?.sends != link.sends || state.link == nil
            if state.link?.codec.clockRate != link.codec.clockRate {
                state.statistics = SendStatistics(ssrc: ssrc, clockRate: link.codec.clockRate)
            }
            state.link = link
            if changed { state.generation += 1 }
            if link.sends && state.track != nil { state.everSent = true }
            return changed && link.sends && !state.stopped
        }
        if restart { startPump() }
    }

    func stop() async {
        let pump = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            state.generation += 1
            defer { state.pump = nil }
            return state.pump
        }
        pump?.cancel()
        await pump?.value
    }

    private func startPump() {
        let (generation, old) = state.withLock { ($0.generation, $0.pump) }
        old?.cancel()
        let task = Task.detached { [self] in
            await old?.value
            await pump(generation: generation)
        }
        state.withLock { state in
            if state.generation == generation { state.pump = task }
        }
    }
}
