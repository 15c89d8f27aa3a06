public import RTCMedia
import NIOCore
import RTCWire
import RTCTransport

/// Receives one remote stream (W3C `RTCRtpReceiver`, aiortc's names): statistics, NACK and key-frame requests,
/// the jitter buffer, and decoding off the event loop into ``track``.
public final class RTCRtpReceiver: Sendable {
    /// audio or video.
    public let kind: MediaKind
    /// The remote track: its `recv()` returns decoded frames.
    public let track: MediaStreamTrack
    let state: Locked<State>

    /// What to decode, handed from the event loop to the decode task.
    struct DecodeJob: Sendable {
        var codec: RTCRtpCodecParameters
        var frame: JitterBuffer.AssembledFrame
    }

    struct State {
        var codecs: [UInt8: RTCRtpCodecParameters] = [:]
        /// RTX payload type → the payload type it repairs.
        var rtxPayloadTypes: [UInt8: UInt8] = [:]
        var absSendTimeExtensionID: UInt8?
        /// The media SSRC, once known (signalled or first seen).
        var ssrc: UInt32?
        var rtxSSRC: UInt32?
        var currentPayloadType: UInt8?
        var jitter: JitterBuffer?
        var nack = NACKGenerator()
        var nackEnabled = false
        /// Key frames are requested with PLI when `nack pli` was negotiated, else with FIR when `ccm fir` was.
        var useFIR = false
        var statistics: ReceiveStatistics?
        var estimator: RemoteBitrateEstimator?
        /// The decoders, on the receiver's worker thread; nil before the first negotiation and after stop.
        var decoders: CodecWorker.Bound<Decoders>?
        /// Frames handed to the worker and not decoded yet.
        var pendingDecodes = 0
        var counters = Counters()
        var stopped = false
        var lastSenderReport: RTCPSenderReport?
        /// Consumers of the encoded frames (forwarding without decoding).
        var encodedTaps: [RemoteEncodedTrack] = []
        /// Set by a tap or a failed decode: the next tick sends a PLI.
        var keyframeWanted = false
    }

    struct Counters: Sendable {
        var framesReceived = 0
        var framesDecoded = 0
        var keyFramesDecoded = 0
        var framesDropped = 0
        var nackCount = 0
        var pliCount = 0
        var retransmittedPacketsReceived = 0
        var concealedFrames = 0
        var decodeFailures = 0
        var frameWidth: Int?
        var frameHeight: Int?
        var lastPacketReceived: Double?
    }

    init(kind: MediaKind) {
        self.kind = kind
        self.track = kind == .audio ? RemoteAudioTrack() : RemoteVideoTrack()
        self.state = Locked(State())
    }

    /// The codecs a receiver can take for a kind (W3C `RTCRtpReceiver.getCapabilities`).
    public static func getCapabilities(_ kind: MediaKind) -> RTCRtpCapabilities { SupportedCodecs.capabilities(for: kind) }

    /// The SSRC currently received, as W3C `getSynchronizationSources` reports it.
    public func getSynchronizationSources() -> [UInt32] { state.withLock { $0.ssrc.map { [$0] } ?? [] } }

    /// Contributing sources are not produced by AsyncRTC's peers (no mixers); always empty.
    public func getContributingSources() -> [UInt32] { [] }

    /// A track of the received frames still encoded, as they arrive after the jitter buffer (depayloaded, not
    /// decoded). Sent by another connection's sender with the same codec, the frames are forwarded without
    /// re-encoding (an SFU); the consumer's key-frame requests become PLIs to the peer.
    public func makeEncodedTrack(capacity: Int = 60) -> RemoteEncodedTrack {
        let mime = state.withLock { state in
            state.currentPayloadType.flatMap { state.codecs[$0]?.mimeType }
                ?? state.codecs.values.sorted { $0.payloadType < $1.payloadType }.first?.mimeType ?? ""
        }
        let tap = RemoteEncodedTrack(kind: kind, codecMimeType: mime, capacity: capacity)
        tap.onKeyframeRequest = { [weak self] in self?.state.withLock { $0.keyframeWanted = true } }
        state.withLock { $0.encodedTaps.append(tap) }
        return tap
    }

