public import AsyncRTC

/// The containers ``MediaPlayer`` reads and ``MediaRecorder`` writes.
///
/// | format | file   | holds                         | spec                               |
/// |--------|--------|-------------------------------|------------------------------------|
/// | `wav`  | `.wav` | PCM s16, mono or stereo        | RIFF WAVE (Microsoft/IBM, 1991)    |
/// | `ogg`  | `.ogg` `.opus` | Opus                  | RFC 3533 (Ogg), RFC 7845 (Opus)    |
/// | `ivf`  | `.ivf` | VP8 or VP9                    | libvpx's IVF (32-byte header)      |
/// | `y4m`  | `.y4m` | raw I420 pictures             | YUV4MPEG2                          |
public enum MediaFileFormat: String, Sendable, Hashable, CaseIterable {
    case wav
    case ogg
    case ivf
    case y4m

    /// The format a file name's extension names, nil for an unknown one.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "wav", "wave": self = .wav
        case "ogg", "opus", "oga": self = .ogg
        case "ivf": self = .ivf
        case "y4m": self = .y4m
        default: return nil
        }
    }

    /// The format a file's first bytes announce, nil when they announce none of these.
    public init?(sniffing bytes: [UInt8]) {
        func starts(_ text: String) -> Bool { bytes.starts(with: Array(text.utf8)) }
        if starts("RIFF"), bytes.count >= 12, Array(bytes[8..<12]) == Array("WAVE".utf8) { self = .wav }
        else if starts("OggS") { self = .ogg }
        else if starts("DKIF") { self = .ivf }
        else if starts("YUV4MPEG2") { self = .y4m }
        else { return nil }
    }

    /// The kind of media the container holds.
    public var kind: MediaKind {
        switch self {
        case .wav, .ogg: .audio
        case .ivf, .y4m: .video
        }
    }
}
