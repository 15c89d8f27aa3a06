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
