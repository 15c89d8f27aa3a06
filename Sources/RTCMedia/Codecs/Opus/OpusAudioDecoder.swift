/// Opus for RTP behind ``AudioDecoding``: every packet (mono or stereo, any duration up to 120 ms) decodes to
/// s16 stereo at 48 kHz, as aiortc's decoder produces. `concealLoss` runs libopus's packet-loss concealment.
public final class OpusAudioDecoder: AudioDecoding {
    public let decoder: OpusDecoder
    /// The longest packet accepted (RFC 6716 §3.4: at most 1275 bytes per frame, 48 frames; real ones are far
    /// smaller).
    public static let maximumPayload = 1275 * 3

    public init() throws {
        decoder = try OpusDecoder(sampleRate: 48_000, channels: 2)
    }

    public func decode(_ payload: [UInt8]) throws -> AudioFrame {
        guard payload.count <= Self.maximumPayload else {
            throw MediaCodecError(.invalidPayload, "Opus packet of \(payload.count) bytes")
        }
        let pcm = try decoder.decode(packet: payload, frameSize: OpusFrameSize.maxDecodable(sampleRate: 48_000))
        return AudioFrame(s16: pcm, layout: .stereo, sampleRate: 48_000)
    }

    /// Concealment for `samples` lost samples per channel at 48 kHz, rounded to the 2.5 ms steps Opus works in
    /// (between 2.5 and 120 ms).
    public func concealLoss(samples: Int) throws -> AudioFrame? {
        let unit = 120
        let steps = min(max((samples + unit / 2) / unit, 1), 48)
        let pcm = try decoder.decodeLoss(frameSize: steps * unit)
        return AudioFrame(s16: pcm, layout: .stereo, sampleRate: 48_000)
    }

    /// In-band FEC recovery (RFC 6716 §2.1.7): decodes the low-rate copy of a lost frame that the *next* packet
    /// carries when the sender enabled `useinbandfec`; libopus falls back to concealment when it carries none.
    /// - Parameters:
    ///   - nextPayload: the packet that arrived after the gap.
    ///   - samples: the lost frame's length per channel at 48 kHz (960 for 20 ms), a multiple of 2.5 ms.
    public func recoverLoss(from nextPayload: [UInt8], samples: Int) throws -> AudioFrame {
        guard !nextPayload.isEmpty, nextPayload.count <= Self.maximumPayload else {
            throw MediaCodecError(.invalidPayload, "Opus packet of \(nextPayload.count) bytes")
        }
        let pcm = try decoder.decode(packet: nextPayload, frameSize: samples, fec: true)
        return AudioFrame(s16: pcm, layout: .stereo, sampleRate: 48_000)
    }
}
