import Foundation
import NIOCore
import RTCMedia
import RTCTransport
import RTCWire

/// The sender's pump: track → encoder → payloader → RTP with header extensions → history → SRTP → ICE.
///
/// The pump is one task per sender, off the event loop; video encodes on the sender's worker thread (a frame takes
/// milliseconds), audio in the pump itself (~0.1 ms). Per packet it takes the sender's lock once and hands the
/// packet to the transport, which protects it in place.
extension RTCRtpSender {
    /// The largest RTP payload: 1200 bytes of packet (the DTLS/SRTP path MTU the stack uses) less the RTP header,
    /// the extensions and the SRTP tag.
    static let maxPayloadSize = 1100
    /// The video bitrate before any estimate arrives, and the range estimates are held to (aiortc's values).
    static let defaultVideoBitrate = 500_000
    static let videoBitrateRange = 100_000...3_000_000

    func pump(generation: Int) async {
        guard let (track, link) = state.withLock({ state -> (MediaStreamTrack, Link)? in
            guard state.generation == generation, let track = state.track, let link = state.link, link.sends else { return nil }
            return (track, link)
        }) else { return }
        do {
            if let source = track as? any EncodedFrameSource {
                // A relayed source learns its codec from its own negotiation: wait for it.
                while source.codecMimeType.isEmpty && isCurrent(generation) { try await Task.sleep(for: .milliseconds(20)) }
                guard source.codecMimeType.lowercased() == link.codec.mimeType.lowercased() else {
                    // Forwarding cannot change the codec; the negotiation must pick the source's.
                    state.withLock { $0.counters.encodeFailures += 1 }
                    return
                }
                try await pumpEncoded(source, link: link, generation: generation)
                return
            }
            switch track {
            case let audio as AudioStreamTrack: try await pumpAudio(audio, link: link, generation: generation)
            case let video as VideoStreamTrack: try await pumpVideo(video, link: link, generation: generation)
            default: return
            }
        } catch {
            // The track ended (MediaStreamError), the task was cancelled, or the codec is unusable: stop sending.
            if !(error is MediaStreamError || error is CancellationError) {
                state.withLock { $0.counters.encodeFailures += 1 }
            }
        }
    }

    private func isCurrent(_ generation: Int) -> Bool {
        !Task.isCancelled && state.withLock { $0.generation == generation }
    }

    private func pumpAudio(_ track: AudioStreamTrack, link: Link, generation: Int) async throws {
        // The encoder is built for the first frame: a mono source is encoded as mono unless the peer asked for
        // stereo (RFC 7587 §7.1: without `stereo=1` the receiver prefers mono), which halves Opus's work for
        // the same sound; a stereo source stays stereo.
        var pending: AudioFrame? = try await track.recv()
        guard isCurrent(generation), let firstFrame = pending else { return }
        // Encoding runs on the sender's own worker thread, never on the cooperative pool: a frame is cheap
        // (~0.1 ms released), but tens of senders encoding in pool tasks (50 connections in the scale test, more
        // in a debug build) leave the pool's few threads no time for anything else.
        let encoder = CodecWorker.Bound(
            try MediaCodecs.makeAudioEncoder(mimeType: link.codec.mimeType,
                                             parameters: Self.encoderParameters(link.codec, firstFrame: firstFrame)),
            on: CodecWorker(label: "AsyncRTC.audio-encoder"))
        var first = true
        while isCurrent(generation) {
            let frame: AudioFrame
            if let next = pending {
                frame = next
                pending = nil
            } else {
                frame = try await track.recv()
            }
            guard isCurrent(generation) else { return }
            let (level, encoded) = try await encoder.run { encoder in (Self.audioLevel(frame), try encoder.encode(frame)) }
            guard state.withLock({ $0.parameters.encodings.first?.active ?? true }) else { continue }
            for unit in encoded {
                // RFC 7587: one frame per packet; the marker starts a talkspurt (the first packet here).
                send(payloads: [unit.data], timestamp: unit.timestamp, link: link, marker: { _ in first },
                     audioLevel: level)
                first = false
                state.withLock { $0.counters.framesEncoded += 1 }
            }
        }
    }

