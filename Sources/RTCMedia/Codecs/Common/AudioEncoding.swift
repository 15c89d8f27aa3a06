/// An audio encoder as the RTP sender uses it: frames of any format, layout and rate in (converted to what the
/// codec needs), 20 ms packets out with continuous RTP timestamps.
///
/// Implementations are classes holding codec state: not `Sendable`; use one from one task or thread at a time
/// (for example inside a ``CodecWorker``).
public protocol AudioEncoding: AnyObject {
    /// The codec's RTP clock rate (48000 for Opus, 8000 for G.711 and G.722).
    var clockRate: Int { get }
    /// Buffers `frame` and returns every complete 20 ms packet it finishes (possibly none, possibly several).
    /// The first packet's timestamp is the first frame's pts converted to `clockRate` (0 without a pts); each
    /// later packet follows the previous one by its duration.
    func encode(_ frame: AudioFrame) throws -> [EncodedFrame]
}
