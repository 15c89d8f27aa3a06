/// Opus for RTP (RFC 7587) behind ``AudioEncoding``: any input is converted to 48 kHz s16, mono or stereo as
/// configured, and cut into 20 ms packets; timestamps count 48 kHz samples.
public final class OpusAudioEncoder: AudioEncoding {
    /// The settings an SDP `a=fmtp` line for Opus carries (RFC 7587 §6.1), as the sender applies them.
    public struct Options: Sendable, Hashable {
        /// Encode two channels (`stereo=1`); otherwise the input is mixed to mono.
        public var stereo: Bool
        /// In-band FEC (`useinbandfec=1`); the encoder then also assumes `expectedPacketLoss` percent of loss.
        public var inbandFEC: Bool
        /// Discontinuous transmission (`usedtx=1`).
        public var dtx: Bool
        /// Average bitrate in bits per second (`maxaveragebitrate`), nil for libopus's choice.
        public var bitrate: Int?
        /// The loss percentage FEC is tuned for.
        public var expectedPacketLoss: Int

        public init(stereo: Bool = true, inbandFEC: Bool = false, dtx: Bool = false, bitrate: Int? = nil,
                    expectedPacketLoss: Int = 10) {
            self.stereo = stereo
            self.inbandFEC = inbandFEC
            self.dtx = dtx
            self.bitrate = bitrate
            self.expectedPacketLoss = expectedPacketLoss
        }

        /// Reads `stereo`, `useinbandfec`, `usedtx` and `maxaveragebitrate` from fmtp parameters. Absent
        /// `stereo` means stereo, as aiortc sends (receivers decode either).
        public init(fmtp parameters: [String: String]) {
            func flag(_ name: String) -> Bool? {
                parameters.first { $0.key.lowercased() == name }.map { trimmed($0.value) == "1" }
            }
            self.init(stereo: flag("stereo") ?? true, inbandFEC: flag("useinbandfec") ?? false,
                      dtx: flag("usedtx") ?? false)
            if let text = parameters.first(where: { $0.key.lowercased() == "maxaveragebitrate" })?.value,
               let value = Int(trimmed(text)) {
                bitrate = min(max(value, 6000), 510_000)
            }
        }
    }

    public var clockRate: Int { 48_000 }
    public let options: Options
    /// The underlying encoder, for settings beyond the fmtp ones (complexity, bitrate at run time).
    public let encoder: OpusEncoder
    private var packetizer: AudioPacketizer

    public init(options: Options = Options()) throws {
        self.options = options
        let channels = options.stereo ? 2 : 1
        encoder = try OpusEncoder(sampleRate: 48_000, channels: channels,
                                  application: options.stereo ? .audio : .voip, bitrate: options.bitrate)
        if options.inbandFEC {
            try encoder.setInbandFEC(true)
            try encoder.setPacketLossPercent(min(max(options.expectedPacketLoss, 0), 100))
        }
        if options.dtx { try encoder.setDTX(true) }
        packetizer = AudioPacketizer(sampleRate: 48_000, layout: options.stereo ? .stereo : .mono, clockRate: 48_000)
    }

    public func encode(_ frame: AudioFrame) throws -> [EncodedFrame] {
        try packetizer.append(frame).map { block in
            EncodedFrame(data: try encoder.encode(pcm: block.samples, frameSize: packetizer.blockSamples),
                         timestamp: block.timestamp, isKeyframe: true, duration: packetizer.blockDuration)
        }
    }
}

/// `text` without leading and trailing spaces and tabs (fmtp values are sometimes padded).
private func trimmed(_ text: String) -> String {
    var slice = Substring(text)
    while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
    while slice.last == " " || slice.last == "\t" { slice.removeLast() }
    return String(slice)
}
