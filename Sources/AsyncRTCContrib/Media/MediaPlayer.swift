public import AsyncRTC

/// Plays a media file as tracks, as aiortc's `MediaPlayer`: `audio` for WAV and Ogg Opus files, `video` for IVF
/// (VP8/VP9) and Y4M files, paced to real time so they can be added to an ``RTCPeerConnection`` as they are.
///
/// ```swift
/// let player = try MediaPlayer(file: "music.ogg")
/// if let audio = player.audio { try pc.addTrack(audio) }
/// ```
///
/// With `decode: false`, Opus and VP8/VP9 files give a track of encoded frames (an ``EncodedFrameSource``):
/// a sender whose negotiated codec is the file's sends them as they are, without decoding or re-encoding. Raw
/// formats (WAV, Y4M) are always decoded tracks.
///
/// Errors: a missing file, an unknown or unsupported format, a corrupt header or a first frame that cannot be
/// read or decoded throw ``MediaFileError`` from `init`. A file cut short (a recording whose writer died) plays
/// up to its last complete frame, then its track ends: `readyState` becomes `.ended` and `recv()` throws
/// ``MediaStreamError``. With `loop: true` the file starts over at its end instead; timestamps keep increasing.
public final class MediaPlayer: Sendable {
    /// The audio track, nil when the file has no audio.
    public let audio: MediaStreamTrack?
    /// The video track, nil when the file has no video.
    public let video: MediaStreamTrack?
    /// The container played.
    public let format: MediaFileFormat

    /// - Parameters:
    ///   - file: the path of the file.
    ///   - format: the container; nil to infer it from the extension (`.wav`, `.ogg`/`.opus`, `.ivf`, `.y4m`),
    ///     then from the first bytes.
    ///   - loop: start over at the end of the file.
    ///   - decode: false to hand out Opus and VP8/VP9 frames encoded (see above).
    /// - Throws: ``MediaFileError``.
    public init(file: String, format: MediaFileFormat? = nil, loop: Bool = false, decode: Bool = true) throws {
        let format = try format ?? MediaFileFormat(path: file) ?? Self.sniff(file)
        self.format = format
        let source: any PlaybackSource
        switch format {
        case .wav: source = try WAVPlaybackSource(path: file)
        case .ogg: source = try OpusPlaybackSource(path: file, decode: decode)
        case .ivf: source = try IVFPlaybackSource(path: file, decode: decode)
        case .y4m: source = try Y4MPlaybackSource(path: file)
        }
        let engine = try PlaybackEngine(source: source, loop: loop, path: file)
        let track: MediaStreamTrack
        if let codec = engine.encodedCodec {
            track = PlayerEncodedTrack(engine: engine, codecMimeType: codec.mimeType)
        } else if engine.kind == .audio {
            track = PlayerAudioTrack(engine: engine)
        } else {
            track = PlayerVideoTrack(engine: engine)
        }
        audio = engine.kind == .audio ? track : nil
        video = engine.kind == .video ? track : nil
    }

    private static func sniff(_ path: String) throws(MediaFileError) -> MediaFileFormat {
        let source = try FileByteSource(path: path)
        guard let format = MediaFileFormat(sniffing: try source.read(12)) else {
            throw MediaFileError(.unsupported, "\(path): not a WAV, Ogg, IVF or Y4M file")
        }
        return format
    }

    /// Stops both tracks.
    public func stop() {
        audio?.stop()
        video?.stop()
    }
}

/// The decoded audio of a ``MediaPlayer``.
///
/// `@unchecked Sendable` (inherited): the only state added is the engine, which is `Sendable`.
final class PlayerAudioTrack: AudioStreamTrack, @unchecked Sendable {
    private let engine: PlaybackEngine

    init(engine: PlaybackEngine) {
        self.engine = engine
        super.init()
    }

    override func recv() async throws -> AudioFrame {
        try checkLive()
        guard case .audio(let frame)? = try await playerNext(engine, self) else { throw MediaStreamError() }
        try checkLive()
        return frame
    }
}

/// The decoded pictures of a ``MediaPlayer``.
///
/// `@unchecked Sendable` (inherited): the only state added is the engine, which is `Sendable`.
final class PlayerVideoTrack: VideoStreamTrack, @unchecked Sendable {
    private let engine: PlaybackEngine

    init(engine: PlaybackEngine) {
        self.engine = engine
        super.init()
    }

    override func recv() async throws -> VideoFrame {
        try checkLive()
        guard case .video(let frame)? = try await playerNext(engine, self) else { throw MediaStreamError() }
        try checkLive()
        return frame
    }
}

/// The encoded frames of a ``MediaPlayer`` opened with `decode: false`: Opus packets (48 kHz timestamps) or
/// VP8/VP9 frames (90 kHz), sent without re-encoding by a sender that negotiated the same codec.
///
/// `@unchecked Sendable` (inherited): the state added is the engine (`Sendable`) and an immutable string.
public final class PlayerEncodedTrack: MediaStreamTrack, EncodedFrameSource, @unchecked Sendable {
    private let engine: PlaybackEngine
    public let codecMimeType: String

    init(engine: PlaybackEngine, codecMimeType: String) {
        self.engine = engine
        self.codecMimeType = codecMimeType
        super.init(kind: engine.kind)
    }

    public func recvEncoded() async throws -> EncodedFrame {
        try checkLive()
        guard case .encoded(let frame)? = try await playerNext(engine, self) else { throw MediaStreamError() }
        try checkLive()
        return frame
    }

    /// A file cannot make a key frame: the receiver recovers at the file's next one.
    public func requestKeyframe() {}
}

/// The next payload of a player track; ends the track (and returns nil) at the end of the file or on a read error.
private func playerNext(_ engine: PlaybackEngine, _ track: MediaStreamTrack) async throws -> PlaybackItem.Payload? {
    do {
        if let payload = try await engine.nextLooping() { return payload }
    } catch is MediaFileError {
        // A damaged stretch of the file: end the track cleanly, as at the end of the file.
    }
    track.stop()
    return nil
}
