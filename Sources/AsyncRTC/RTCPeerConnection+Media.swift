import NIOCore
public import RTCMedia
import RTCTransport
import RTCWire

/// The peer connection's media: transceivers, the m= sections they occupy, negotiation of codecs and extensions,
/// and starting senders and receivers once SRTP keys exist.
extension RTCPeerConnection {
    /// One m= section of the session, in order.
    enum Section: Sendable {
        case media(RTCRtpTransceiver)
        case data(mid: String)
        /// A remote section we do not take part in (answered with port 0).
        case rejected(MediaDescription)
    }

    struct MediaState {
        var transceivers: [RTCRtpTransceiver] = []
        var sections: [Section] = []
        /// RTCP CNAME of every sender of this connection (RFC 7022: random, per connection).
        var cname = Self.randomToken(16)
        /// The stream id our tracks are announced in (`a=msid`).
        var streamID = Self.randomToken(12)
        var onTrack: (@Sendable (MediaStreamTrack, RTCRtpReceiver, [String]) -> Void)?
        var onNegotiationNeeded: (@Sendable () -> Void)?
        /// Whether the last negotiation reached `stable` (senders may run once SRTP is up).
        var negotiated = false
        /// The state to return to on rollback.
        var committed = Committed()
        /// Transceivers the remote offer being processed created (removed again by a rollback).
        var createdByRemoteOffer: Set<ObjectIdentifier> = []

        static func randomToken(_ count: Int) -> String {
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            return String((0..<count).map { _ in alphabet.randomElement() ?? "x" })
        }
    }

    // MARK: Public API

    /// Fires for each remote track when a remote description announces it (W3C `track`); also
    /// ``RTCRtpReceiver/track`` of ``getTransceivers()``.
    public var onTrack: (@Sendable (MediaStreamTrack, RTCRtpReceiver, [String]) -> Void)? {
        get { state.withLock { $0.media.onTrack } }
        set { state.withLock { $0.media.onTrack = newValue } }
    }

    /// Fires when a change (a new track or transceiver, a direction) needs a new offer/answer.
    public var onNegotiationNeeded: (@Sendable () -> Void)? {
        get { state.withLock { $0.media.onNegotiationNeeded } }
        set { state.withLock { $0.media.onNegotiationNeeded = newValue } }
    }

    /// Sends a track: reuses a transceiver of its kind that sends nothing yet, else adds one (W3C `addTrack`).
    @discardableResult
    public func addTrack(_ track: MediaStreamTrack) throws(RTCError) -> RTCRtpSender {
        let sender = try state.withLock { state throws(RTCError) -> RTCRtpSender in
            guard !state.closed else { throw RTCError(.invalidState, "the peer connection is closed") }
            if state.media.transceivers.contains(where: { $0.sender.track === track }) {
                throw RTCError(.invalidAccess, "the track is already sent by this connection")
            }
            if let reusable = state.media.transceivers.first(where: {
                $0.kind == track.kind && !$0.stopped && $0.sender.track == nil && !$0.sender.state.withLock { $0.everSent }
            }) {
                reusable.sender.state.withLock {
                    $0.track = track
                    $0.streamIDs = [state.media.streamID]
                }
                reusable.state.withLock { $0.direction = $0.direction == .recvonly ? .sendrecv : ($0.direction == .inactive ? .sendonly : $0.direction) }
                return reusable.sender
            }
            let transceiver = RTCRtpTransceiver(kind: track.kind, direction: .sendrecv, track: track,
                                                streamIDs: [state.media.streamID])
            state.media.transceivers.append(transceiver)
            return transceiver.sender
        }
        negotiationNeeded()
        return sender
    }

    /// Adds a transceiver sending `track` (W3C `addTransceiver(track)`).
    @discardableResult
    public func addTransceiver(_ track: MediaStreamTrack, direction: RTCRtpTransceiverDirection = .sendrecv)
        throws(RTCError) -> RTCRtpTransceiver {
        try addTransceiver(kind: track.kind, track: track, direction: direction)
    }

