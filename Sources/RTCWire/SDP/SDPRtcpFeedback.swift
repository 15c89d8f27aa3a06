/// `a=rtcp-fb:<payload type|*> <type> [<parameter>]` (RFC 4585 §4.2), e.g. `96 nack pli`, `111 transport-cc`.
public struct SDPRtcpFeedback: SDPAttributeValue {
    public static let attributeName = "rtcp-fb"
    /// A payload type number or `*`.
    public var payloadType: String
    public var type: String
    /// The rest of the line, e.g. `pli` for `nack pli`.
    public var parameter: String?

    public init(payloadType: String, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard tokens.count >= 2 else { throw WireError(.sdp, .malformed, "rtcp-fb: expected <pt> <type>") }
        if tokens[0] != "*" { _ = try SDPRtpMap.payloadType(tokens[0], field: "rtcp-fb payload type") }
        payloadType = String(tokens[0])
        type = String(tokens[1])
        parameter = tokens.count > 2 ? tokens.dropFirst(2).joined(separator: " ") : nil
    }

    public var attributeValue: String {
        var text = payloadType + " " + type
        if let parameter { text += " " + parameter }
        return text
    }
}