    private func pumpVideo(_ track: VideoStreamTrack, link: Link, generation: Int) async throws {
        let encoder = CodecWorker.Bound(try MediaCodecs.makeVideoEncoder(mimeType: link.codec.mimeType),
                                        on: CodecWorker(label: "AsyncRTC.video-encoder"))
        var packetizer = VideoPacketizer(mimeType: link.codec.mimeType)
        var lastEncoded: Double?
        while isCurrent(generation) {
            let frame = try await track.recv()
            guard isCurrent(generation) else { return }
            let (encoding, forceKeyframe, estimate) = state.withLock { state in
                defer { state.keyframeRequested = false }
                return (state.parameters.encodings.first ?? RTCRtpEncodingParameters(), state.keyframeRequested,
                        state.estimatedBitrate)
            }
            guard encoding.active else { continue }
            // maxFramerate: skip frames that come sooner than the rate allows.
            let now = ProcessInfo.processInfo.systemUptime
            if let maxFramerate = encoding.maxFramerate, maxFramerate > 0, let last = lastEncoded,
               now - last < 1 / maxFramerate * 0.95 {
                continue
            }
            lastEncoded = now
            var bitrate = estimate ?? Self.defaultVideoBitrate
            if let cap = encoding.maxBitrate { bitrate = min(bitrate, cap) }
            bitrate = min(max(bitrate, Self.videoBitrateRange.lowerBound), Self.videoBitrateRange.upperBound)
            if let cap = encoding.maxBitrate { bitrate = min(bitrate, cap) }
            let scale = encoding.scaleResolutionDownBy ?? 1
            let target = bitrate
            let (encoded, width, height) = try await encoder.run { encoder in
                if encoder.targetBitrate != target { encoder.targetBitrate = target }
                let input = scale > 1 ? frame.scaledDown(by: scale) : frame
                return (try encoder.encode(input, forceKeyframe: forceKeyframe), input.width, input.height)
            }
            state.withLock { state in
                state.counters.frameWidth = width
                state.counters.frameHeight = height
                state.counters.targetBitrate = bitrate
            }
            for unit in encoded {
                let payloads = packetizer.payloads(for: unit, maxPayloadSize: Self.maxPayloadSize)
                send(payloads: payloads, timestamp: unit.timestamp, link: link, marker: { $0 == payloads.count - 1 },
                     audioLevel: nil)
                state.withLock { state in
                    state.counters.framesEncoded += 1
                    if unit.isKeyframe { state.counters.keyFramesEncoded += 1 }
                }
            }
        }
    }

    /// Frames that are encoded already (EncodedFrameSource): packetized as they are, no codec involved.
    private func pumpEncoded(_ source: any EncodedFrameSource, link: Link, generation: Int) async throws {
        var packetizer = kind == .video ? VideoPacketizer(mimeType: link.codec.mimeType) : nil
        var first = true
        while isCurrent(generation) {
            if state.withLock({ state in defer { state.keyframeRequested = false }; return state.keyframeRequested }) {
                source.requestKeyframe()
            }
            let unit = try await source.recvEncoded()
            guard isCurrent(generation) else { return }
            guard state.withLock({ $0.parameters.encodings.first?.active ?? true }) else { continue }
            if packetizer != nil {
                let payloads = packetizer!.payloads(for: unit, maxPayloadSize: Self.maxPayloadSize)
                send(payloads: payloads, timestamp: unit.timestamp, link: link, marker: { $0 == payloads.count - 1 },
                     audioLevel: nil)
            } else {
                send(payloads: [unit.data], timestamp: unit.timestamp, link: link, marker: { _ in first }, audioLevel: nil)
                first = false
            }
            state.withLock { state in
                state.counters.framesEncoded += 1
                if unit.isKeyframe { state.counters.keyFramesEncoded += 1 }
            }
        }
    }

    /// The fmtp parameters the audio encoder is built with: the negotiated ones, with `stereo=0` added for a mono
    /// source of Opus when the peer did not say `stereo` (the decoder then gets mono, as it prefers by default).
    static func encoderParameters(_ codec: RTCRtpCodecParameters, firstFrame: AudioFrame) -> [String: String] {
        var parameters = codec.parameters
        if codec.mimeType.lowercased() == "audio/opus", firstFrame.layout.channels == 1,
           !parameters.keys.contains(where: { $0.lowercased() == "stereo" }) {
            parameters["stereo"] = "0"
        }
        return parameters
    }

    /// Builds, records and sends one RTP packet per payload.
    private func send(payloads: [[UInt8]], timestamp: UInt32, link: Link, marker: (Int) -> Bool, audioLevel: UInt8?) {
        let now = NIODeadline.now()
        var elements: [RTPHeaderExtension.Element] = []
        if let id = link.midExtensionID, let mid = link.mid {
            elements.append(.init(id: id, data: ByteBuffer(string: mid)))
        }
        if let id = link.absSendTimeExtensionID {
            elements.append(.init(id: id, data: ByteBuffer(bytes: Self.absSendTime())))
        }
        if let id = link.audioLevelExtensionID, let audioLevel {
            elements.append(.init(id: id, data: ByteBuffer(bytes: [audioLevel])))
        }
        let shared = elements
        for (index, payload) in payloads.enumerated() {
            var elements = shared
            if let id = link.transportSequenceExtensionID, let next = link.transportSequence {
                let sequence = next()
                elements.append(.init(id: id, data: ByteBuffer(bytes: [UInt8(sequence >> 8), UInt8(truncatingIfNeeded: sequence)])))
            }
            let headerExtension = elements.isEmpty ? nil : try? RTPHeaderExtension(elements: elements)
            let (sequence, rtpTimestamp) = state.withLock { state in
                defer { state.sequence &+= 1 }
                return (state.sequence, state.timestampOffset &+ timestamp)
            }
            let packet = RTPPacket(marker: marker(index), payloadType: link.codec.payloadType, sequenceNumber: sequence,
                                   timestamp: rtpTimestamp, ssrc: ssrc, headerExtension: headerExtension,
                                   payload: ByteBuffer(bytes: payload))
            var buffer = ByteBuffer()
            buffer.reserveCapacity(packet.encodedLength + 32)
            guard (try? packet.write(to: &buffer)) != nil else { continue }
            let size = buffer.readableBytes
            state.withLock { state in
                state.history.store(Array(buffer.readableBytesView), sequence: sequence, now: now)
                state.statistics.packetSent(timestamp: rtpTimestamp, payloadSize: payload.count, now: now)
                state.counters.packetsSent += 1
                state.counters.bytesSent += payload.count
                state.counters.headerBytesSent += size - payload.count
            }
            link.transport?.sendRTP(buffer)
        }
    }

