import AsyncRTC

/// One unit a file source produces: decoded audio, a decoded picture, or an encoded frame, with its time from the
/// start of the file (seconds) and how long it lasts. The playback engine turns the time into pts and pacing.
struct PlaybackItem {
    enum Payload {
        case audio(AudioFrame)
        case video(VideoFrame)
        case encoded(EncodedFrame)
    }

    var payload: Payload
    var time: Double
    var duration: Double
}

/// A file read front to back, again after `rewind()` (for looping). Implementations own a reader and, when
/// decoding, a decoder: classes used by one engine under its lock.
protocol PlaybackSource: AnyObject {
    /// The kind of the track this source feeds.
    var kind: MediaKind { get }
    /// For encoded output: the codec, and its RTP clock rate. nil when the source gives decoded media.
    var encodedCodec: (mimeType: String, clockRate: Int)? { get }
    /// The next item; nil at the end of the file or where a truncated record begins.
    func next() throws(MediaFileError) -> PlaybackItem?
    func rewind() throws(MediaFileError)
}

/// 20 ms blocks of a WAV file.
final class WAVPlaybackSource: PlaybackSource {
    private let reader: WAVReader
    private var position: Int64 = 0
    var kind: MediaKind { .audio }
    var encodedCodec: (mimeType: String, clockRate: Int)? { nil }

    init(path: String) throws(MediaFileError) { reader = try WAVReader(path: path) }

    func next() throws(MediaFileError) -> PlaybackItem? {
        guard let frame = try reader.read(samples: reader.sampleRate / 50) else { return nil }
        let rate = Double(reader.sampleRate)
        defer { position += Int64(frame.samples) }
        return PlaybackItem(payload: .audio(frame), time: Double(position) / rate, duration: Double(frame.samples) / rate)
    }

    func rewind() throws(MediaFileError) {
        try reader.rewind()
        position = 0
    }
}

/// The packets of an Ogg Opus file, decoded to 48 kHz stereo (pre-skip trimmed) or handed out as they are.
final class OpusPlaybackSource: PlaybackSource {
    private let reader: OggOpusReader
    private let decoder: OpusAudioDecoder?
    /// Samples (48 kHz) of packets read in this pass, and of decoded audio handed out.
    private var packetPosition: Int64 = 0
    private var outputPosition: Int64 = 0
    private var toSkip: Int
    var kind: MediaKind { .audio }
    var encodedCodec: (mimeType: String, clockRate: Int)? { decoder == nil ? ("audio/opus", 48_000) : nil }

    init(path: String, decode: Bool) throws(MediaFileError) {
        reader = try OggOpusReader(path: path)
        if decode {
            do { decoder = try OpusAudioDecoder() } catch {
                throw MediaFileError(.io, "cannot create an Opus decoder: \(error)")
            }
        } else {
            decoder = nil
        }
        toSkip = Int(reader.head.preSkip)
    }

    func next() throws(MediaFileError) -> PlaybackItem? {
        while let (packet, samples) = reader.nextPacket() {
            let time = Double(packetPosition) / 48_000
            packetPosition += Int64(samples)
            guard let decoder else {
                let frame = EncodedFrame(data: packet, timestamp: 0, isKeyframe: true, duration: UInt32(samples))
                return PlaybackItem(payload: .encoded(frame), time: time, duration: Double(samples) / 48_000)
            }
            // A packet libopus rejects is dropped (the file is damaged there); the next one decodes on its own.
            guard var frame = try? decoder.decode(packet) else { continue }
            if toSkip > 0 {
                let drop = min(toSkip, frame.samples)
                toSkip -= drop
                let bytesPerFrame = frame.channels * 2
                guard drop < frame.samples,
                      let rest = AudioFrame(format: .s16, layout: frame.layout, sampleRate: frame.sampleRate,
                                            data: Array(frame.data[(drop * bytesPerFrame)..<(frame.samples * bytesPerFrame)]))
                else { continue }
                frame = rest
            }
            defer { outputPosition += Int64(frame.samples) }
            return PlaybackItem(payload: .audio(frame), time: Double(outputPosition) / 48_000,
                                duration: Double(frame.samples) / 48_000)
        }
        return nil
    }

    func rewind() throws(MediaFileError) {
        try reader.rewind()
        packetPosition = 0
        outputPosition = 0
        toSkip = Int(reader.head.preSkip)
    }
}

/// The frames of an IVF file, decoded with libvpx or handed out as they are.
final class IVFPlaybackSource: PlaybackSource {
    private let reader: IVFReader
    private let decoder: (any VideoDecoding)?
    let mimeType: String
    private var firstPTS: Int64?
    private var lastTime = 0.0
    private var failures = 0
    private var pictures = 0
    private var lastDecodeError: (any Error)?
    var kind: MediaKind { .video }
    var encodedCodec: (mimeType: String, clockRate: Int)? { decoder == nil ? (mimeType, VIDEO_CLOCK_RATE) : nil }

