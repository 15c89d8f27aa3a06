import Foundation
import NIOCore
import RTCMedia
import RTCTransport
import RTCWire

/// The sender's pump: track → encoder → payloader → RTP with header extensions → history → SRTP → ICE.
///
/// The pump is one task per sender, off the event loop: it only awaits the track's frames and hands each to the
/// sender's codec worker thread without waiting (``EncodeLane``). The worker encodes, packetizes and builds the
/// frame's RTP packets under one take of the sender's lock, and the transport protects them and sends them in one
/// event-loop hop. A frame so costs three thread wake-ups (the pump's task, the worker, the loop) instead of five
/// (the task resumed after the encode, and one loop hop per packet). Codecs never run on the cooperative pool.
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

    private func isCurrent(_ generation: Int, checkingTask: Bool = true) -> Bool {
        !(checkingTask && Task.isCancelled) && state.withLock { $0.generation == generation && !$0.stopped }
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
        let pipeline = CodecWorker.Bound(
            AudioPipeline(encoder: try MediaCodecs.makeAudioEncoder(
                mimeType: link.codec.mimeType, parameters: Self.encoderParameters(link.codec, firstFrame: firstFrame))),
            on: CodecWorker(label: "AsyncRTC.audio-encoder"))
        let lane = EncodeLane(limit: 4)
        do {
            while isCurrent(generation) {
                let frame: AudioFrame
                if let next = pending {
                    frame = next
                    pending = nil
                } else {
                    frame = try await track.recv()
                }
                guard isCurrent(generation) else { break }
                try await lane.submit(to: pipeline) { [self] pipeline in
                    guard isCurrent(generation, checkingTask: false) else { return }
                    let level = Self.audioLevel(frame)
                    if let opus = pipeline.encoder as? OpusAudioEncoder, opus.options.inbandFEC {
                        let lost = state.withLock { $0.remoteReport?.fractionLost }
                        let percent = Self.opusPacketLossPercent(fractionLost: lost)
                        if opus.encoder.packetLossPercent != percent { try opus.encoder.setPacketLossPercent(percent) }
                    }
                    let encoded = try pipeline.encoder.encode(frame)
                    guard state.withLock({ $0.parameters.encodings.first?.active ?? true }) else { return }
                    for unit in encoded {
                        // RFC 7587: one frame per packet; the marker starts a talkspurt (the first packet here).
                        let first = pipeline.first
                        send(payloads: [unit.data], timestamp: unit.timestamp, link: link, generation: generation,
                             marker: { _ in first }, audioLevel: level, isKeyframe: false)
                        pipeline.first = false
                    }
                }
            }
        } catch {
            await lane.drain(pipeline.worker)
            throw error
        }
        await lane.drain(pipeline.worker)
    }

    private func pumpVideo(_ track: VideoStreamTrack, link: Link, generation: Int) async throws {
        let pipeline = CodecWorker.Bound(
            VideoPipeline(encoder: try MediaCodecs.makeVideoEncoder(mimeType: link.codec.mimeType),
                          packetizer: VideoPacketizer(mimeType: link.codec.mimeType)),
            on: CodecWorker(label: "AsyncRTC.video-encoder"))
        // Two frames in flight at most: an encoder slower than the source makes the pump wait (as when it awaited
        // each encode), never a queue that grows.
        let lane = EncodeLane(limit: 2)
        var lastEncoded: Double?
        do {
            while isCurrent(generation) {
                let frame = try await track.recv()
                guard isCurrent(generation) else { break }
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
                try await lane.submit(to: pipeline) { [self] pipeline in
                    guard isCurrent(generation, checkingTask: false) else { return }
                    if pipeline.encoder.targetBitrate != target { pipeline.encoder.targetBitrate = target }
                    let input = scale > 1 ? frame.scaledDown(by: scale) : frame
                    let encoded = try pipeline.encoder.encode(input, forceKeyframe: forceKeyframe)
                    state.withLock { state in
                        state.counters.frameWidth = input.width
                        state.counters.frameHeight = input.height
                        state.counters.targetBitrate = target
                    }
                    for unit in encoded {
                        let payloads = pipeline.packetizer.payloads(for: unit, maxPayloadSize: Self.maxPayloadSize)
                        send(payloads: payloads, timestamp: unit.timestamp, link: link, generation: generation,
                             marker: { $0 == payloads.count - 1 }, audioLevel: nil, isKeyframe: unit.isKeyframe)
                    }
                }
            }
        } catch {
            await lane.drain(pipeline.worker)
            throw error
        }
        await lane.drain(pipeline.worker)
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
                send(payloads: payloads, timestamp: unit.timestamp, link: link, generation: generation,
                     marker: { $0 == payloads.count - 1 }, audioLevel: nil, isKeyframe: unit.isKeyframe)
            } else {
                let isFirst = first
                send(payloads: [unit.data], timestamp: unit.timestamp, link: link, generation: generation,
                     marker: { _ in isFirst }, audioLevel: nil, isKeyframe: unit.isKeyframe)
                first = false
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

    /// Builds, records and sends one RTP packet per payload: the packets of one frame, built under one take of the
    /// sender's lock and handed to the transport together (one event-loop hop). Counts the frame as encoded. Sends
    /// nothing once `generation` is stale (the sender stopped or restarted its pump).
    private func send(payloads: [[UInt8]], timestamp: UInt32, link: Link, generation: Int, marker: (Int) -> Bool,
                      audioLevel: UInt8?, isKeyframe: Bool) {
        let now = NIODeadline.now()
        var elements: [RTPHeaderExtension.Element] = []
        if let id = link.midExtensionID, let mid = link.mid {
            elements.append(.init(id: id, data: ByteBuffer(string: mid)))
        }
        if let id = link.absSendTimeExtensionID {
            elements.append(.init(id: id, data: Self.absSendTime()))
        }
        if let id = link.audioLevelExtensionID, let audioLevel {
            elements.append(.init(id: id, data: ByteBuffer(integer: audioLevel)))
        }
        // The transport-wide sequence numbers come from the connection's counter, taken before the sender's lock.
        let transportSequences = link.transportSequenceExtensionID != nil
            ? link.transportSequence.map { next in payloads.map { _ in next() } } : nil
        let shared = elements.isEmpty ? nil : try? RTPHeaderExtension(elements: elements)
        let packets: [ByteBuffer] = state.withLock { state in
            guard state.generation == generation, !state.stopped else { return [] }
            var packets: [ByteBuffer] = []
            packets.reserveCapacity(payloads.count)
            for (index, payload) in payloads.enumerated() {
                var headerExtension = shared
                if let id = link.transportSequenceExtensionID, let sequences = transportSequences {
                    var perPacket = elements
                    let sequence = sequences[index]
                    perPacket.append(.init(id: id, data: ByteBuffer(integer: sequence)))
                    headerExtension = try? RTPHeaderExtension(elements: perPacket)
                }
                let sequence = state.sequence
                let rtpTimestamp = state.timestampOffset &+ timestamp
                let packet = RTPPacket(marker: marker(index), payloadType: link.codec.payloadType,
                                       sequenceNumber: sequence, timestamp: rtpTimestamp, ssrc: ssrc,
                                       headerExtension: headerExtension, payload: ByteBuffer(bytes: payload))
                // Room for the SRTP tag too (at most 16 bytes): protecting in place then never reallocates.
                var buffer = ByteBuffer()
                buffer.reserveCapacity(packet.encodedLength + 32)
                guard (try? packet.write(to: &buffer)) != nil else { continue }
                state.sequence &+= 1
                let size = buffer.readableBytes
                state.history.store(Array(buffer.readableBytesView), sequence: sequence, now: now)
                state.statistics.packetSent(timestamp: rtpTimestamp, payloadSize: payload.count, now: now)
                state.counters.packetsSent += 1
                state.counters.bytesSent += payload.count
                state.counters.headerBytesSent += size - payload.count
                packets.append(buffer)
            }
            state.counters.framesEncoded += 1
            if isKeyframe { state.counters.keyFramesEncoded += 1 }
            return packets
        }
        link.transport?.sendRTP(consume packets)
    }

    /// The loss Opus's in-band FEC is tuned for, from the peer's last report on our stream (RFC 3550 §6.4.1
    /// fraction lost, in 256ths): 0 until a report says otherwise, then the largest of libwebrtc's steps 1, 5, 10,
    /// 20 % at or below the measured loss. FEC is negotiated (`useinbandfec=1`) but only costs while there is
    /// loss: with 10 % assumed, libopus codes every 20 ms frame with SILK and LBRR redundancy, ~3× the CPU
    /// (≈ 420 vs 135 µs per mono frame here), for a clean path.
    static func opusPacketLossPercent(fractionLost: UInt8?) -> Int {
        let percent = Double(fractionLost ?? 0) * 100 / 256
        return [20, 10, 5, 1].first { percent >= Double($0) } ?? 0
    }

    /// The 24-bit abs-send-time: seconds in 6.18 fixed point, modulo 64 s.
    static func absSendTime() -> ByteBuffer {
        let seconds = Date().timeIntervalSince1970
        let value = UInt32(truncatingIfNeeded: Int64(seconds * 262_144)) & 0xFF_FFFF
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(value >> 16))
        buffer.writeInteger(UInt16(truncatingIfNeeded: value))
        return buffer
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
        transport?.sendRTP(packets.map { ByteBuffer(bytes: $0) })
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

/// What the audio pump keeps on its worker: the encoder and whether the next packet starts the talkspurt.
struct AudioPipeline {
    var encoder: any AudioEncoding
    var first = true
}

/// What the video pump keeps on its worker: the encoder and the payloader (its picture ids continue across frames).
struct VideoPipeline {
    var encoder: any VideoEncoding
    var packetizer: VideoPacketizer
}

/// The pump's side of a codec worker: frames handed over without waiting for them, at most `limit` in flight (the
/// pump waits for the worker beyond that, so a slow encoder slows the pump down instead of growing a queue), and
/// the first error a job threw, which ends the pump at its next frame as an awaited encode used to.
final class EncodeLane: Sendable {
    private struct State {
        var pending = 0
        var error: (any Error)?
    }

    private let state = Locked(State())
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Hands `job` to the worker of `bound`; throws the error an earlier job threw.
    func submit<Value>(to bound: CodecWorker.Bound<Value>,
                       _ job: @escaping @Sendable (inout Value) throws -> Void) async throws {
        try Task.checkCancellation()
        if state.withLock({ $0.pending >= limit }) { await drain(bound.worker) }
        let failure = state.withLock { state -> (any Error)? in
            if state.error == nil { state.pending += 1 }
            return state.error
        }
        if let failure { throw failure }
        bound.submit { [self] value in
            do {
                try job(&value)
                state.withLock { $0.pending -= 1 }
            } catch {
                state.withLock { state in
                    state.pending -= 1
                    if state.error == nil { state.error = error }
                }
            }
        }
    }

    /// Returns once every job submitted so far has run (the worker runs jobs in order).
    func drain(_ worker: CodecWorker) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            worker.submit { continuation.resume() }
        }
    }
}
