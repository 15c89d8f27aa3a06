import AsyncRTC

/// Where a ``MediaRecorder`` puts one track's media: takes decoded frames (encoding them if the container holds
/// a codec) or encoded ones (written as they are when the codec matches, decoded otherwise). Writers are created
/// on the first frame, whose format and size they take. Used from the recording task only.
protocol RecordingSink: AnyObject {
    func write(audio frame: AudioFrame) throws
    func write(video frame: VideoFrame) throws
    func write(encoded frame: EncodedFrame, mimeType: String) throws
    func close() throws
    var framesWritten: Int { get }
}

extension RecordingSink {
    func write(audio frame: AudioFrame) throws {}
    func write(video frame: VideoFrame) throws {}
}

/// Decodes encoded frames for sinks that cannot store them as they are.
final class FallbackDecoder {
    private var audio: (any AudioDecoding)?
    private var video: (any VideoDecoding)?
    private var mimeType = ""

    func decode(_ frame: EncodedFrame, mimeType: String, into sink: any RecordingSink) throws {
        if mimeType.lowercased().hasPrefix("audio/") {
            if audio == nil || self.mimeType != mimeType { audio = try MediaCodecs.makeAudioDecoder(mimeType: mimeType) }
            self.mimeType = mimeType
            if var decoded = try audio?.decode(frame.data) {
                decoded.pts = Int64(frame.timestamp)
                try sink.write(audio: decoded)
            }
        } else {
            if video == nil || self.mimeType != mimeType { video = try MediaCodecs.makeVideoDecoder(mimeType: mimeType) }
            self.mimeType = mimeType
            for var picture in (try? video?.decode(frame.data)) ?? [] {
                picture.pts = Int64(frame.timestamp)
                picture.timeBase = VIDEO_TIME_BASE
                try sink.write(video: picture)
            }
        }
    }
}

final class WAVRecordingSink: RecordingSink {
    private let path: String
    private var writer: WAVWriter?
    private let fallback = FallbackDecoder()
    private(set) var framesWritten = 0

    init(path: String) { self.path = path }

    func write(audio frame: AudioFrame) throws {
        if writer == nil { writer = try WAVWriter(path: path) }
        try writer?.write(frame)
        framesWritten += 1
    }

    func write(encoded frame: EncodedFrame, mimeType: String) throws {
        try fallback.decode(frame, mimeType: mimeType, into: self)
    }

    func close() throws {
        if writer == nil { writer = try WAVWriter(path: path) }
        try writer?.close()
    }
}

/// Ogg Opus: decoded audio is encoded with libopus (stereo when the first frame is, 20 ms packets, the encoder's
/// lookahead as pre-skip); Opus frames from an encoded track are stored as they are.
final class OggRecordingSink: RecordingSink {
    private let path: String
    private var writer: OggOpusWriter?
    private var encoder: OpusAudioEncoder?
    private let fallback = FallbackDecoder()
    var framesWritten: Int { writer?.packetsWritten ?? 0 }

    init(path: String) { self.path = path }

    func write(audio frame: AudioFrame) throws {
        if encoder == nil {
            let encoder = try OpusAudioEncoder(options: .init(stereo: frame.channels == 2))
            self.encoder = encoder
            writer = try OggOpusWriter(path: path, head: OpusHead(channels: frame.channels == 2 ? 2 : 1,
                                                                  preSkip: UInt16(clamping: encoder.encoder.lookahead),
                                                                  inputSampleRate: UInt32(frame.sampleRate)))
        }
        for packet in try encoder?.encode(frame) ?? [] {
            try writer?.write(packet: packet.data, samples: Int(packet.duration))
        }
    }

    func write(encoded frame: EncodedFrame, mimeType: String) throws {
        guard mimeType.lowercased() == "audio/opus", encoder == nil else {
            try fallback.decode(frame, mimeType: mimeType, into: self)
            return
        }
        if writer == nil {
            // RTP Opus is always signalled as 2 channels; decoders output what they are asked for.
            writer = try OggOpusWriter(path: path, head: OpusHead(channels: 2, preSkip: 0))
        }
        guard OpusPacket.samples(frame.data) != nil else { return }
        try writer?.write(packet: frame.data)
    }

    func close() throws {
        if writer == nil { writer = try OggOpusWriter(path: path, head: OpusHead(channels: 2)) }
        try writer?.close()
    }
}

/// IVF: decoded pictures are encoded with libvpx VP8; VP8/VP9 frames from an encoded track are stored as they
/// are. Timestamps are the frames' 90 kHz ones relative to the first, with time base 1/90000.
final class IVFRecordingSink: RecordingSink {
    private let path: String
    private var writer: IVFWriter?
    private var encoder: VPXVideoEncoder?
    private var firstTimestamp: UInt32?
    private var lastTimestamp: UInt32 = 0
    private var elapsed: Int64 = 0
    private let fallback = FallbackDecoder()
    var framesWritten: Int { writer?.framesWritten ?? 0 }

    /// The bitrate decoded pictures are encoded at.
    static let bitrate = 1_500_000