    /// Consecutive frames the decoder may reject (it recovers at the next key frame) before the file counts as
    /// corrupt.
    static let maximumDecodeFailures = 60

    init(path: String, decode: Bool) throws(MediaFileError) {
        reader = try IVFReader(path: path)
        mimeType = reader.header.mimeType ?? "video/VP8"
        if decode {
            do { decoder = try MediaCodecs.makeVideoDecoder(mimeType: mimeType) } catch {
                throw MediaFileError(.io, "cannot create a \(mimeType) decoder: \(error)")
            }
        } else {
            decoder = nil
        }
    }

    /// The nominal frame interval: the time base when it looks like one frame (FFmpeg writes 1/fps), else 1/30 s.
    private var nominalInterval: Double {
        let tick = reader.header.timeBase.seconds
        return (1.0 / 240...1).contains(tick) ? tick : VIDEO_PTIME
    }

    func next() throws(MediaFileError) -> PlaybackItem? {
        while let (data, pts) = try reader.nextFrame() {
            if firstPTS == nil { firstPTS = pts }
            var time = Double(pts &- (firstPTS ?? 0)) * reader.header.timeBase.seconds
            if !time.isFinite || time < lastTime { time = lastTime + nominalInterval }
            let duration = time > lastTime ? min(time - lastTime, 1) : nominalInterval
            lastTime = time
            guard let decoder else {
                let frame = EncodedFrame(data: data, timestamp: 0, isKeyframe: Self.isKeyframe(data, mimeType: mimeType),
                                         duration: UInt32(duration * Double(VIDEO_CLOCK_RATE)))
                return PlaybackItem(payload: .encoded(frame), time: time, duration: nominalInterval)
            }
            let decoded: [VideoFrame]
            do { decoded = try decoder.decode(data) } catch {
                failures += 1
                lastDecodeError = error
                if failures >= Self.maximumDecodeFailures {
                    throw MediaFileError(.malformed, "\(mimeType) decoder rejected \(failures) frames in a row: \(error)")
                }
                continue
            }
            failures = 0
            guard let picture = decoded.last else { continue }
            pictures += 1
            return PlaybackItem(payload: .video(picture), time: time, duration: nominalInterval)
        }
        // A short file none of whose frames decode (e.g. VP9 profile 1, 4:4:4, which the I420 path refuses).
        if pictures == 0, let lastDecodeError {
            throw MediaFileError(.unsupported, "\(reader.header.fourCC) frames the decoder cannot decode: \(lastDecodeError)")
        }
        return nil
    }

    func rewind() throws(MediaFileError) {
        try reader.rewind()
        firstPTS = nil
        lastTime = 0
        pictures = 0
        lastDecodeError = nil
    }

    /// Whether a frame is a key frame: VP8's frame tag bit 0 is 0 (RFC 6386 §9.1); VP9's uncompressed header
    /// has `frame_type` 0 and no `show_existing_frame` (VP9 bitstream spec §6.2).
    static func isKeyframe(_ data: [UInt8], mimeType: String) -> Bool {
        guard let first = data.first else { return false }
        if mimeType.lowercased() == "video/vp8" { return first & 0x01 == 0 }
        guard first >> 6 == 2 else { return false }
        let profile = Int((first >> 5) & 1) | Int((first >> 4) & 1) << 1
        var bit = 3  // the next bit, counted from the most significant (7) down
        if profile == 3 { bit -= 1 }
        let showExisting = (first >> UInt8(bit)) & 1
        if showExisting == 1 { return false }
        return (first >> UInt8(bit - 1)) & 1 == 0
    }
}

/// The pictures of a Y4M file at its frame rate.
final class Y4MPlaybackSource: PlaybackSource {
    private let reader: Y4MReader
    private var index = 0
    var kind: MediaKind { .video }
    var encodedCodec: (mimeType: String, clockRate: Int)? { nil }

    init(path: String) throws(MediaFileError) { reader = try Y4MReader(path: path) }

    private var interval: Double {
        let (n, d) = reader.header.frameRate
        return min(max(Double(d) / Double(n), 1.0 / 240), 1)
    }

    func next() throws(MediaFileError) -> PlaybackItem? {
        guard let frame = try reader.nextFrame() else { return nil }
        defer { index += 1 }
        return PlaybackItem(payload: .video(frame), time: Double(index) * interval, duration: interval)
    }

    func rewind() throws(MediaFileError) {
        try reader.rewind()
        index = 0
    }
}
