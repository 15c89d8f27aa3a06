/// A `b=` line: `bwtype:bandwidth` (RFC 8866 §5.8), e.g. `AS:30` (kbit/s) or `TIAS:128000` (bit/s, RFC 3890).
public struct SDPBandwidth: Hashable, Sendable {
    public var type: String
    public var bandwidth: UInt64

    public init(type: String, bandwidth: UInt64) {
        self.type = type
        self.bandwidth = bandwidth
    }

    /// Parses the text after `b=`.
    public init(parsing text: String) throws(WireError) {
        let (type, value) = SDPText.splitOnce(text[...], at: UInt8(ascii: ":"))
        guard let value else { throw WireError(.sdp, .malformed, "b=: expected bwtype:bandwidth") }
        self.type = try SDPText.token(type, field: "b= bwtype")
        bandwidth = try SDPText.number(value, field: "b= bandwidth")
    }

    /// The text after `b=`.
    public var text: String { "\(type):\(bandwidth)" }
}