    init(path: String) { self.path = path }

    func write(video frame: VideoFrame) throws {
        if encoder == nil { encoder = VPXVideoEncoder(codec: .vp8, bitrate: Self.bitrate) }
        guard let encoder else { return }
        for unit in try encoder.encode(frame, forceKeyframe: false) {
            try store(unit, fourCC: "VP80", width: frame.width, height: frame.height)
        }
    }

    func write(encoded frame: EncodedFrame, mimeType: String) throws {
        let fourCC: String
        switch mimeType.lowercased() {
        case "video/vp8": fourCC = "VP80"
        case "video/vp9": fourCC = "VP90"
        default:
            try fallback.decode(frame, mimeType: mimeType, into: self)
            return
        }
        guard encoder == nil else {
            // Already encoding decoded pictures from this stream: keep one codec per file.
            try fallback.decode(frame, mimeType: mimeType, into: self)
            return
        }
        // A decoder needs a key frame to start: drop what comes before the first one.
        if writer == nil && !frame.isKeyframe { return }
        let size = fourCC == "VP80" ? Self.vp8Size(frame.data) : Self.vp9Size(frame.data)
        try store(frame, fourCC: fourCC, width: size?.0 ?? 0, height: size?.1 ?? 0)
    }

    private func store(_ unit: EncodedFrame, fourCC: String, width: Int, height: Int) throws {
        if writer == nil {
            writer = try IVFWriter(path: path, header: IVFHeader(fourCC: fourCC, width: width, height: height,
                                                                 timeBase: VIDEO_TIME_BASE))
            firstTimestamp = unit.timestamp
            lastTimestamp = unit.timestamp
        }
        // 32-bit RTP timestamps wrap: accumulate signed differences.
        let delta = Int64(Int32(bitPattern: unit.timestamp &- lastTimestamp))
        if delta > 0 { elapsed += delta }
        lastTimestamp = unit.timestamp
        try writer?.write(frame: unit.data, pts: elapsed)
    }

    /// The size in a VP8 key frame's header (RFC 6386 §9.1): start code 9d 01 2a at bytes 3…5, then 14-bit width
    /// and height.
    static func vp8Size(_ data: [UInt8]) -> (Int, Int)? {
        guard data.count >= 10, data[0] & 1 == 0, data[3] == 0x9D, data[4] == 0x01, data[5] == 0x2A else { return nil }
        return (Int(LittleEndian.u16(data, 6) & 0x3FFF), Int(LittleEndian.u16(data, 8) & 0x3FFF))
    }

    /// The size in a VP9 key frame's uncompressed header (VP9 bitstream specification §6.2): frame marker,
    /// profile, show_existing_frame, frame_type, show_frame, error_resilient_mode, the sync code 49 83 42, the
    /// colour config (bit depth from profile 2, colour space, range, subsampling in profiles 1 and 3), then
    /// frame_width_minus_1 and frame_height_minus_1 (16 bits each). Nil for anything else.
    static func vp9Size(_ data: [UInt8]) -> (Int, Int)? {
        var bit = 0
        func read(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard bit / 8 < data.count else { return nil }
                value = value << 1 | Int(data[bit / 8] >> (7 - UInt8(bit % 8)) & 1)
                bit += 1
            }
            return value
        }
        guard read(2) == 2, let low = read(1), let high = read(1) else { return nil }
        let profile = high << 1 | low
        if profile == 3 { guard read(1) == 0 else { return nil } }
        guard read(1) == 0, read(1) == 0, read(1) != nil, read(1) != nil else { return nil }  // not shown-existing; key
        guard read(8) == 0x49, read(8) == 0x83, read(8) == 0x42 else { return nil }
        if profile >= 2 { guard read(1) != nil else { return nil } }
        guard let colorSpace = read(3) else { return nil }
        if colorSpace != 7 {  // not CS_RGB: colour range, then subsampling in profiles 1 and 3
            guard read(1) != nil else { return nil }
            if profile == 1 || profile == 3 { guard read(3) != nil else { return nil } }
        } else if profile == 1 || profile == 3 {
            guard read(1) != nil else { return nil }
        }
        guard let width = read(16), let height = read(16) else { return nil }
        return (width + 1, height + 1)
    }

    func close() throws {
        if writer == nil {
            writer = try IVFWriter(path: path, header: IVFHeader(fourCC: "VP80", width: 0, height: 0, timeBase: VIDEO_TIME_BASE))
        }
        try writer?.close()
    }
}

final class Y4MRecordingSink: RecordingSink {
    private let writer: Y4MWriter
    private let fallback = FallbackDecoder()
    var framesWritten: Int { writer.framesWritten }

    init(path: String) throws { writer = try Y4MWriter(path: path) }

    func write(video frame: VideoFrame) throws { try writer.write(frame) }

    func write(encoded frame: EncodedFrame, mimeType: String) throws {
        try fallback.decode(frame, mimeType: mimeType, into: self)
    }

    func close() throws { writer.close() }
}
