internal import CRTCOpus

/// An Opus decoder (RFC 6716) producing interleaved 16-bit PCM.
///
/// Owns one libopus `OpusDecoder`, freed in `deinit`. Not `Sendable`: use it from one task or thread at a time.
public final class OpusDecoder {
    public let sampleRate: Int32
    public let channels: Int

    private let decoder: OpaquePointer

    /// - Parameters:
    ///   - sampleRate: the rate to decode at (any Opus stream decodes at any of 8/12/16/24/48 kHz).
    ///   - channels: 1 or 2; a stereo stream downmixes to mono and vice versa.
    public init(sampleRate: Int32 = 48_000, channels: Int) throws(OpusError) {
        guard channels == 1 || channels == 2 else {
            throw OpusError(code: OpusError.invalidArgument, reason: "channels must be 1 or 2, not \(channels)")
        }
        var status: Int32 = 0
        guard let decoder = opus_decoder_create(sampleRate, Int32(channels), &status), status == OPUS_OK else {
            throw OpusError(status: status == OPUS_OK ? Int32(OPUS_ALLOC_FAIL) : status, "opus_decoder_create")
        }
        self.decoder = decoder
        self.sampleRate = sampleRate
        self.channels = channels
    }

    deinit {
        opus_decoder_destroy(decoder)
    }

    /// Decodes one packet.
    ///
    /// - Parameters:
    ///   - packet: one Opus packet (an RTP payload, RFC 7587 §4.2).
    ///   - frameSize: the most samples per channel to produce; must be at least the packet's duration
    ///     (5760 = 120 ms at 48 kHz always suffices). With `fec`, exactly the duration of the lost frame.
    ///   - fec: decode the in-band FEC copy of the *previous* (lost) frame carried by this packet instead of the
    ///     packet itself (RFC 6716 §2.1.7); falls back to concealment when the packet carries none.
    /// - Returns: `samples * channels` interleaved samples.
    public func decode(packet: UnsafeRawBufferPointer, frameSize: Int, fec: Bool = false) throws(OpusError) -> [Int16] {
        guard !packet.isEmpty, let base = packet.baseAddress else {
            throw OpusError(code: OpusError.invalidPacket, reason: "empty packet (use decodeLoss for a missing one)")
        }
        guard packet.count <= Int(Int32.max) else {
            throw OpusError(code: OpusError.invalidPacket, reason: "packet too large")
        }
        return try run(base.assumingMemoryBound(to: UInt8.self), Int32(packet.count), frameSize: frameSize,
                       fec: fec, "opus_decode")
    }

    /// Decodes one packet; see `decode(packet:frameSize:fec:)` for the buffer form.
    public func decode(packet: [UInt8], frameSize: Int, fec: Bool = false) throws(OpusError) -> [Int16] {
        let result: Result<[Int16], OpusError> = packet.withUnsafeBytes { bytes in
            do throws(OpusError) { return .success(try decode(packet: bytes, frameSize: frameSize, fec: fec)) }
            catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Packet loss concealment: synthesises `frameSize` samples per channel to stand in for a lost packet
    /// (libopus is called with a NULL packet). `frameSize` must be a multiple of 2.5 ms.
    public func decodeLoss(frameSize: Int) throws(OpusError) -> [Int16] {
        try run(nil, 0, frameSize: frameSize, fec: false, "opus_decode (concealment)")
    }

    /// Forgets all history, as after a stream restart.
    public func reset() {
        _ = CRTCOpus_resetDecoder(decoder)
    }

    /// Samples per channel of the last packet decoded (or concealed).
    public var lastPacketDuration: Int {
        var samples: Int32 = 0
        _ = CRTCOpus_getLastPacketDuration(decoder, &samples)
        return Int(samples)
    }

    private func run(_ data: UnsafePointer<UInt8>?, _ length: Int32, frameSize: Int, fec: Bool,
                     _ context: String) throws(OpusError) -> [Int16] {
        let unit = Int(sampleRate) / 400
        guard frameSize > 0, frameSize <= OpusFrameSize.maxDecodable(sampleRate: sampleRate),
              data != nil || frameSize % unit == 0 else {
            throw OpusError(code: OpusError.invalidArgument, reason: "\(context): frame size \(frameSize) not allowed")
        }
        var status: Int32 = 0
        let pcm = [Int16](unsafeUninitializedCapacity: frameSize * channels) { buffer, initialized in
            guard let out = buffer.baseAddress else {
                status = Int32(OPUS_ALLOC_FAIL)
                initialized = 0
                return
            }
            status = opus_decode(decoder, data, length, out, Int32(frameSize), fec ? 1 : 0)
            initialized = status > 0 ? Int(status) * channels : 0
        }
        try OpusError.check(status, context)
        return pcm
    }
}
