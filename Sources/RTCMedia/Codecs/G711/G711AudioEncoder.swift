/// PCMU or PCMA (RFC 3551 §4.5.14) behind ``AudioEncoding``: any input is mixed to mono, resampled to 8 kHz and
/// cut into 20 ms packets of 160 octets.
public final class G711AudioEncoder: AudioEncoding {
    public let law: G711.Law
    public var clockRate: Int { 8000 }
    private var packetizer = AudioPacketizer(sampleRate: 8000, layout: .mono, clockRate: 8000)

    public init(law: G711.Law) {
        self.law = law
    }

    public func encode(_ frame: AudioFrame) throws -> [EncodedFrame] {
        packetizer.append(frame).map { block in
            EncodedFrame(data: G711.encode(block.samples, law: law), timestamp: block.timestamp, isKeyframe: true,
                         duration: UInt32(block.samples.count))
        }
    }
}

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