    /// Adds a transceiver of a kind without a track, e.g. to receive only (W3C `addTransceiver(kind)`).
    @discardableResult
    public func addTransceiver(kind: MediaKind, direction: RTCRtpTransceiverDirection = .sendrecv)
        throws(RTCError) -> RTCRtpTransceiver {
        try addTransceiver(kind: kind, track: nil, direction: direction)
    }

    private func addTransceiver(kind: MediaKind, track: MediaStreamTrack?, direction: RTCRtpTransceiverDirection)
        throws(RTCError) -> RTCRtpTransceiver {
        guard direction != .stopped else { throw RTCError(.type, "a new transceiver cannot be stopped") }
        let transceiver = try state.withLock { state throws(RTCError) -> RTCRtpTransceiver in
            guard !state.closed else { throw RTCError(.invalidState, "the peer connection is closed") }
            let transceiver = RTCRtpTransceiver(kind: kind, direction: direction, track: track,
                                                streamIDs: [state.media.streamID])
            state.media.transceivers.append(transceiver)
            return transceiver
        }
        negotiationNeeded()
        return transceiver
    }

    /// Stops sending a sender's track (W3C `removeTrack`): the track is detached and the direction drops `send`.
    public func removeTrack(_ sender: RTCRtpSender) async throws {
        let transceiver = try state.withLock { state throws(RTCError) -> RTCRtpTransceiver in
            guard !state.closed else { throw RTCError(.invalidState, "the peer connection is closed") }
            guard let t = state.media.transceivers.first(where: { $0.sender === sender }) else {
                throw RTCError(.invalidAccess, "the sender does not belong to this connection")
            }
            return t
        }
        try await sender.replaceTrack(nil)
        transceiver.state.withLock { $0.direction = $0.direction == .sendrecv ? .recvonly : ($0.direction == .sendonly ? .inactive : $0.direction) }
        negotiationNeeded()
    }

    public func getTransceivers() -> [RTCRtpTransceiver] { state.withLock { $0.media.transceivers } }
    public func getSenders() -> [RTCRtpSender] { getTransceivers().map(\.sender) }
    public func getReceivers() -> [RTCRtpReceiver] { getTransceivers().map(\.receiver) }

    // MARK: Negotiation

    func negotiationNeeded() {
        let handler = state.withLock { $0.signalingState == .stable && !$0.closed ? $0.media.onNegotiationNeeded : nil }
        handler?()
    }

    /// The sections of our next offer: what was negotiated, new transceivers appended, data last if new.
    func offerSections() -> [Section] {
        state.withLock { state in
            var sections = state.media.sections
            var used = Set(sections.compactMap { section -> String? in
                switch section {
                case .media(let t): t.mid
                case .data(let mid): mid
                case .rejected(let m): m.mid
                }
            })
            func nextMid() -> String {
                var n = 0
                while used.contains(String(n)) { n += 1 }
                used.insert(String(n))
                return String(n)
            }
            for transceiver in state.media.transceivers where !transceiver.stopped {
                let present = sections.contains { if case .media(let t) = $0 { return t === transceiver } else { return false } }
                guard !present else { continue }
                let mid = transceiver.mid ?? nextMid()
                transceiver.state.withLock { $0.mid = mid }
                sections.append(.media(transceiver))
            }
            // Data last, and only when wanted (as browsers and aiortc do): a media-only connection never runs
            // SCTP (usrsctp's threads and its 10 ms timer). An offer with nothing else still carries it, so a
            // connection made before its first channel can open channels without renegotiating.
            let hasData = sections.contains { if case .data = $0 { true } else { false } }
            if !hasData && (state.dataChannelsWanted || sections.isEmpty) {
                sections.append(.data(mid: nextMid()))
            }
            state.media.sections = sections
            return sections
        }
    }