    /// The 24-bit abs-send-time: seconds in 6.18 fixed point, modulo 64 s.
    static func absSendTime() -> [UInt8] {
        let seconds = Date().timeIntervalSince1970
        let value = UInt32(truncatingIfNeeded: Int64(seconds * 262_144)) & 0xFF_FFFF
        return [UInt8(value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// The audio level of a frame in -dBov, 0 (loudest) to 127 (silence), as RFC 6464 carries it.
    static func audioLevel(_ frame: AudioFrame) -> UInt8 {
        let samples = frame.converted(to: .s16).s16Samples
        guard !samples.isEmpty else { return 127 }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        let rms = (sum / Double(samples.count)).squareRoot() / 32768
        guard rms > 0 else { return 127 }
        return UInt8(min(127, max(0, (-20 * log10(rms)).rounded())))
    }

    // MARK: RTCP from the peer

    /// Resends what a NACK names, as RTX when negotiated (RFC 4588), else as the original packet.
    func handleNACK(_ sequences: [UInt16]) {
        let now = NIODeadline.now()
        let (packets, transport) = state.withLock { state -> ([[UInt8]], PeerTransport?) in
            state.counters.nackCount += 1
            guard let link = state.link else { return ([], nil) }
            let minInterval = TimeAmount.milliseconds(Int64((state.roundTripTime ?? 0.05) * 1000 * 0.8))
            var out: [[UInt8]] = []
            for sequence in sequences {
                let bytes: [UInt8]?
                if let rtxPT = link.rtxPayloadType {
                    bytes = state.history.rtxPacket(for: sequence, rtxSSRC: rtxSSRC, rtxPayloadType: rtxPT, now: now,
                                                    minInterval: minInterval)
                } else {
                    bytes = state.history.retransmission(for: sequence, now: now, minInterval: minInterval)
                }
                if let bytes {
                    out.append(bytes)
                    state.counters.retransmittedPacketsSent += 1
                    state.counters.retransmittedBytesSent += bytes.count
                }
            }
            return (out, link.transport)
        }
        for bytes in packets { transport?.sendRTP(ByteBuffer(bytes: bytes)) }
    }

    /// A PLI or FIR: the next frame is a key frame.
    func handleKeyframeRequest(fir: Bool) {
        state.withLock { state in
            state.keyframeRequested = true
            if fir { state.counters.firCount += 1 } else { state.counters.pliCount += 1 }
        }
    }

    /// REMB: the receiver's estimate of what the path carries.
    func handleEstimatedBitrate(_ bitrate: Int) {
        state.withLock { $0.estimatedBitrate = bitrate }
    }

    /// A report block about our stream: RTT (RFC 3550 §6.4.1) and the peer's view of loss.
    func handleReportBlock(_ block: RTCPReportBlock, arrivalNTP: UInt64) {
        let rtt = RTTCalculator.rtt(reportBlock: block, arrivalNTP: arrivalNTP)
        state.withLock { state in
            state.remoteReport = block
            if let rtt { state.roundTripTime = Double(rtt.nanoseconds) / 1e9 }
        }
    }

    /// The sender report and SDES chunk for the next RTCP compound, nil before anything was sent.
    func makeReport(now: NIODeadline, ntp: UInt64) -> (RTCPSenderReport, cname: String)? {
        state.withLock { state in
            guard state.statistics.hasSent, let link = state.link else { return nil }
            return (state.statistics.makeSenderReport(now: now, ntpTimestamp: ntp), link.cname)
        }
    }
}

/// The payloader of a video codec.
struct VideoPacketizer {
    private var vp8: VP8Payloader?
    private var vp9: VP9Payloader?

    init(mimeType: String) {
        if mimeType.lowercased() == "video/vp9" { vp9 = VP9Payloader() } else { vp8 = VP8Payloader() }
    }

    mutating func payloads(for frame: EncodedFrame, maxPayloadSize: Int) -> [[UInt8]] {
        if vp9 != nil { return vp9!.payloads(for: frame.data, maxPayloadSize: maxPayloadSize) }
        return vp8!.payloads(for: frame.data, maxPayloadSize: maxPayloadSize)
    }
}
