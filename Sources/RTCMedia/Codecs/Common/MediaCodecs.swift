/// Encoders and decoders by SDP codec name (`a=rtpmap`, RFC 8866 §6.6): what the RTP sender and receiver ask for
/// once negotiation has picked a codec.
///
/// | mimeType     | RTP clock | audio               |
/// |--------------|-----------|---------------------|
/// | `audio/opus` | 48000/2   | 48 kHz mono/stereo  |
/// | `audio/PCMU` | 8000      | 8 kHz mono          |
/// | `audio/PCMA` | 8000      | 8 kHz mono          |
/// | `audio/G722` | 8000      | 16 kHz mono         |
/// | `video/VP8`, `video/VP9` | 90000 |              |
///
/// MIME types compare case-insensitively (RFC 6838 §4.2).
public enum MediaCodecs {
    /// The MIME types this module encodes and decodes.
    public static let audioMimeTypes = ["audio/opus", "audio/PCMU", "audio/PCMA", "audio/G722"]
    public static let videoMimeTypes = ["video/VP8", "video/VP9"]

    /// An encoder for `mimeType`; for Opus, `parameters` are the remote fmtp (`useinbandfec`, `usedtx`,
    /// `stereo`, `maxaveragebitrate`).
    /// - Throws: ``MediaCodecError`` `.unsupportedCodec` for other types; the library's error if it fails.
    public static func makeAudioEncoder(mimeType: String, parameters: [String: String] = [:]) throws
        -> any AudioEncoding {
        switch mimeType.lowercased() {
        case "audio/opus": try OpusAudioEncoder(options: OpusAudioEncoder.Options(fmtp: parameters))
        case "audio/pcmu": G711AudioEncoder(law: .muLaw)
        case "audio/pcma": G711AudioEncoder(law: .aLaw)
        case "audio/g722": G722AudioEncoder()
        default: throw MediaCodecError(.unsupportedCodec, "no audio encoder for \(mimeType)")
        }
    }

    /// A decoder for `mimeType` (the parameters do not change how any of these decode).
    public static func makeAudioDecoder(mimeType: String, parameters: [String: String] = [:]) throws
        -> any AudioDecoding {
        switch mimeType.lowercased() {
        case "audio/opus": try OpusAudioDecoder()
        case "audio/pcmu": G711AudioDecoder(law: .muLaw)
        case "audio/pcma": G711AudioDecoder(law: .aLaw)
        case "audio/g722": G722AudioDecoder()
        default: throw MediaCodecError(.unsupportedCodec, "no audio decoder for \(mimeType)")
        }
    }

    public static func makeVideoEncoder(mimeType: String) throws -> any VideoEncoding {
        VPXVideoEncoder(codec: try vpxCodec(mimeType))
    }

    public static func makeVideoDecoder(mimeType: String) throws -> any VideoDecoding {
        try VPXVideoDecoder(codec: try vpxCodec(mimeType))
    }

    private static func vpxCodec(_ mimeType: String) throws(MediaCodecError) -> VPXCodec {
        switch mimeType.lowercased() {
        case "video/vp8": .vp8
        case "video/vp9": .vp9
        default: throw MediaCodecError(.unsupportedCodec, "no video codec for \(mimeType)")
        }
    }
}