    /// Maps a remote offer's sections to transceivers (JSEP §5.10): by mid, else an unused transceiver of the kind
    /// (from addTrack), else a new recvonly one. Fires onTrack for sections whose sender is new.
    func applyRemoteSections(_ description: SessionDescription, isOffer: Bool) {
        var announced: [(MediaStreamTrack, RTCRtpReceiver, [String])] = []
        let handler = state.withLock { state -> (@Sendable (MediaStreamTrack, RTCRtpReceiver, [String]) -> Void)? in
            var sections: [Section] = []
            for (index, m) in description.media.enumerated() {
                if m.kind == "application" {
                    sections.append(m.port == 0 ? .rejected(m) : .data(mid: m.mid ?? String(index)))
                    continue
                }
                guard let remote = RemoteMediaSection(m, index: index) else {
                    sections.append(.rejected(m))
                    continue
                }
                var transceiver = state.media.transceivers.first { $0.mid != nil && $0.mid == remote.mid }
                if transceiver == nil, isOffer {
                    transceiver = state.media.transceivers.first {
                        $0.kind == remote.kind && $0.mid == nil && !$0.stopped
                    }
                    if transceiver == nil, !remote.rejected {
                        let created = RTCRtpTransceiver(kind: remote.kind, direction: .recvonly, track: nil,
                                                        streamIDs: [state.media.streamID])
                        state.media.transceivers.append(created)
                        state.media.createdByRemoteOffer.insert(ObjectIdentifier(created))
                        transceiver = created
                    }
                    transceiver?.state.withLock { $0.mid = remote.mid ?? String(index) }
                }
                guard let transceiver, !remote.rejected else {
                    sections.append(.rejected(m))
                    continue
                }
                sections.append(.media(transceiver))
                let fire = transceiver.state.withLock { t -> Bool in
                    t.mLineIndex = index
                    guard remote.direction.sends, !t.trackAnnounced else { return false }
                    t.trackAnnounced = true
                    return true
                }
                if fire { announced.append((transceiver.receiver.track, transceiver.receiver, remote.streamIDs)) }
            }
            if isOffer || state.media.sections.isEmpty { state.media.sections = sections }
            return state.media.onTrack
        }
        for (track, receiver, streams) in announced { handler?(track, receiver, streams) }
    }

    /// Once offer and answer are both applied: what each transceiver sends and receives with.
    func finishNegotiation(local: SessionDescription, remote: SessionDescription, weAreOfferer: Bool) {
        let (transceivers, cname) = state.withLock { state in
            state.media.negotiated = true
            return (state.media.transceivers, state.media.cname)
        }
        for transceiver in transceivers {
            guard let index = transceiver.state.withLock({ $0.mLineIndex }) ?? local.media.firstIndex(where: {
                $0.mid != nil && $0.mid == transceiver.mid
            }), index < local.media.count, index < remote.media.count,
                let ours = RemoteMediaSection(local.media[index], index: index),
                let theirs = RemoteMediaSection(remote.media[index], index: index) else { continue }
            let answer = weAreOfferer ? theirs : ours
            let codecs = answer.codecs
            let direction: RTCRtpTransceiverDirection = answer.rejected || ours.rejected
                ? .inactive : (weAreOfferer ? theirs.direction.reversed : ours.direction)
            let primary = theirs.ssrcs.first
            transceiver.state.withLock { state in
                state.mLineIndex = index
                state.currentDirection = state.stopped ? .stopped : direction
                state.negotiated = RTCRtpTransceiver.Negotiated(
                    codecs: codecs, extensions: answer.extensions, remoteSSRCs: theirs.ssrcs, remoteRTX: theirs.rtx,
                    remoteStreamIDs: theirs.streamIDs)
            }
            transceiver.receiver.configure(codecs: codecs, extensions: answer.extensions, ssrc: primary,
                                           rtxSSRC: primary.flatMap { theirs.rtx[$0] })
            guard let codec = codecs.first(where: { !$0.isRTX }) else { continue }
            let link = RTCRtpSender.Link(
                transport: nil, codec: codec,
                rtxPayloadType: codecs.first { $0.isRTX && $0.associatedPayloadType == codec.payloadType }?.payloadType,
                mid: transceiver.mid,
                midExtensionID: answer.extensions.first { $0.uri == RTPExtensionURI.mid }?.id,
                absSendTimeExtensionID: answer.extensions.first { $0.uri == RTPExtensionURI.absSendTime }?.id,
                audioLevelExtensionID: answer.extensions.first { $0.uri == RTPExtensionURI.audioLevel }?.id,
                transportSequenceExtensionID: answer.extensions.first { $0.uri == RTPExtensionURI.transportWideCC }?.id,
                transportSequence: { [weak engine] in engine?.nextTransportSequence() ?? 0 },
                cname: cname, sends: direction.sends)
            transceiver.sender.state.withLock { $0.pendingLink = link }
        }
        engine.configure(transceivers: transceivers)
        state.withLock { $0.media.createdByRemoteOffer = [] }
        commitNegotiation()
        startMediaIfReady()
    }

