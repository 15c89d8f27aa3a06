/// One media section: the `m=` line and the lines up to the next `m=` (RFC 8866 §5.14).
///
/// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`; JSEP (RFC 9429) sections look like
/// `m=audio 9 UDP/TLS/RTP/SAVPF 111 0` or `m=application 9 UDP/DTLS/SCTP webrtc-datachannel`.
public struct MediaDescription: Hashable, Sendable, SDPAttributeContainer {
    /// `audio`, `video`, `application`, or any other token.
    public var kind: String
    public var port: UInt16
    /// The optional `/<number of ports>` suffix of the port.
    public var numberOfPorts: UInt16?
    /// The transport protocol, e.g. `UDP/TLS/RTP/SAVPF` or `UDP/DTLS/SCTP`.
    public var proto: String
    /// Payload types for RTP, `webrtc-datachannel` for SCTP; kept as text.
    public var formats: [String]
    /// `i=`, `k=` and unknown lines, in their order; written after `m=` (`i=`) or before the `a=` lines.
    public var otherLines: [SDPLine]
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    /// Every `a=` line of the section, in order.
    public var attributes: [SDPAttribute]

    public init(kind: String, port: UInt16 = 9, numberOfPorts: UInt16? = nil, proto: String, formats: [String],
                otherLines: [SDPLine] = [], connection: SDPConnection? = nil, bandwidths: [SDPBandwidth] = [],
                attributes: [SDPAttribute] = []) {
        self.kind = kind
        self.port = port
        self.numberOfPorts = numberOfPorts
        self.proto = proto
        self.formats = formats
        self.otherLines = otherLines
        self.connection = connection
        self.bandwidths = bandwidths
        self.attributes = attributes
    }

    /// Parses the text after `m=` (the section's other lines are added by ``SessionDescription/init(parsing:)``).
    public init(parsingMediaLine text: String) throws(WireError) {
        let fields = SDPText.fields(text[...])
        guard fields.count >= 3 else {
            throw WireError(.sdp, .malformed, "m=: expected media, port and proto, got \(fields.count) fields")
        }
        let kind = try SDPText.token(fields[0], field: "m= media")
        let (portText, countText) = SDPText.splitOnce(fields[1], at: UInt8(ascii: "/"))
        let port: UInt16 = try SDPText.number(portText, field: "m= port")
        let count: UInt16? = try countText.map { (text) throws(WireError) in
            try SDPText.number(text, field: "m= number of ports")
        }
        let proto = try SDPText.token(fields[2], field: "m= proto")
        var formats: [String] = []
        for field in fields.dropFirst(3) { formats.append(try SDPText.token(field, field: "m= fmt")) }
        self.init(kind: kind, port: port, numberOfPorts: count, proto: proto, formats: formats)
    }

    /// The text after `m=`.
    public var mediaLine: String {
        var text = kind + " " + String(port)
        if let numberOfPorts { text += "/" + String(numberOfPorts) }
        text += " " + proto
        for format in formats { text += " " + format }
        return text
    }
}
