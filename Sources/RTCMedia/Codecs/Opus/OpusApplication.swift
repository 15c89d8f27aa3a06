/// The coding mode an Opus encoder is tuned for (RFC 6716 §2; `OPUS_APPLICATION_*`).
public enum OpusApplication: Sendable, Hashable {
    /// Speech: favours intelligibility, enables the SILK layer at low rates (`OPUS_APPLICATION_VOIP`).
    case voip
    /// Music and mixed content: favours fidelity (`OPUS_APPLICATION_AUDIO`).
    case audio
    /// Lowest algorithmic delay, CELT only (`OPUS_APPLICATION_RESTRICTED_LOWDELAY`).
    case restrictedLowDelay
}

/// Frame sizes Opus accepts, in samples per channel at a given rate: 2.5, 5, 10, 20, 40 or 60 ms (RFC 6716 §2.1.4).
enum OpusFrameSize {
    static func isValid(_ samples: Int, sampleRate: Int32) -> Bool {
        // 2.5 ms is rate/400; every legal size is that times 1, 2, 4, 8, 16 or 24.
        let unit = Int(sampleRate) / 400
        return unit > 0 && samples % unit == 0 && [1, 2, 4, 8, 16, 24].contains(samples / unit)
    }

    /// The longest packet a decoder may be asked to produce: 120 ms (RFC 6716 §3.2.5, code 3 packets).
    static func maxDecodable(sampleRate: Int32) -> Int { Int(sampleRate) / 1000 * 120 }
}
