internal import CRTCOpus

/// An Opus encoder (RFC 6716) for interleaved 16-bit PCM, as WebRTC uses it (RFC 7587): 48 kHz, mono or stereo.
///
/// Owns one libopus `OpusEncoder`, freed in `deinit`. Not `Sendable`: use it from one task or thread at a time
/// (hand it over with `sending` to move it to an encoding pool).
public final class OpusEncoder {
    public let sampleRate: Int32
    public let channels: Int
    public let application: OpusApplication
    /// The target bitrate in bits per second, as last set (libopus picks one itself until then).
    public private(set) var bitrate: Int
    public private(set) var inbandFEC: Bool = false
    public private(set) var dtx: Bool = false
    public private(set) var packetLossPercent: Int = 0

    private let encoder: OpaquePointer

    /// The largest packet this wrapper asks libopus for; 1275 bytes per frame is the format's ceiling for 20 ms,
    /// and 4000 is libopus's own recommendation for any frame size.
    static let maxPacketSize = 4000

    /// - Parameters:
    ///   - sampleRate: 8000, 12000, 16000, 24000 or 48000 (WebRTC always signals 48000).
    ///   - channels: 1 or 2.
    ///   - application: what the encoder is tuned for; speech (`.voip`) by default.
    ///   - bitrate: bits per second, or nil for libopus's automatic choice.
    public init(sampleRate: Int32 = 48_000, channels: Int, application: OpusApplication = .voip,
                bitrate: Int? = nil) throws(OpusError) {
        guard channels == 1 || channels == 2 else {
            throw OpusError(code: OpusError.invalidArgument, reason: "channels must be 1 or 2, not \(channels)")
        }
        let app: Int32 = switch application {
        case .voip: Int32(CRTCOpus_applicationVOIP)
        case .audio: Int32(CRTCOpus_applicationAudio)
        case .restrictedLowDelay: Int32(CRTCOpus_applicationRestrictedLowDelay)
        }
        var status: Int32 = 0
        guard let encoder = opus_encoder_create(sampleRate, Int32(channels), app, &status), status == OPUS_OK else {
            throw OpusError(status: status == OPUS_OK ? Int32(OPUS_ALLOC_FAIL) : status, "opus_encoder_create")
        }
        self.encoder = encoder
        self.sampleRate = sampleRate
        self.channels = channels
        self.application = application
        self.bitrate = 0
        if let bitrate {
            try setBitrate(bitrate)
        } else {
            var current: Int32 = 0
            _ = CRTCOpus_getBitrate(encoder, &current)
            self.bitrate = Int(current)
        }
    }

    deinit {
        opus_encoder_destroy(encoder)
    }

    /// Changes the target bitrate between packets (500 … 512000 bit/s); takes effect with the next `encode`.
    public func setBitrate(_ bitsPerSecond: Int) throws(OpusError) {
        guard (500...512_000).contains(bitsPerSecond) else {
            throw OpusError(code: OpusError.invalidArgument, reason: "bitrate \(bitsPerSecond) outside 500…512000")
        }
        try OpusError.check(CRTCOpus_setBitrate(encoder, Int32(bitsPerSecond)), "OPUS_SET_BITRATE")
        bitrate = bitsPerSecond
    }

    /// In-band forward error correction (RFC 6716 §2.1.7): each packet carries a low-rate copy of the previous
    /// frame, which a decoder recovers with `OpusDecoder.decode(packet:frameSize:fec: true)`. Only effective
    /// with a nonzero `setPacketLossPercent` and a SILK or hybrid mode.
    public func setInbandFEC(_ enabled: Bool) throws(OpusError) {
        try OpusError.check(CRTCOpus_setInbandFEC(encoder, enabled ? 1 : 0), "OPUS_SET_INBAND_FEC")
        inbandFEC = enabled
    }

