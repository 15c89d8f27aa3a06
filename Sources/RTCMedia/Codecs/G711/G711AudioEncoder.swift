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
        try packetizer.append(frame).map { block in
            EncodedFrame(data: G711.encode(block.samples, law: law), timestamp: block.timestamp, isKeyframe: true,
                         duration: UInt32(block.samples.count))
        }
    }
}