    // MARK: Internals

    /// Applies a negotiation: payload types, extension ids, the signalled SSRCs; starts the decode task once.
    func configure(codecs: [RTCRtpCodecParameters], extensions: [RTCRtpHeaderExtensionParameters],
                   ssrc: UInt32?, rtxSSRC: UInt32?) {
        state.withLock { state in
            state.codecs = [:]
            state.rtxPayloadTypes = [:]
            for codec in codecs {
                if codec.isRTX, let apt = codec.associatedPayloadType { state.rtxPayloadTypes[codec.payloadType] = apt }
                else { state.codecs[codec.payloadType] = codec }
            }
            state.nackEnabled = codecs.contains { $0.hasFeedback("nack") }
            state.useFIR = !codecs.contains { $0.hasFeedback("nack", "pli") } && codecs.contains { $0.hasFeedback("ccm", "fir") }
            state.absSendTimeExtensionID = extensions.first { $0.uri == RTPExtensionURI.absSendTime }?.id
            if let ssrc { state.ssrc = ssrc }
            if let rtxSSRC { state.rtxSSRC = rtxSSRC }
            guard state.decoders == nil, !state.stopped else { return }
            // Decoding never blocks the loop or the cooperative pool: it runs on the receiver's own worker thread.
            state.decoders = CodecWorker.Bound(Decoders(), on: CodecWorker(label: "AsyncRTC.decoder"))
        }
    }

    func stop() {
        // Frames already handed to the worker see `stopped` and are skipped; the decoders go with the last one.
        state.withLock { state in
            state.stopped = true
            state.decoders = nil
        }
        for tap in state.withLock({ $0.encodedTaps }) { tap.finish() }
        switch track {
        case let audio as RemoteAudioTrack: audio.finish()
        case let video as RemoteVideoTrack: video.finish()
        default: break
        }
    }

    /// What the receiver asks the peer for after a packet or a tick.
    struct Feedback {
        var nacks: [UInt16] = []
        var pli = false
        /// Ask with FIR instead of PLI (only `ccm fir` negotiated).
        var useFIR = false
        var remb: (bitrate: Int, ssrcs: [UInt32])?
        var mediaSSRC: UInt32?
        var isEmpty: Bool { nacks.isEmpty && !pli && remb == nil }
    }

    /// Takes an unprotected RTP packet routed to this receiver. Runs on the event loop.
    func receive(_ packet: RTPPacket, size: Int, arrival: NIODeadline, wallClock: Double) -> Feedback {
        state.withLock { state in
            guard !state.stopped else { return Feedback() }
            var packet = packet
            var isRetransmission = false
            if let apt = state.rtxPayloadTypes[packet.payloadType] {
                guard let mediaSSRC = state.ssrc, let unwrapped = try? packet.rtxUnwrapped(ssrc: mediaSSRC, payloadType: apt)
                else { return Feedback() }
                packet = unwrapped
                isRetransmission = true
                state.counters.retransmittedPacketsReceived += 1
            }
            guard let codec = state.codecs[packet.payloadType] else { return Feedback() }
            if state.ssrc == nil { state.ssrc = packet.ssrc }
            guard packet.ssrc == state.ssrc else { return Feedback() }
            if state.currentPayloadType != packet.payloadType || state.jitter == nil {
                state.currentPayloadType = packet.payloadType
                state.jitter = Self.makeJitterBuffer(kind: kind, codec: codec)
            }
            if state.statistics == nil { state.statistics = ReceiveStatistics(ssrc: packet.ssrc, clockRate: codec.clockRate) }
            if !isRetransmission {
                state.statistics?.packetReceived(sequence: packet.sequenceNumber, timestamp: packet.timestamp,
                                                 arrival: arrival, size: size)
            }
            state.counters.lastPacketReceived = wallClock
            var feedback = Feedback()
            feedback.mediaSSRC = packet.ssrc
            feedback.useFIR = state.useFIR
            if state.nackEnabled { state.nack.insert(sequence: packet.sequenceNumber, now: arrival) }
            if kind == .video, let id = state.absSendTimeExtensionID, let ext = packet.headerExtension?[id: id],
               ext.readableBytes == 3, let bytes = ext.getBytes(at: ext.readerIndex, length: 3) {
                let sendTime = UInt32(bytes[0]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[2])
                if state.estimator == nil { state.estimator = RemoteBitrateEstimator() }
                state.estimator?.incoming(arrival: arrival, sendTime24: sendTime, size: size, ssrc: packet.ssrc)
                feedback.remb = state.estimator?.estimate(now: arrival)
            }
            let frames = state.jitter?.insert(packet, arrival: arrival) ?? []
            deliver(frames, codec: codec, state: &state)
            if state.jitter?.needsKeyframe == true {
                state.jitter?.keyframeRequested()
                state.counters.pliCount += 1
                feedback.pli = true
            }
            return feedback
        }
    }

