import RTCMedia
import RTCWire

/// Decoding: the event loop hands each assembled frame straight to the receiver's worker thread (never decoding on
/// the loop or the cooperative pool), which depayloads and decodes it and pushes the picture or sound into the
/// remote track. Decoders live on that worker and never cross threads.
///
/// Video frames also go to the encoded taps (``RTCRtpReceiver/makeEncodedTrack(capacity:)``). While a tap takes
/// them and nobody has read the decoded track, they are not decoded (an SFU forwards without decoding); once
/// someone reads it, decoding starts at the next key frame, which the receiver asks for.
extension RTCRtpReceiver {
    /// Runs on the worker: decodes one job unless the receiver stopped; a failure is counted and (video) asks for
    /// a key frame on the next tick.
    func decodeOnWorker(_ job: DecodeJob, with decoders: inout Decoders) {
        let stopped = state.withLock { state in
            state.pendingDecodes -= 1
            return state.stopped
        }
        guard !stopped else { return }
        do {
            try decode(job, with: &decoders)
        } catch {
            // A corrupt or undecodable frame: count it; video asks for a key frame on the next tick.
            state.withLock { state in
                state.counters.decodeFailures += 1
                state.keyframeWanted = true
            }
        }
    }

    /// The decoders of one receiver, one per codec, and what PLC needs to know.
    struct Decoders {
        var audio: [String: any AudioDecoding] = [:]
        var video: [String: any VideoDecoding] = [:]
        var lastAudioSamples = 960
        /// Video frames were only forwarded, not decoded: decoding resumes at a key frame.
        var videoNeedsKeyframe = false
        /// Frames waited for that key frame since it was last requested.
        var framesSinceKeyframeRequest = 0
    }

    /// Depayloads and decodes one frame on the worker, then pushes the result into the track.
    private func decode(_ job: DecodeJob, with decoders: inout Decoders) throws {
        let key = job.codec.mimeType.lowercased()
        switch track {
        case let audio as RemoteAudioTrack:
            if decoders.audio[key] == nil {
                decoders.audio[key] = try MediaCodecs.makeAudioDecoder(mimeType: job.codec.mimeType,
                                                                      parameters: job.codec.parameters)
            }
            guard let decoder = decoders.audio[key] else { return }
            if job.frame.isLoss {
                if let concealed = try decoder.concealLoss(samples: decoders.lastAudioSamples) {
                    audio.push(concealed)
                    state.withLock { $0.counters.concealedFrames += 1 }
                }
                return
            }
            guard let payload = job.frame.payloads.first else { return }
            let bytes = Array(payload.readableBytesView)
            forward(EncodedFrame(data: bytes, timestamp: job.frame.timestamp, isKeyframe: true,
                                 duration: UInt32(decoders.lastAudioSamples)), codec: job.codec)
            var frame = try decoder.decode(bytes)
            decoders.lastAudioSamples = frame.samples
            frame.pts = Int64(job.frame.timestamp)
            frame.timeBase = MediaTimeBase(numerator: 1, denominator: job.codec.clockRate)
            audio.push(frame)
            state.withLock { $0.counters.framesDecoded += 1 }
        case let video as RemoteVideoTrack:
            guard job.frame.isComplete else {
                state.withLock { $0.counters.framesDropped += 1 }
                return
            }
            let isVP9 = key == "video/vp9"
            let data = try isVP9 ? VP9Depayloader.frame(from: job.frame.payloads)
                                 : VP8Depayloader.frame(from: job.frame.payloads)
            let keyframe = job.frame.payloads.first.map {
                isVP9 ? VP9Depayloader.isKeyframe(payload: $0) : VP8Depayloader.isKeyframe(payload: $0)
            } ?? false
            let forwarded = forward(EncodedFrame(data: data, timestamp: job.frame.timestamp, isKeyframe: keyframe,
                                                 duration: 0), codec: job.codec)
            // Forwarding only (an SFU): nobody reads the decoded frames, so decoding them would be wasted work.
            if forwarded && !video.hasBeenRead {
                decoders.videoNeedsKeyframe = true
                decoders.framesSinceKeyframeRequest = 0
                return
            }
            if decoders.videoNeedsKeyframe {
                // The decoder missed the frames that were only forwarded: it can start again at a key frame.
                guard keyframe else {
                    if decoders.framesSinceKeyframeRequest % 30 == 0 { state.withLock { $0.keyframeWanted = true } }
                    decoders.framesSinceKeyframeRequest += 1
                    return
                }
                decoders.videoNeedsKeyframe = false
            }
            if decoders.video[key] == nil { decoders.video[key] = try MediaCodecs.makeVideoDecoder(mimeType: job.codec.mimeType) }
            guard let decoder = decoders.video[key] else { return }
            for var frame in try decoder.decode(data) {
                frame.pts = Int64(job.frame.timestamp)
                frame.timeBase = MediaTimeBase(numerator: 1, denominator: job.codec.clockRate)
                state.withLock { state in
                    state.counters.framesDecoded += 1
                    if keyframe { state.counters.keyFramesDecoded += 1 }
                    state.counters.frameWidth = frame.width
                    state.counters.frameHeight = frame.height
                }
                video.push(frame)
            }
        default:
            return
        }
    }

    /// Hands an encoded frame to every tap of the same codec; tells whether there was one.
    @discardableResult
    private func forward(_ frame: EncodedFrame, codec: RTCRtpCodecParameters) -> Bool {
        let taps = state.withLock { $0.encodedTaps }
        var forwarded = false
        for tap in taps where tap.readyState == .live {
            if tap.codecMimeType.isEmpty { tap.codecMimeType = codec.mimeType }
            if tap.codecMimeType.lowercased() == codec.mimeType.lowercased() {
                tap.push(frame)
                forwarded = true
            }
        }
        return forwarded
    }
}
