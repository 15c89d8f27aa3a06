/// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576 §4.1), e.g. `1234 cname:abc` or `1234 msid:stream track`.
public struct SDPSsrc: SDPAttributeValue {
    public static let attributeName = "ssrc"
    public var ssrc: UInt32
    public var attribute: String
    public var value: String?

    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    public init(attributeValue: String) throws(WireError) {
        let (ssrcText, rest) = SDPText.splitOnce(attributeValue[...], at: SDPText.space)
        ssrc = try SDPText.number(ssrcText, field: "ssrc id")
        guard let rest, !rest.isEmpty else { throw WireError(.sdp, .malformed, "ssrc: expected <ssrc> <attribute>") }
        let (name, value) = SDPText.splitOnce(rest, at: UInt8(ascii: ":"))
        attribute = String(name)
        self.value = value.map(String.init)
    }

    public var attributeValue: String {
        var text = String(ssrc) + " " + attribute
        if let value { text += ":" + value }
        return text
    }
}

/// `a=ssrc-group:<semantics> <ssrc> ...` (RFC 5576 §4.2), e.g. `FID 1 2` (RFC 4588 retransmission) or
/// `SIM 1 2 3` (legacy simulcast).
public struct SDPSsrcGroup: SDPAttributeValue {
    public static let attributeName = "ssrc-group"
    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard let first = tokens.first else { throw WireError(.sdp, .malformed, "ssrc-group: missing semantics") }
        semantics = String(first)
        ssrcs = []
        for token in tokens.dropFirst() { ssrcs.append(try SDPText.number(token, field: "ssrc-group ssrc")) }
    }

    public var attributeValue: String { ([semantics] + ssrcs.map { String($0) }).joined(separator: " ") }
}
