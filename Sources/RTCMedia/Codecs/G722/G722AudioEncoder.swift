/// G.722 (RFC 3551 §4.5.2) behind ``AudioEncoding``: any input is mixed to mono, resampled to 16 kHz and cut into
/// 20 ms packets of 160 octets. The RTP clock runs at 8000 Hz although the audio is sampled at 16 kHz (an
/// erratum kept for compatibility with RFC 1890), so each packet lasts 160 RTP ticks.
public final class G722AudioEncoder: AudioEncoding {
    public var clockRate: Int { 8000 }
    private var packetizer = AudioPacketizer(sampleRate: 16_000, layout: .mono, clockRate: 8000)
    private var encoder = G722Encoder()

    public init() {}

    public func encode(_ frame: AudioFrame) throws -> [EncodedFrame] {
        packetizer.append(frame).map { block in
            EncodedFrame(data: encoder.encode(block.samples), timestamp: block.timestamp, isKeyframe: true,
                         duration: packetizer.blockDuration)
        }
    }
}

/// G.722 behind ``AudioDecoding``: s16 mono at 16 kHz out, two samples per octet.
///
/// Every octet is a valid code word, so only an empty or oversized payload (more than a second) is rejected.
/// There is no concealment: `concealLoss` returns nil and the caller plays silence.
public final class G722AudioDecoder: AudioDecoding {
    /// The longest payload accepted: one second of audio.
    public static let maximumPayload = 8000
    private var decoder = G722Decoder()

    public init() {}

    public func decode(_ payload: [UInt8]) throws -> AudioFrame {
        guard !payload.isEmpty, payload.count <= Self.maximumPayload else {
            throw MediaCodecError(.invalidPayload, "G.722 payload of \(payload.count) octets")
        }
        return AudioFrame(s16: decoder.decode(payload), layout: .mono, sampleRate: 16_000)
    }

    public func concealLoss(samples: Int) throws -> AudioFrame? {
        nil
    }
}
