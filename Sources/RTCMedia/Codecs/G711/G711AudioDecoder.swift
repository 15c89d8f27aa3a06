/// PCMU or PCMA behind ``AudioDecoding``: one octet per sample, s16 mono at 8 kHz out.
///
/// Every octet is a valid code word, so only an empty or oversized payload (more than a second) is rejected.
/// There is no concealment: `concealLoss` returns nil and the caller plays silence.
public final class G711AudioDecoder: AudioDecoding {
    public let law: G711.Law
    /// The longest payload accepted: one second of audio.
    public static let maximumPayload = 8000

    public init(law: G711.Law) {
        self.law = law
    }

    public func decode(_ payload: [UInt8]) throws -> AudioFrame {
        guard !payload.isEmpty, payload.count <= Self.maximumPayload else {
            throw MediaCodecError(.invalidPayload, "G.711 payload of \(payload.count) octets")
        }
        return AudioFrame(s16: G711.decode(payload, law: law), layout: .mono, sampleRate: 8000)
    }

    public func concealLoss(samples: Int) throws -> AudioFrame? {
        nil
    }
}