    /// The expected packet loss (0 … 100 %), which trades bitrate for robustness.
    public func setPacketLossPercent(_ percent: Int) throws(OpusError) {
        guard (0...100).contains(percent) else {
            throw OpusError(code: OpusError.invalidArgument, reason: "packet loss \(percent)% outside 0…100")
        }
        try OpusError.check(CRTCOpus_setPacketLossPercent(encoder, Int32(percent)), "OPUS_SET_PACKET_LOSS_PERC")
        packetLossPercent = percent
    }

    /// Discontinuous transmission (RFC 7587 §3.1.3): during silence, emits tiny packets (1–2 bytes) that mean
    /// "nothing new" and that the sender may skip.
    public func setDTX(_ enabled: Bool) throws(OpusError) {
        try OpusError.check(CRTCOpus_setDTX(encoder, enabled ? 1 : 0), "OPUS_SET_DTX")
        dtx = enabled
    }

    /// Computational complexity 0 … 10 (libopus defaults to 10).
    public func setComplexity(_ complexity: Int) throws(OpusError) {
        guard (0...10).contains(complexity) else {
            throw OpusError(code: OpusError.invalidArgument, reason: "complexity \(complexity) outside 0…10")
        }
        try OpusError.check(CRTCOpus_setComplexity(encoder, Int32(complexity)), "OPUS_SET_COMPLEXITY")
    }

    /// Samples per channel the encoder delays its output by (for aligning decoded with original audio).
    public var lookahead: Int {
        var samples: Int32 = 0
        _ = CRTCOpus_getLookahead(encoder, &samples)
        return Int(samples)
    }

    /// Forgets all history, as if freshly created (settings are kept).
    public func reset() {
        _ = CRTCOpus_resetEncoder(encoder)
    }

    /// Encodes one frame of interleaved PCM.
    ///
    /// - Parameters:
    ///   - pcm: at least `frameSize * channels` samples, interleaved (L R L R …); extra samples are ignored.
    ///   - frameSize: samples per channel: 2.5, 5, 10, 20, 40 or 60 ms worth (960 = 20 ms at 48 kHz).
    /// - Returns: one Opus packet (RFC 6716 §3), the RTP payload of RFC 7587.
    public func encode(pcm: UnsafeBufferPointer<Int16>, frameSize: Int) throws(OpusError) -> [UInt8] {
        guard OpusFrameSize.isValid(frameSize, sampleRate: sampleRate) else {
            throw OpusError(code: OpusError.invalidArgument,
                            reason: "frame size \(frameSize) is not 2.5/5/10/20/40/60 ms at \(sampleRate) Hz")
        }
        guard let base = pcm.baseAddress, pcm.count >= frameSize * channels else {
            throw OpusError(code: OpusError.invalidArgument,
                            reason: "need \(frameSize * channels) samples, got \(pcm.count)")
        }
        var status: Int32 = 0
        let packet = [UInt8](unsafeUninitializedCapacity: Self.maxPacketSize) { buffer, initialized in
            guard let out = buffer.baseAddress else {
                status = Int32(OPUS_ALLOC_FAIL)
                initialized = 0
                return
            }
            status = opus_encode(encoder, base, Int32(frameSize), out, Int32(buffer.count))
            initialized = status > 0 ? Int(status) : 0
        }
        try OpusError.check(status, "opus_encode")
        return packet
    }

    /// Encodes one frame of interleaved PCM; see `encode(pcm:frameSize:)` for the buffer form.
    public func encode(pcm: [Int16], frameSize: Int) throws(OpusError) -> [UInt8] {
        // withUnsafeBufferPointer is rethrows-untyped; carry the typed error out by hand.
        let result: Result<[UInt8], OpusError> = pcm.withUnsafeBufferPointer { buffer in
            do throws(OpusError) { return .success(try encode(pcm: buffer, frameSize: frameSize)) }
            catch { return .failure(error) }
        }
        return try result.get()
    }
}