    /// Starts senders and the RTP session once negotiation completed and DTLS exported SRTP keys.
    func startMediaIfReady() {
        let (transport, ready, transceivers) = state.withLock { ($0.transport, $0.media.negotiated, $0.media.transceivers) }
        guard ready, let transport, transport.isSRTPReady else { return }
        engine.attach(transport, on: eventLoop)
        for transceiver in transceivers where !transceiver.stopped {
            guard var link = transceiver.sender.state.withLock({ $0.pendingLink }) else { continue }
            link.transport = transport
            transceiver.sender.attach(link)
        }
    }

    // MARK: SDP

    /// The lines of one audio/video section of our offer or answer.
    func mediaSectionLines(_ transceiver: RTCRtpTransceiver, remote: RemoteMediaSection?, transportLines: [String],
                           connectionLine: String, port: UInt16) -> [String] {
        let kind = transceiver.kind
        let codecs: [RTCRtpCodecParameters]
        let extensions: [RTCRtpHeaderExtensionParameters]
        let direction: RTCRtpTransceiverDirection
        if let remote {
            codecs = MediaNegotiation.answerCodecs(offered: remote.codecs, supported: transceiver.offeredCodecs)
            extensions = MediaNegotiation.answerExtensions(offered: remote.extensions,
                                                           supported: SupportedCodecs.extensions(for: kind))
            direction = transceiver.direction.intersection(remote.direction.reversed)
        } else {
            codecs = transceiver.offeredCodecs
            extensions = SupportedCodecs.extensions(for: kind)
            direction = transceiver.direction
        }
        let mid = transceiver.mid ?? remote?.mid ?? "0"
        guard !codecs.isEmpty, !transceiver.stopped else {
            return ["m=\(kind.rawValue) 0 UDP/TLS/RTP/SAVPF \(remote?.codecs.first.map { String($0.payloadType) } ?? "0")",
                    "c=IN IP4 0.0.0.0", "a=mid:\(mid)", "a=inactive"]
        }
        var lines = ["m=\(kind.rawValue) \(port) UDP/TLS/RTP/SAVPF \(codecs.map { String($0.payloadType) }.joined(separator: " "))",
                     connectionLine, "a=\(direction.sdp.rawValue)", "a=mid:\(mid)"]
        let sender = transceiver.sender
        let (track, streamIDs, cname) = state.withLock { s in
            (sender.track, sender.state.withLock { $0.streamIDs }, s.media.cname)
        }
        if direction.sends, let track {
            lines.append("a=msid:\(streamIDs.first ?? "-") \(track.id)")
        }
        lines.append("a=rtcp:9 IN IP4 0.0.0.0")
        lines.append("a=rtcp-mux")
        lines += extensions.map { "a=extmap:\($0.id) \($0.uri)" }
        lines += MediaNegotiation.codecLines(codecs)
        if direction.sends {
            let rtx = codecs.contains { $0.isRTX }
            if rtx { lines.append("a=ssrc-group:FID \(sender.ssrc) \(sender.rtxSSRC)") }
            lines.append("a=ssrc:\(sender.ssrc) cname:\(cname)")
            if rtx { lines.append("a=ssrc:\(sender.rtxSSRC) cname:\(cname)") }
        }
        return lines + transportLines
    }
}
