/// A parsed SDP session description (RFC 8866) as used by JSEP (RFC 9429).
///
/// Structural lines (`v=`, `o=`, `s=`, `c=`, `b=`, `t=`, `m=`) are typed; every `a=` line is kept in order as an
/// ``SDPAttribute`` and read through typed views (``SDPAttributeContainer``), and all other lines are kept as
/// ``SDPLine``s. Parsing enforces the line order of RFC 8866 §5, so for any description it accepts,
/// ``text`` reproduces the input byte for byte up to line endings (always `\r\n` on output).
public struct SessionDescription: Hashable, Sendable, SDPAttributeContainer {
    /// `v=`; always 0.
    public var version: Int
    public var origin: SDPOrigin
    /// `s=`; JSEP uses `-`.
    public var sessionName: String
    /// Session-level `i=`, `u=`, `e=`, `p=`, `z=`, `k=` and unknown lines, in order. Those with the letters
    /// `i u e p` are written before `c=`, the rest after the `t=` lines.
    public var otherLines: [SDPLine]
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    public var timing: [SDPTiming]
    /// Every session-level `a=` line, in order.
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(version: Int = 0, origin: SDPOrigin, sessionName: String = "-", otherLines: [SDPLine] = [],
                connection: SDPConnection? = nil, bandwidths: [SDPBandwidth] = [], timing: [SDPTiming] = [SDPTiming()],
                attributes: [SDPAttribute] = [], media: [MediaDescription] = []) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.otherLines = otherLines
        self.connection = connection
        self.bandwidths = bandwidths
        self.timing = timing
        self.attributes = attributes
        self.media = media
    }
}
