public import RTCMedia
import RTCWire
import RTCTransport

/// A transceiver's direction (W3C `RTCRtpTransceiverDirection`).
public enum RTCRtpTransceiverDirection: String, Sendable, Hashable {
    case sendrecv, sendonly, recvonly, inactive, stopped

    var sends: Bool { self == .sendrecv || self == .sendonly }
    var receives: Bool { self == .sendrecv || self == .recvonly }

    init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    /// This direction as the peer sees it (send and receive swapped).
    var reversed: RTCRtpTransceiverDirection {
        self == .stopped ? .stopped : RTCRtpTransceiverDirection(sends: receives, receives: sends)
    }

    /// The direction of an answer: what we want, limited by what the offer allows (JSEP §5.3.1).
    func intersection(_ other: RTCRtpTransceiverDirection) -> RTCRtpTransceiverDirection {
        RTCRtpTransceiverDirection(sends: sends && other.sends, receives: receives && other.receives)
    }

    var sdp: SDPDirection { SDPDirection(rawValue: self == .stopped ? "inactive" : rawValue) ?? .inactive }
}

/// A sender and a receiver sharing one m= section (W3C `RTCRtpTransceiver`, aiortc's names).
public final class RTCRtpTransceiver: Sendable {
    /// audio or video.
    public let kind: MediaKind
    /// What this side sends.
    public let sender: RTCRtpSender
    /// What this side receives.
    public let receiver: RTCRtpReceiver
    let state: Locked<State>

    /// What negotiation settled for the m= section.
    struct Negotiated: Sendable {
        /// Codecs in preference order with their payload types; RTX formats included.
        var codecs: [RTCRtpCodecParameters]
        var extensions: [RTCRtpHeaderExtensionParameters]
        /// The peer's media SSRCs for this section, with their RTX SSRCs when signalled (`a=ssrc-group:FID`).
        var remoteSSRCs: [UInt32]
        var remoteRTX: [UInt32: UInt32]
        var remoteStreamIDs: [String]
    }

    struct State {
        var mid: String?
        var mLineIndex: Int?
        var direction: RTCRtpTransceiverDirection
        var currentDirection: RTCRtpTransceiverDirection?
        var stopped = false
        var codecPreferences: [RTCRtpCodecCapability] = []
        var negotiated: Negotiated?
        /// Whether onTrack has fired for the current remote sender.
        var trackAnnounced = false
    }

    init(kind: MediaKind, direction: RTCRtpTransceiverDirection, track: MediaStreamTrack?, streamIDs: [String]) {
        self.kind = kind
        self.sender = RTCRtpSender(kind: kind, track: track, streamIDs: streamIDs)
        self.receiver = RTCRtpReceiver(kind: kind)
        self.state = Locked(State(direction: direction))
    }

    /// The media identification of the m= section, once negotiated (or offered).
    public var mid: String? { state.withLock { $0.mid } }
    /// The direction this side wants; changing it needs a new negotiation.
    public var direction: RTCRtpTransceiverDirection {
        get { state.withLock { $0.direction } }
        set { state.withLock { if !$0.stopped { $0.direction = newValue } } }
    }
    /// The direction the last negotiation settled on, nil before.
    public var currentDirection: RTCRtpTransceiverDirection? { state.withLock { $0.currentDirection } }
    /// Whether ``stop()`` was called.
    public var stopped: Bool { state.withLock { $0.stopped } }

    /// Restricts and orders the codecs of the next offer or answer (W3C `setCodecPreferences`); an empty list
    /// restores the defaults.
    public func setCodecPreferences(_ codecs: [RTCRtpCodecCapability]) throws(RTCError) {
        let supported = SupportedCodecs.codecs(for: kind).map(\.capability)
        for codec in codecs where !supported.contains(where: { $0.matches(codec) }) {
            throw RTCError(.invalidModification, "codec \(codec.mimeType)/\(codec.clockRate) is not supported for \(kind.rawValue)")
        }
        state.withLock { $0.codecPreferences = codecs }
    }

    /// Stops sending and receiving for good; the m= section is rejected in the next negotiation.
    public func stop() async {
        state.withLock { state in
            state.stopped = true
            state.direction = .stopped
            state.currentDirection = .stopped
        }
        await sender.stop()
        receiver.stop()
    }

    /// The codecs to offer, in preference order, with our payload types (RTX follows the codecs it repairs).
    var offeredCodecs: [RTCRtpCodecParameters] {
        let preferences = state.withLock { $0.codecPreferences }
        let all = SupportedCodecs.codecs(for: kind)
        guard !preferences.isEmpty else { return all }
        var chosen: [RTCRtpCodecParameters] = []
        for preference in preferences where !preference.isRTX {
            guard let codec = all.first(where: { !$0.isRTX && $0.capability.matches(preference) }) else { continue }
            chosen.append(codec)
            if let rtx = all.first(where: { $0.isRTX && $0.associatedPayloadType == codec.payloadType }) { chosen.append(rtx) }
        }
        return chosen
    }
}
