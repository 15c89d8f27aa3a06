/// G.722 (RFC 3551 §4.5.2) behind ``AudioEncoding``: any input is mixed to mono, resampled to 16 kHz and cut into
/// 20 ms packets of 160 octets. The RTP clock runs at 8000 Hz although the audio is sampled at 16 kHz (an
/// erratum kept for compatibility with RFC 1890), so each packet lasts 160 RTP ticks.
public final class G722AudioEncoder: AudioEncoding {
    public var clockRate: Int { 8000 }
    private var packetizer = AudioPacketizer(sampleRate: 16_000, layout: .mono, clockRate: 8000)
    private var encoder = G722Encoder()

    public init() {}

    public func encode(_ frame: AudioFrame) throws -> [EncodedFrame] {
        try packetizer.append(frame).map { block in
            EncodedFrame(data: encoder.encode(block.samples), timestamp: block.timestamp, isKeyframe: true,
                         duration: packetizer.blockDuration)
        }
    }
}