    /// Timers: audio play-out, video skips after a wait, NACKs that are due. Runs on the event loop.
    func tick(now: NIODeadline) -> Feedback {
        state.withLock { state in
            guard !state.stopped, let pt = state.currentPayloadType, let codec = state.codecs[pt] else { return Feedback() }
            var feedback = Feedback()
            feedback.mediaSSRC = state.ssrc
            feedback.useFIR = state.useFIR
            let frames = state.jitter?.pop(now: now) ?? []
            deliver(frames, codec: codec, state: &state)
            if state.jitter?.needsKeyframe == true || (state.keyframeWanted && kind == .video) {
                state.keyframeWanted = false
                state.jitter?.keyframeRequested()
                state.counters.pliCount += 1
                feedback.pli = true
            }
            if state.nackEnabled {
                feedback.nacks = state.nack.due(now: now)
                if !feedback.nacks.isEmpty { state.counters.nackCount += 1 }
            }
            return feedback
        }
    }

    /// Hands assembled frames to the decoder worker (one hop from the loop; jobs run in order there). When the
    /// worker falls more than ``maxPendingDecodes`` frames behind, new frames are dropped (video then asks for a
    /// key frame) rather than queued without bound.
    private func deliver(_ frames: [JitterBuffer.AssembledFrame], codec: RTCRtpCodecParameters, state: inout State) {
        for frame in frames {
            state.counters.framesReceived += 1
            guard let decoders = state.decoders else { continue }
            guard state.pendingDecodes < Self.maxPendingDecodes else {
                state.counters.framesDropped += 1
                state.keyframeWanted = true
                continue
            }
            state.pendingDecodes += 1
            let job = DecodeJob(codec: codec, frame: frame)
            decoders.submit { [self] decoders in decodeOnWorker(job, with: &decoders) }
        }
    }

    /// Frames the decoder worker may have queued before new ones are dropped.
    static let maxPendingDecodes = 64

    static func makeJitterBuffer(kind: MediaKind, codec: RTCRtpCodecParameters) -> JitterBuffer {
        if kind == .audio { return JitterBuffer(clockRate: codec.clockRate, kind: .audio) }
        let isStart: @Sendable (ByteBuffer) -> Bool
        if codec.name.lowercased() == "vp9" {
            isStart = { payload in VP9Depayloader.isFrameStart(payload: payload) }
        } else {
            isStart = { payload in VP8Depayloader.isFrameStart(payload: payload) }
        }
        return JitterBuffer(clockRate: codec.clockRate, kind: .video, capacity: 512, isFrameStart: isStart)
    }

    /// A sender report about the stream we receive: kept for the next report block's LSR/DLSR and for stats.
    func handleSenderReport(_ report: RTCPSenderReport, arrival: NIODeadline) {
        state.withLock { state in
            guard report.ssrc == state.ssrc else { return }
            state.lastSenderReport = report
            state.statistics?.senderReportReceived(ntpTimestamp: report.ntpTimestamp, arrival: arrival)
        }
    }

    /// The report block for the next RTCP compound, nil before anything arrived.
    func makeReportBlock(now: NIODeadline) -> RTCPReportBlock? {
        state.withLock { $0.statistics?.makeReportBlock(now: now) }
    }

    /// Updates the NACK retry spacing from the RTT the sender side measured.
    func updateRTT(_ seconds: Double) {
        state.withLock { $0.nack.updateRTT(.nanoseconds(Int64(seconds * 1e9))) }
    }
}
